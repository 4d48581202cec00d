import type { TraceEvent } from '@tracekernel/schema';

export interface SpanInterval {
  /** The event that ends the interval: a task's completion, a run's end. */
  endEvent: TraceEvent;
  /** Epoch ms. */
  end: number;
  kind: 'task' | 'run';
  status?: { code: 'ok' | 'error'; message: string | null };
  /** A run's own status: success, partial, failed, skipped. */
  runStatus?: string;
}

/**
 * The events that open an interval, by id: a task's `claim_task` lasts until the task's next
 * `complete_task` (or `block_task`), a `run.start` until the `run.end` of its span. Only events among `events`
 * count: an interval whose end is not there stays open (and is drawn as a point).
 */
export function spanIntervals(events: readonly TraceEvent[]): Map<string, SpanInterval> {
  const intervals = new Map<string, SpanInterval>();
  const openClaims = new Map<string, TraceEvent[]>();
  const runStarts = new Map<string, TraceEvent>();
  const sorted = [...events].sort((a, b) => a.ts - b.ts || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const event of sorted) {
    if (event.primitive === 'ops' && event.target_id !== null) {
      if (event.type === 'claim_task') openClaims.set(event.target_id, [...(openClaims.get(event.target_id) ?? []), event]);
      // A block ends the claim too: the agent no longer works on the task until it is claimed again.
      if (event.type === 'complete_task' || event.type === 'block_task') {
        for (const claim of openClaims.get(event.target_id) ?? []) intervals.set(claim.id, { endEvent: event, end: event.ts, kind: 'task' });
        openClaims.delete(event.target_id);
      }
    }
    if (event.primitive === 'run' && event.type === 'start') runStarts.set(runSpan(event), event);
    if (event.primitive === 'run' && event.type === 'end') {
      const start = runStarts.get(runSpan(event));
      if (!start) continue;
      const status = event.metadata.status;
      const error = event.metadata.error as { message?: unknown } | null | undefined;
      intervals.set(start.id, {
        endEvent: event,
        end: Math.max(event.ts, start.ts),
        kind: 'run',
        runStatus: typeof status === 'string' ? status : 'unknown',
        // OTLP allows a status message on errors only.
        status: status === 'failed'
          ? { code: 'error', message: typeof error?.message === 'string' ? error.message : 'failed' }
          : { code: 'ok', message: null },
      });
    }
  }
  return intervals;
}

function runSpan(event: TraceEvent): string {
  const span = event.metadata.span_id;
  return typeof span === 'string' ? span : event.id;
}
