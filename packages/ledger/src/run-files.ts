import {
  SCHEMA_VERSION,
  TraceError,
  eventSchema,
  runEndEventKey,
  runRecordSchema,
  runStartEventKey,
  toJsonEvent,
  type JsonEvent,
  type PreparedEvent,
  type RunRecord,
  type TraceEvent,
} from '@tracekernel/schema';
import { parseJsonLines, stableJson } from './stable-json.js';

/** The two files of a run on the ledger branch: `runs/<span_id>/run.json` and `events.jsonl`. */
export interface RunFiles {
  runJson: string;
  eventsJsonl: string;
}

/**
 * The bytes of a run's files: keys sorted, events oldest first (ts, then id), one per line. The
 * record is the stored one (a running run stays `running`; `abandoned` is a reader's view of one
 * host), so the same run gives the same blobs wherever and whenever it is exported.
 */
export function runFiles(record: RunRecord, events: readonly TraceEvent[]): RunFiles {
  const ordered = [...events].sort((a, b) => a.ts - b.ts || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return {
    runJson: `${stableJson(record, 2)}\n`,
    eventsJsonl: ordered.map((event) => `${eventLine(event)}\n`).join(''),
  };
}

/**
 * One event as a ledger line: the envelope's keys sorted, the metadata in its stored order (fixed
 * for a stored event, so the bytes stay deterministic). Sorting the metadata too would reorder it
 * in every store that imports the run, and `trace --causality --json` there would no longer print
 * the same bytes as on the machine that recorded it.
 */
export function eventLine(event: TraceEvent): string {
  const json = toJsonEvent(event) as unknown as Record<string, unknown>;
  return JSON.stringify(Object.fromEntries(Object.keys(json).sort().map((key) => [key, json[key]])));
}

/** The one-line JSON summary of a run: the message of its tag. */
export function runSummaryLine(record: RunRecord): string {
  return stableJson({
    code_ref: record.code_ref ?? null,
    duration_ms: record.duration_ms,
    span_id: record.span_id,
    started_at: record.started_at,
    status: record.status,
    task_id: record.task_id,
  });
}

export function parseRunJson(text: string, where: string): RunRecord {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new TraceError('E_SCHEMA', `${where}: not JSON`);
  }
  // A ledger written before code_ref existed has records without it.
  const withDefaults = value !== null && typeof value === 'object' && !('code_ref' in value) ? { ...value, code_ref: null } : value;
  const result = runRecordSchema.safeParse(withDefaults);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new TraceError('E_SCHEMA', `${where}: ${issue.path.join('.') || 'record'}: ${issue.message}`);
  }
  return result.data;
}

export function parseEventsJsonl(text: string, where: string): JsonEvent[] {
  try {
    return parseJsonLines(text, where) as JsonEvent[];
  } catch (error) {
    throw new TraceError('E_SCHEMA', (error as Error).message);
  }
}

/**
 * A ledger event back as a stored event. The JSON contract leaves out the idempotency key; a run's
 * own events get theirs back from the run (`run:<key>`, `run-end:<span>`), so that the store's
 * "already ran?" check holds after an import too.
 */
export function preparedFromJson(json: JsonEvent, record: RunRecord, where: string): PreparedEvent {
  const span = (json.metadata as { span_id?: unknown }).span_id ?? json.id;
  let idempotency_key: string | null = null;
  if (json.primitive === 'run' && span === record.span_id) {
    if (json.type === 'start') idempotency_key = runStartEventKey(record.idempotency_key);
    else if (json.type === 'end') idempotency_key = runEndEventKey(record.span_id);
  }
  const candidate = {
    id: json.id,
    ts: Date.parse(json.ts),
    primitive: json.primitive,
    type: json.type,
    agent_id: json.agent_id,
    target_id: json.target_id,
    session_id: json.session_id,
    parent_event_id: json.parent_event_id,
    causes: json.causes,
    idempotency_key,
    schema_version: SCHEMA_VERSION,
    metadata: json.metadata,
  };
  const result = eventSchema.safeParse(candidate);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new TraceError('E_SCHEMA', `${where}: event ${String(json.id)}: ${issue.path.join('.')}: ${issue.message}`);
  }
  return { event: result.data, metadataJson: JSON.stringify(result.data.metadata) };
}
