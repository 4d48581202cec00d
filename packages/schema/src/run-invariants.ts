import { isUuid, type RunRecord } from './run-record.js';

/** The ten run-record invariants, by number (issue 3 and docs/run-records.md). */
export const RUN_INVARIANTS = {
  1: 'a second run with the same idempotency_key is a no-op that returns the first',
  2: 'success => duration_ms >= 0 and ended >= started',
  3: 'failed => error.type and error.message are present',
  4: 'retrieval.memory_count equals the number of parents',
  5: 'trace_id stays the same across retries; span_id is unique per attempt',
  6: 'attempt >= 1, and attempt = 1 exactly when retry_of is null',
  7: 'retry_of is the span_id of the previous attempt, not a trace_id',
  8: 'idempotency_key is unique in the store',
  9: 'trace_id and span_id are valid UUIDs',
  10: 'tool_calls, script_runs and parents reference events that exist, or are empty',
} as const;

export type RunInvariant = keyof typeof RUN_INVARIANTS;

export interface RunViolation {
  /** The invariant broken, or `schema` when the stored events do not even form a readable record. */
  rule: RunInvariant | 'schema';
  /** The run: its span_id (or the offending event's id when no span could be read). */
  span_id: string;
  idempotency_key: string | null;
  message: string;
}

function violation(record: RunRecord, rule: RunInvariant, message: string): RunViolation {
  return { rule, span_id: record.span_id, idempotency_key: record.idempotency_key, message };
}

/**
 * The invariants one record can break on its own (2, 3, 4, 6, 9); pure. Writers call it before
 * writing; `verifyRuns` in the projector adds the rules that need the whole store (1, 5, 7, 8, 10).
 */
export function checkRunRecord(record: RunRecord): RunViolation[] {
  const found: RunViolation[] = [];
  if (record.status === 'success') {
    if (record.duration_ms === null || record.duration_ms < 0) {
      found.push(violation(record, 2, `status is success but duration_ms is ${record.duration_ms}`));
    }
    if (record.ended_at_ts === null || record.ended_at_ts < record.started_at_ts) {
      found.push(violation(record, 2, `status is success but ended_at (${record.ended_at}) is before started_at (${record.started_at})`));
    }
  }
  if (record.status === 'failed' && (!record.error?.type || !record.error.message)) {
    found.push(violation(record, 3, 'status is failed but error.type or error.message is missing'));
  }
  if (record.retrieval.memory_count !== record.parents.length) {
    found.push(violation(record, 4, `retrieval.memory_count is ${record.retrieval.memory_count} but there are ${record.parents.length} parents`));
  }
  if (!Number.isInteger(record.attempt) || record.attempt < 1) {
    found.push(violation(record, 6, `attempt is ${record.attempt}`));
  } else if ((record.attempt === 1) !== (record.retry_of === null)) {
    found.push(violation(record, 6, record.retry_of === null
      ? `attempt is ${record.attempt} but retry_of is null`
      : `attempt is 1 but retry_of is ${record.retry_of}`));
  }
  if (!isUuid(record.trace_id)) found.push(violation(record, 9, `trace_id ${JSON.stringify(record.trace_id)} is not a UUID`));
  if (!isUuid(record.span_id)) found.push(violation(record, 9, `span_id ${JSON.stringify(record.span_id)} is not a UUID`));
  return found;
}
