import {
  checkRunRecord,
  runStartEventKey,
  type RunRecord,
  type RunViolation,
  type TraceEvent,
} from '@tracekernel/schema';
import type { TraceStore } from '@tracekernel/store';
import { foldRuns } from './fold-runs.js';

export interface RunVerification {
  /** How many records were checked. */
  runs: number;
  violations: RunViolation[];
}

function referencedIds(record: RunRecord): string[] {
  return [...record.parents, ...record.io.tool_calls, ...record.io.script_runs];
}

/**
 * Checks the ten invariants over a set of run events; pure. `existing` holds the ids of the events
 * that exist among those the runs reference (rule 10). Returns every violation, each with its run
 * and rule, in the order the runs were recorded.
 */
export function verifyRuns(events: readonly TraceEvent[], existing: ReadonlySet<string>): RunVerification {
  const { runs, problems } = foldRuns(events);
  const violations: RunViolation[] = problems.map((problem) => ({
    rule: problem.message.startsWith('a second start for span') ? 5 : 'schema',
    span_id: problem.span_id ?? problem.event_id,
    idempotency_key: null,
    message: `event ${problem.event_id}: ${problem.message}`,
  }));
  const bySpan = new Map(runs.map((run) => [run.record.span_id, run.record]));
  const traceIds = new Set(runs.map((run) => run.record.trace_id));
  const firstByKey = new Map<string, RunRecord>();
  const add = (record: RunRecord, rule: RunViolation['rule'], message: string) =>
    violations.push({ rule, span_id: record.span_id, idempotency_key: record.idempotency_key, message });

  for (const { record, start } of runs) {
    violations.push(...checkRunRecord(record));
    // 1 and 8: the store enforces both through the start event's key; a start without it escaped that.
    if (start.idempotency_key !== runStartEventKey(record.idempotency_key)) {
      add(record, 1, `the start event's idempotency key is ${JSON.stringify(start.idempotency_key)}, not ${JSON.stringify(runStartEventKey(record.idempotency_key))}, so a repeat would not be a no-op`);
    }
    const first = firstByKey.get(record.idempotency_key);
    if (first) add(record, 8, `idempotency_key ${JSON.stringify(record.idempotency_key)} is also used by run ${first.span_id}`);
    else firstByKey.set(record.idempotency_key, record);
    // 5 and 7: a retry points at the previous attempt's span, in the same trace.
    if (record.retry_of !== null) {
      const previous = bySpan.get(record.retry_of);
      if (!previous) {
        add(record, 7, traceIds.has(record.retry_of)
          ? `retry_of ${record.retry_of} is a trace_id, not the span_id of the previous attempt`
          : `retry_of ${record.retry_of} is not the span_id of any stored run`);
      } else {
        if (previous.trace_id !== record.trace_id) {
          add(record, 5, `trace_id ${record.trace_id} differs from ${previous.trace_id}, the trace of the attempt it retries (${previous.span_id})`);
        }
        if (previous.attempt !== record.attempt - 1) {
          add(record, 7, `retry_of ${previous.span_id} is attempt ${previous.attempt}, not the previous attempt (${record.attempt - 1})`);
        }
      }
    }
    const missing = referencedIds(record).filter((id) => !existing.has(id));
    if (missing.length > 0) add(record, 10, `references events that do not exist: ${[...new Set(missing)].join(', ')}`);
  }
  return { runs: runs.length, violations };
}

/** {@link verifyRuns} over every run in a store. */
export async function verifyRunStore(store: TraceStore): Promise<RunVerification> {
  const events = await store.query({ kinds: ['run'] });
  const { runs } = foldRuns(events);
  const wanted = [...new Set(runs.flatMap((run) => referencedIds(run.record)))].filter((id) => /^[0-9a-f-]{36}$/i.test(id));
  const existing = new Set<string>();
  for (let i = 0; i < wanted.length; i += 500) {
    // A private event exists too: hiding it from reads must not make a run reference a missing event.
    const found = await store.get(wanted.slice(i, i + 500).map((id) => id.toLowerCase()), { includePrivate: true });
    for (const event of found) existing.add(event.id);
  }
  return verifyRuns(events, existing);
}
