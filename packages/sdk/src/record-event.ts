import { TraceError, type PreparedEvent } from '@tracekernel/schema';
import { Tracer } from './tracer.js';

export interface RecordEventOptions {
  /** The store file. */
  db: string;
  /** How long to wait for another process's write lock before spooling (default 1 s). */
  lockTimeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

export interface RecordedEvent {
  /** `stored` now, a `duplicate` of a stored event, or `spooled` for the next writer to store. */
  outcome: 'stored' | 'duplicate' | 'spooled';
  /** Why the store did not take the event, when it was spooled. */
  reason: string | null;
}

/**
 * Writes one prepared event through a tracer, so that it takes the tracer's path (retries, then
 * the spool) and is never lost: for `trace emit`, when the store is locked past its patience.
 * Resolves once the event is stored or durably spooled; throws only when it could be neither.
 */
export async function recordEvent(prepared: PreparedEvent, options: RecordEventOptions): Promise<RecordedEvent> {
  const tracer = new Tracer({
    agentId: prepared.event.agent_id ?? 'trace',
    db: options.db,
    env: options.env ?? process.env,
    lockTimeoutMs: options.lockTimeoutMs ?? 1000,
    batchSize: 1,
    flushIntervalMs: 0,
    // One event: a small ring, still twice the largest event the catalog accepts.
    bufferBytes: 8 * 1024 * 1024,
  });
  const errors: string[] = [];
  tracer.on('error', (error) => errors.push(error.message));
  tracer.record(prepared);
  await tracer.close();
  const stats = tracer.stats();
  const reason = errors.at(-1) ?? null;
  if (stats.written > 0) return { outcome: 'stored', reason: null };
  if (stats.duplicates > 0) return { outcome: 'duplicate', reason: null };
  if (stats.spooled > 0) return { outcome: 'spooled', reason };
  throw new TraceError('E_STORE', `could not store or spool the event: ${reason ?? 'unknown failure'}`);
}
