import {
  TraceError,
  isShortEventId,
  isUuid,
  runSpanOf,
  runStartEventKey,
  type RunRecord,
  type TraceEvent,
} from '@tracekernel/schema';
import type { TraceStore } from '@tracekernel/store';
import { ambiguousShortId, matchingEvents } from '../event-ref.js';
import { foldRuns } from './fold-runs.js';
import type { RunReadOptions } from './list-runs.js';
import { processLiveness } from './runner-liveness.js';

export interface RunDetail {
  run: RunRecord;
  /** Every attempt of the run's trace, first attempt first (the run itself included). */
  attempts: RunRecord[];
}

/** Orders the attempts of one trace: by attempt, then by start time. */
export function attemptOrder(a: RunRecord, b: RunRecord): number {
  return a.attempt - b.attempt || a.started_at_ts - b.started_at_ts;
}

async function findStart(store: TraceStore, ref: string, includePrivate: boolean): Promise<TraceEvent | undefined> {
  const trimmed = ref.trim();
  if (isUuid(trimmed)) {
    const [byId] = await store.get([trimmed.toLowerCase()], { includePrivate });
    if (byId && byId.primitive === 'run' && byId.type === 'start' && runSpanOf(byId) === trimmed.toLowerCase()) return byId;
  }
  const byKey = await store.getByIdempotencyKey(runStartEventKey(trimmed));
  // The idempotency key lookup serves writers and sees private events; a read must not.
  if (byKey && (includePrivate || byKey.private !== true) && byKey.primitive === 'run' && byKey.type === 'start') return byKey;
  if (isShortEventId(trimmed)) {
    const isStart = (event: TraceEvent) => event.primitive === 'run' && event.type === 'start' && runSpanOf(event) === event.id;
    const matches = await matchingEvents(store, trimmed.toLowerCase(), { includePrivate, accept: isStart });
    if (matches.length > 1) throw ambiguousShortId('run', trimmed.toLowerCase(), matches);
    if (matches.length === 1) return matches[0];
  }
  // Runs from other systems keep their own span ids, and hand-emitted starts may lack the event key.
  const starts = await store.query({ kinds: ['run.start'], includePrivate });
  return (
    starts.find((start) => runSpanOf(start) === trimmed) ??
    starts.find((start) => start.metadata.idempotency_key === trimmed)
  );
}

/**
 * One run, found by its span_id or its idempotency_key, with its attempt chain (the runs that share
 * its trace_id). Throws TraceError E_NOT_FOUND when there is none.
 */
export async function findRun(store: TraceStore, ref: string, options: RunReadOptions = {}): Promise<RunDetail> {
  const includePrivate = options.includePrivate === true;
  const start = await findStart(store, ref, includePrivate);
  if (!start) throw new TraceError('E_NOT_FOUND', `no run with span_id or idempotency_key "${ref}"`);
  const events = start.target_id === null ? [start] : await store.query({ kinds: ['run'], targets: [start.target_id], includePrivate });
  const folded = foldRuns(events, { liveness: options.liveness ?? processLiveness });
  const span = runSpanOf(start);
  const run = folded.runs.find((candidate) => candidate.record.span_id === span);
  if (!run) {
    const problem = folded.problems.find((candidate) => candidate.span_id === span || candidate.event_id === start.id);
    throw new TraceError('E_SCHEMA', `run ${span} cannot be read: ${problem?.message ?? 'unknown reason'}`);
  }
  const attempts = folded.runs
    .map((candidate) => candidate.record)
    .filter((record) => record.trace_id === run.record.trace_id)
    .sort(attemptOrder);
  return { run: run.record, attempts };
}
