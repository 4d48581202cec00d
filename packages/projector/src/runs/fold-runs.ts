import { isTraceError, readRunEnd, runRecordFromEvents, runSpanOf, type RunRecord, type TraceEvent } from '@tracekernel/schema';
import { compareEvents } from '../event-order.js';
import type { RunnerLiveness } from './runner-liveness.js';

/** Run events that do not form a readable record: unreadable metadata, an end without a start, a second end. */
export interface RunProblem {
  event_id: string;
  span_id: string | null;
  message: string;
}

export interface FoldedRun {
  record: RunRecord;
  start: TraceEvent;
  end: TraceEvent | null;
}

export interface FoldedRuns {
  /** In the order their starts were recorded, (ts, id). */
  runs: FoldedRun[];
  problems: RunProblem[];
}

export interface FoldRunsOptions {
  /** Marks a running record `abandoned` when this says its runner is gone; pass none to keep `running`. */
  liveness?: RunnerLiveness;
}

/**
 * Folds `run.start` and `run.end` events into records; pure. A record is `running` until its end
 * exists. The first start of a span and the first end of a span win; the rest are problems, as are
 * events whose metadata no reader version accepts (they never hide the other records).
 */
export function foldRuns(events: readonly TraceEvent[], options: FoldRunsOptions = {}): FoldedRuns {
  const ordered = events.filter((event) => event.primitive === 'run').sort(compareEvents);
  const problems: RunProblem[] = [];
  const starts = new Map<string, TraceEvent>();
  const ends = new Map<string, TraceEvent>();
  for (const event of ordered) {
    if (event.type === 'start') {
      const span = runSpanOf(event);
      if (starts.has(span)) {
        problems.push({ event_id: event.id, span_id: span, message: `a second start for span ${span} (first: event ${starts.get(span)!.id})` });
      } else starts.set(span, event);
    } else if (event.type === 'end') {
      let span: string;
      try {
        span = readRunEnd(event.metadata).span_id;
      } catch (error) {
        problems.push({ event_id: event.id, span_id: spanHint(event), message: messageOf(error) });
        continue;
      }
      if (ends.has(span)) {
        problems.push({ event_id: event.id, span_id: span, message: `a second end for span ${span} (first: event ${ends.get(span)!.id})` });
      } else ends.set(span, event);
    }
  }
  const runs: FoldedRun[] = [];
  for (const [span, start] of starts) {
    const end = ends.get(span) ?? null;
    ends.delete(span);
    let record: RunRecord;
    try {
      record = runRecordFromEvents(start, end);
    } catch (error) {
      problems.push({ event_id: start.id, span_id: span, message: messageOf(error) });
      continue;
    }
    if (record.status === 'running' && options.liveness?.(record.runner) === false) record = { ...record, status: 'abandoned' };
    runs.push({ record, start, end });
  }
  for (const [span, end] of ends) {
    problems.push({ event_id: end.id, span_id: span, message: `an end for span ${span}, which has no start` });
  }
  return { runs, problems };
}

function spanHint(event: TraceEvent): string | null {
  const span = event.metadata.span_id;
  return typeof span === 'string' ? span : null;
}

function messageOf(error: unknown): string {
  if (isTraceError(error)) return error.message;
  throw error;
}
