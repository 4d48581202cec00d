import {
  EventCatalog,
  checkRunRecord,
  isEventId,
  isTraceError,
  parseRunRecordInput,
  runEndEventKey,
  runRecordFromEvents,
  runRecordToMetadata,
  runSpanOf,
  runStartEventKey,
  type PreparedEvent,
  type RunRecord,
} from '@tracekernel/schema';
import type { SqliteTraceStore } from '@tracekernel/store';
import { findStartBySpan } from './run-metadata.js';

export interface BackfillProblem {
  /** 1-based line number in the input. */
  line: number;
  reason: string;
}

export interface BackfillReport {
  dry_run: boolean;
  /** Records imported (or, in a dry run, that would be). */
  new: number;
  /** Records whose idempotency_key is already in the store (or earlier in the input): skipped. */
  duplicate: number;
  invalid: number;
  problems: BackfillProblem[];
}

export interface BackfillOptions {
  /** Report what would happen without writing. */
  dryRun?: boolean;
  /** agent_id of the imported events; default each record's runner.name. */
  agentId?: string;
  catalog?: EventCatalog;
}

class Invalid extends Error {}

/**
 * Imports run records from another system, one JSON record per line (blank lines are ignored).
 * Honours idempotency_key, so re-running an import adds nothing. Every record is validated and held
 * to the invariants before it is written; an invalid line is reported with its number and reason and
 * the valid lines still import. Each record is written in one transaction and read back.
 */
export async function backfillRuns(store: SqliteTraceStore, text: string, options: BackfillOptions = {}): Promise<BackfillReport> {
  const catalog = options.catalog ?? new EventCatalog();
  const report: BackfillReport = { dry_run: options.dryRun ?? false, new: 0, duplicate: 0, invalid: 0, problems: [] };
  // What this input adds, so later lines (retries, repeats) see earlier ones even in a dry run.
  const keys = new Set<string>();
  const spans = new Map<string, RunRecord>();
  const lines = text.split(/\r?\n/);
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!.trim();
    if (line === '') continue;
    try {
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (error) {
        throw new Invalid(`not JSON (${(error as Error).message})`);
      }
      const record = parseRecord(value);
      if (keys.has(record.idempotency_key) || (await store.getByIdempotencyKey(runStartEventKey(record.idempotency_key)))) {
        report.duplicate++;
        continue;
      }
      const [violation] = checkRunRecord(record);
      if (violation) throw new Invalid(`invariant ${violation.rule}: ${violation.message}`);
      if (spans.has(record.span_id) || (await findStartBySpan(store, record.span_id))) {
        throw new Invalid(`invariant 5: span_id ${record.span_id} is already used by another run`);
      }
      if (record.retry_of !== null) {
        const previous = spans.get(record.retry_of) ?? (await previousRecord(store, record.retry_of));
        if (!previous) throw new Invalid(`invariant 7: retry_of ${record.retry_of} is not the span_id of a stored run (import the earlier attempt first)`);
        if (previous.attempt !== record.attempt - 1) throw new Invalid(`invariant 7: retry_of ${record.retry_of} is attempt ${previous.attempt}, not ${record.attempt - 1}`);
        if (previous.trace_id !== record.trace_id) throw new Invalid(`invariant 5: trace_id differs from the retried attempt's (${previous.trace_id})`);
      }
      const references = [...new Set([...record.parents, ...record.io.tool_calls, ...record.io.script_runs])];
      const found = new Set((await store.get(references.filter(isEventId))).map((event) => event.id));
      const missing = references.filter((id) => !found.has(id));
      if (missing.length > 0) throw new Invalid(`invariant 10: references events that do not exist: ${missing.join(', ')}`);
      if (!report.dry_run && !(await write(store, catalog, record, options.agentId))) {
        report.duplicate++;
        continue;
      }
      keys.add(record.idempotency_key);
      spans.set(record.span_id, record);
      report.new++;
    } catch (error) {
      if (!(error instanceof Invalid) && !isTraceError(error)) throw error;
      if (isTraceError(error) && error.code !== 'E_SCHEMA' && error.code !== 'E_INVALID_ID' && error.code !== 'E_INVALID_TIME') throw error;
      report.invalid++;
      report.problems.push({ line: index + 1, reason: error.message });
    }
  }
  return report;
}

function parseRecord(value: unknown): RunRecord {
  try {
    return parseRunRecordInput(value);
  } catch (error) {
    if (isTraceError(error)) throw new Invalid(error.message);
    throw error;
  }
}

async function previousRecord(store: SqliteTraceStore, span: string): Promise<RunRecord | undefined> {
  const start = await findStartBySpan(store, span);
  return start ? runRecordFromEvents(start, null) : undefined;
}

/** Writes one record's events in one transaction; false when its key won a race elsewhere. */
async function write(store: SqliteTraceStore, catalog: EventCatalog, record: RunRecord, agentId: string | undefined): Promise<boolean> {
  const { start, end } = runRecordToMetadata(record);
  const agent = agentId ?? record.runner.name;
  const startEvent = catalog.prepare({
    primitive: 'run',
    type: 'start',
    // A uuidv7 span (ours) becomes the start event's id, as for runs recorded live.
    ...(isEventId(record.span_id) ? { id: record.span_id } : {}),
    ts: record.started_at_ts,
    agent_id: agent,
    target_id: record.task_id,
    idempotency_key: runStartEventKey(record.idempotency_key),
    metadata: start,
  });
  const events: PreparedEvent[] = [startEvent];
  if (end) {
    events.push(catalog.prepare({
      primitive: 'run',
      type: 'end',
      ts: record.ended_at_ts!,
      agent_id: agent,
      target_id: record.task_id,
      parent_event_id: startEvent.event.id,
      idempotency_key: runEndEventKey(record.span_id),
      metadata: end,
    }));
  }
  const results = store.appendSync(events);
  if (!results[0]!.inserted) return false;
  const stored = await store.get(events.map((event) => event.event.id));
  const storedStart = stored.find((event) => event.id === startEvent.event.id);
  const storedEnd = end ? stored.find((event) => event.id === events[1]!.event.id) : null;
  if (!storedStart || runSpanOf(storedStart) !== record.span_id) throw new Error(`backfill: run ${record.span_id} was not read back`);
  const readBack = runRecordFromEvents(storedStart, storedEnd ?? null);
  if (JSON.stringify(readBack) !== JSON.stringify(record)) throw new Error(`backfill: run ${record.span_id} read back differently`);
  return true;
}
