import { EventCatalog, TraceError, toJsonEvent, type PreparedEvent, type TraceEvent } from '@tracekernel/schema';
import type { EventQuery, TraceStore } from '@tracekernel/store';
import { ensureKind, importCatalog } from './import-catalog.js';

/**
 * One event as an NDJSON line: the `--json` event contract, plus the idempotency key, so that
 * reading the line back stores the same event.
 */
export function ndjsonLine(event: TraceEvent): string {
  return JSON.stringify({ ...toJsonEvent(event), idempotency_key: event.idempotency_key });
}

/** Writes the events a query matches, oldest first, one line each; returns how many. */
export async function exportNdjson(store: TraceStore, query: EventQuery, write: (line: string) => void | Promise<void>): Promise<number> {
  const { limit, order, ...rest } = query;
  // The latest N (limit) are read newest first and written oldest first, as every timeline is.
  const events = await store.query(limit === undefined ? { ...rest, order: 'asc' } : { ...rest, limit, order: 'desc' });
  if (limit !== undefined) events.reverse();
  for (const event of events) await write(`${ndjsonLine(event)}\n`);
  return events.length;
}

export interface NdjsonLineError {
  line: number;
  message: string;
}

export interface NdjsonImportReport {
  added: number;
  duplicates: number;
  invalid: number;
  errors: NdjsonLineError[];
}

const CHUNK = 1000;
const FIELDS = new Set(['id', 'ts', 'primitive', 'type', 'agent_id', 'target_id', 'session_id', 'parent_event_id', 'causes', 'metadata', 'idempotency_key', 'private']);

/**
 * Reads events written by {@link exportNdjson} (or any emitter that writes the JSON contract).
 * Ids and idempotency keys are kept, so a round trip adds nothing. A bad line is reported by its
 * number and the rest is imported. Kinds the catalog lacks are accepted with unchecked metadata,
 * so that a store's custom primitives travel too.
 */
export async function importNdjson(
  store: TraceStore,
  lines: AsyncIterable<string> | Iterable<string>,
  options: { dryRun?: boolean; catalog?: EventCatalog } = {},
): Promise<NdjsonImportReport> {
  const catalog = importCatalog(options.catalog ?? new EventCatalog());
  const errors: NdjsonLineError[] = [];
  const prepared: PreparedEvent[] = [];
  let number = 0;
  for await (const raw of lines) {
    number++;
    const line = raw.trim();
    if (line === '') continue;
    try {
      prepared.push(prepareLine(catalog, line));
    } catch (error) {
      errors.push({ line: number, message: error instanceof Error ? error.message : String(error) });
    }
  }
  let added = 0;
  for (let i = 0; i < prepared.length; i += CHUNK) {
    const chunk = prepared.slice(i, i + CHUNK);
    if (options.dryRun) {
      const found = new Set((await store.get(chunk.map((event) => event.event.id), { includePrivate: true })).map((event) => event.id));
      added += chunk.filter((event) => !found.has(event.event.id)).length;
    } else {
      added += (await store.append(chunk)).filter((result) => result.inserted).length;
    }
  }
  return { added, duplicates: prepared.length - added, invalid: errors.length, errors };
}

function prepareLine(catalog: EventCatalog, line: string): PreparedEvent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch (error) {
    throw new TraceError('E_SCHEMA', `not JSON (${(error as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new TraceError('E_SCHEMA', 'expected a JSON object (one event per line)');
  const event = parsed as Record<string, unknown>;
  const unknown = Object.keys(event).filter((key) => !FIELDS.has(key));
  if (unknown.length > 0) throw new TraceError('E_SCHEMA', `${unknown[0]}: not a field of an event`);
  for (const field of ['id', 'ts', 'primitive', 'type'] as const) {
    if (event[field] === undefined) throw new TraceError('E_SCHEMA', `${field}: required`);
  }
  if (typeof event.primitive !== 'string' || typeof event.type !== 'string') throw new TraceError('E_SCHEMA', 'primitive, type: expected strings');
  ensureKind(catalog, event.primitive, event.type);
  return catalog.prepare({
    primitive: event.primitive,
    type: event.type,
    id: event.id as string,
    ts: event.ts as string | number,
    agent_id: event.agent_id as string | null,
    target_id: event.target_id as string | null,
    session_id: event.session_id as string | null,
    parent_event_id: event.parent_event_id as string | null,
    causes: (event.causes ?? []) as string[],
    idempotency_key: event.idempotency_key as string | null,
    metadata: event.metadata,
    private: event.private as boolean | undefined,
  });
}
