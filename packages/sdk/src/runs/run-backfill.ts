import {
  EventCatalog,
  isEventId,
  isTraceError,
  parseRunRecordInput,
  runRecordFromEvents,
  type RunRecord,
} from '@tracekernel/schema';
import type { TraceStore } from '@tracekernel/store';
import { RunLookup } from './run-lookup.js';
import { RunWriter, prepareRunRecord, type PreparedRecord } from './run-writer.js';

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
  /** Records whose span_id is the id of a stored event that is not a run start: not imported. */
  conflict: number;
  problems: BackfillProblem[];
}

export interface BackfillOptions {
  /** Report what would happen without writing. */
  dryRun?: boolean;
  /** agent_id of the imported events; default each record's runner.name. */
  agentId?: string;
  catalog?: EventCatalog;
  /** Records per transaction (default 1000). */
  batchSize?: number;
}

/** How deeply a line's JSON may nest; deeper input is refused with the path where it goes too deep. */
export const BACKFILL_MAX_DEPTH = 64;

class Invalid extends Error {}
class Conflict extends Error {}

/** The line-level errors of the schema and the writer: reported with the line, not thrown. */
const LINE_ERRORS = new Set(['E_SCHEMA', 'E_INVALID_ID', 'E_INVALID_TIME', 'E_INVARIANT']);

/**
 * Imports run records from another system, one JSON record per line (blank lines are ignored).
 * Honours idempotency_key, so re-running an import adds nothing. Every record is validated and held
 * to the invariants before it is written; an invalid line is reported with its number and reason and
 * the valid lines still import. Records are written many per transaction and read back.
 *
 * The time is linear in the number of records: each line costs a few indexed lookups (its key,
 * its span, its references), and what the input adds is kept in memory. `store` may be null for a
 * dry run where no store exists yet.
 */
export async function backfillRuns(store: TraceStore | null, text: string, options: BackfillOptions = {}): Promise<BackfillReport> {
  const catalog = options.catalog ?? new EventCatalog();
  const dryRun = options.dryRun ?? false;
  const batchSize = Math.max(1, options.batchSize ?? 1000);
  const report: BackfillReport = { dry_run: dryRun, new: 0, duplicate: 0, invalid: 0, conflict: 0, problems: [] };
  const lookup = store ? new RunLookup(store, { cacheTargets: true }) : null;
  const writer = store && !dryRun ? new RunWriter(store, { catalog, lookup: lookup!, agentId: options.agentId ?? null }) : null;
  // What this input adds, so later lines (retries, repeats, references) see earlier ones even
  // before they are written, and in a dry run.
  const keys = new Set<string>();
  const spans = new Map<string, { record: RunRecord; line: number }>();
  const eventIds = new Set<string>();
  let batch: PreparedRecord[] = [];

  const flush = async () => {
    if (!writer || batch.length === 0) return;
    const writes = await writer.writeRecords(batch);
    batch = [];
    for (const write of writes) {
      if (write.outcome === 'new') continue;
      report.new--;
      report.duplicate++;
      if (write.problem) report.problems.push({ line: spans.get(write.record.span_id)?.line ?? 0, reason: write.problem });
    }
  };

  const lines = text.split(/\r?\n/);
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!.trim();
    if (line === '') continue;
    try {
      const record = parseLine(line);
      if (keys.has(record.idempotency_key) || (lookup && (await lookup.startByKey(record.idempotency_key)))) {
        report.duplicate++;
        continue;
      }
      const prepared = prepareRunRecord(record, { catalog, agentId: options.agentId ?? null });
      await checkAgainstStore(record, lookup, { spans, eventIds });
      keys.add(record.idempotency_key);
      spans.set(record.span_id, { record, line: index + 1 });
      eventIds.add(prepared.start.event.id);
      if (prepared.end) eventIds.add(prepared.end.event.id);
      report.new++;
      batch.push(prepared);
      if (batch.length >= batchSize) await flush();
    } catch (error) {
      if (error instanceof Conflict) {
        report.conflict++;
      } else if (error instanceof Invalid || (isTraceError(error) && LINE_ERRORS.has(error.code))) {
        report.invalid++;
      } else {
        throw error;
      }
      report.problems.push({ line: index + 1, reason: (error as Error).message });
    }
  }
  await flush();
  report.problems.sort((a, b) => a.line - b.line);
  return report;
}

function parseLine(line: string): RunRecord {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    throw new Invalid(`not JSON (${(error as Error).message})`);
  }
  const deep = tooDeep(value, BACKFILL_MAX_DEPTH);
  if (deep !== null) throw new Invalid(`${deep}: nested deeper than ${BACKFILL_MAX_DEPTH} levels`);
  return parseRunRecordInput(value);
}

/** The path of the first value nested deeper than `max` levels, or null; iterative, so any depth is safe. */
export function tooDeep(value: unknown, max: number): string | null {
  const stack: Array<{ value: unknown; path: string; depth: number }> = [{ value, path: '', depth: 0 }];
  while (stack.length > 0) {
    const item = stack.pop()!;
    if (item.value === null || typeof item.value !== 'object') continue;
    if (item.depth >= max) return item.path || '(the record)';
    const entries = Array.isArray(item.value) ? item.value.map((entry, i) => [`[${i}]`, entry] as const) : Object.entries(item.value).map(([key, entry]) => [`.${key}`, entry] as const);
    for (const [step, entry] of entries) stack.push({ value: entry, path: `${item.path}${step}`.replace(/^\./, ''), depth: item.depth + 1 });
  }
  return null;
}

/** The invariants that need the store and the earlier lines: 5 (spans), 7 (retries) and 10 (references). */
async function checkAgainstStore(
  record: RunRecord,
  lookup: RunLookup | null,
  input: { spans: Map<string, { record: RunRecord; line: number }>; eventIds: Set<string> },
): Promise<void> {
  const earlier = input.spans.get(record.span_id);
  if (earlier) throw new Invalid(`invariant 5: span_id ${record.span_id} is already used by the run on line ${earlier.line}`);
  if (lookup) {
    const existing = await lookup.event(record.span_id);
    if (existing && !(existing.primitive === 'run' && existing.type === 'start')) {
      throw new Conflict(`conflict: span_id ${record.span_id} is the id of a stored ${existing.primitive}.${existing.type} event, not a run`);
    }
    // A uuidv7 span was just looked up as an event id; the rest finds it through its end or its task.
    if (existing || (await lookup.startBySpanElsewhere(record.span_id, { task: record.task_id }))) {
      throw new Invalid(`invariant 5: span_id ${record.span_id} is already used by another run`);
    }
  }
  if (record.retry_of !== null) {
    const previous = input.spans.get(record.retry_of)?.record ?? (await storedRecord(lookup, record.retry_of, record.task_id));
    if (!previous) throw new Invalid(`invariant 7: retry_of ${record.retry_of} is not the span_id of a stored run (import the earlier attempt first)`);
    if (previous.attempt !== record.attempt - 1) throw new Invalid(`invariant 7: retry_of ${record.retry_of} is attempt ${previous.attempt}, not ${record.attempt - 1}`);
    if (previous.trace_id !== record.trace_id) throw new Invalid(`invariant 5: trace_id differs from the retried attempt's (${previous.trace_id})`);
  }
  const references = [...new Set([...record.parents, ...record.io.tool_calls, ...record.io.script_runs])].filter((id) => !input.eventIds.has(id));
  if (references.length === 0) return;
  const found = new Set(lookup ? (await lookup.events(references.filter(isEventId))).map((event) => event.id) : []);
  const missing = references.filter((id) => !found.has(id));
  if (missing.length > 0) throw new Invalid(`invariant 10: references events that do not exist: ${missing.join(', ')}`);
}

async function storedRecord(lookup: RunLookup | null, span: string, task: string): Promise<RunRecord | undefined> {
  const start = await lookup?.startBySpan(span, { task });
  return start ? runRecordFromEvents(start, null) : undefined;
}
