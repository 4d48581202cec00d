import { EventCatalog, Redactor, SCHEMA_VERSION, TraceError, isTraceError, toJsonEvent, type EventInput, type PreparedEvent, type TraceEvent } from '@tracekernel/schema';
import type { TraceStore } from '@tracekernel/store';
import { HttpError } from './http-error.js';

/** The fields of an event as `POST /v1/events` takes it: `trace emit`'s, by the names `--json` prints. */
const INPUT_FIELDS = new Set([
  'id', 'ts', 'primitive', 'type', 'agent_id', 'target_id', 'session_id', 'parent_event_id', 'causes', 'idempotency_key',
  'metadata', 'private', 'schema_version',
]);

/**
 * `trace emit`'s flag names, taken as synonyms of the contract's, so that a script can post the
 * event it would have passed to `trace emit --agent … --target … --parent …`.
 */
const FLAG_NAMES: Readonly<Record<string, string>> = {
  agent: 'agent_id',
  target: 'target_id',
  session: 'session_id',
  parent: 'parent_event_id',
  cause: 'causes',
};

/** What `POST /v1/events` answers: the stored id of each event, in order. */
export interface IngestResult {
  /** The id stored for each event; for a repeated idempotency key, the first event's. */
  ids: string[];
  inserted: number;
  duplicates: number;
}

/**
 * The events of a request body: a JSON array (or one object) for `application/json`, one object
 * per line for `application/x-ndjson`. Errors name the event (`events[3]` or `line 4`) and field.
 */
export function parseEventBatch(body: string, format: 'json' | 'ndjson'): Array<{ where: string; value: unknown }> {
  const text = body.charCodeAt(0) === 0xfeff ? body.slice(1) : body;
  if (format === 'ndjson') {
    const items: Array<{ where: string; value: unknown }> = [];
    text.split('\n').forEach((line, index) => {
      if (line.trim() === '') return;
      try {
        items.push({ where: `line ${index + 1}`, value: JSON.parse(line) });
      } catch (error) {
        throw new HttpError(400, 'E_BAD_JSON', `line ${index + 1}: not valid JSON (${(error as Error).message})`);
      }
    });
    if (items.length === 0) throw new HttpError(400, 'E_SCHEMA', 'body: no events; expected one JSON object per line');
    return items;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new HttpError(400, 'E_BAD_JSON', `body: not valid JSON (${(error as Error).message})`);
  }
  const values = Array.isArray(parsed) ? parsed : [parsed];
  if (values.length === 0) throw new HttpError(400, 'E_SCHEMA', 'body: an empty array; expected at least one event');
  return values.map((value, index) => ({ where: `events[${index}]`, value }));
}

/** Validates one event as `trace emit` does (the catalog's checks), naming where it is in the batch. */
export function prepareInput(value: unknown, where: string, catalog: EventCatalog, redactor: Redactor): PreparedEvent {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new HttpError(400, 'E_SCHEMA', `${where}: expected a JSON object with primitive, type and the other fields of an event`);
  }
  const record: Record<string, unknown> = {};
  const givenAs = new Map<string, string>();
  for (const [key, field] of Object.entries(value as Record<string, unknown>)) {
    const name = FLAG_NAMES[key] ?? key;
    if (!INPUT_FIELDS.has(name)) {
      throw new HttpError(400, 'E_SCHEMA', `${where}.${key}: unknown field; expected one of ${[...INPUT_FIELDS].join(', ')} (or emit's agent, target, session, parent, cause)`);
    }
    const earlier = givenAs.get(name);
    if (earlier !== undefined) throw new HttpError(400, 'E_SCHEMA', `${where}.${key}: given twice, as ${earlier} and ${key}; expected one of them`);
    givenAs.set(name, key);
    // emit's --cause is repeated one id at a time; a single id here is the same thing.
    record[name] = key === 'cause' && typeof field === 'string' ? [field] : field;
  }
  for (const key of ['primitive', 'type'] as const) {
    if (typeof record[key] !== 'string') throw new HttpError(400, 'E_SCHEMA', `${where}.${key}: expected a string`);
  }
  if (record.schema_version !== undefined && record.schema_version !== SCHEMA_VERSION) {
    throw new HttpError(400, 'E_SCHEMA', `${where}.schema_version: expected ${SCHEMA_VERSION} (or leave it out), got ${JSON.stringify(record.schema_version)}`);
  }
  const { schema_version: _version, ...input } = record;
  try {
    return redactor.redactPrepared(catalog.prepare(input as unknown as EventInput));
  } catch (error) {
    // The catalog names the field ("metadata.title: ..."); the batch adds which event it is.
    if (isTraceError(error)) throw new TraceError(error.code, /^[\w.[\]]+: /.test(error.message) ? `${where}.${error.message}` : `${where}: ${error.message}`);
    throw error;
  }
}

/** Validates the whole batch, then appends it in one transaction: a batch with one bad event writes nothing. */
export async function ingestEvents(store: TraceStore, inputs: ReadonlyArray<{ where: string; value: unknown }>, catalog: EventCatalog, redactor: Redactor): Promise<IngestResult> {
  const prepared = inputs.map(({ where, value }) => prepareInput(value, where, catalog, redactor));
  await refuseConflictingIds(store, inputs, prepared);
  const results = await store.append(prepared);
  const inserted = results.filter((result) => result.inserted).length;
  return { ids: results.map((result) => result.id), inserted, duplicates: results.length - inserted };
}

/**
 * A client-chosen id that is already stored is a duplicate (an idempotent retry) only when the
 * event is the same: every field of the envelope and the metadata, compared as stored (after
 * redaction), with `ts` left out only when the client did not send one (the server chose it).
 * Otherwise the batch is refused whole with a 409, rather than answered as a duplicate that
 * silently drops the new content.
 */
async function refuseConflictingIds(store: TraceStore, inputs: ReadonlyArray<{ where: string; value: unknown }>, prepared: readonly PreparedEvent[]): Promise<void> {
  const chosen = prepared.flatMap((item, index) => ((inputs[index]!.value as Record<string, unknown>).id === undefined ? [] : [index]));
  if (chosen.length === 0) return;
  const stored = new Map((await store.get(chosen.map((index) => prepared[index]!.event.id), { includePrivate: true })).map((event) => [event.id, event]));
  for (const index of chosen) {
    const event = prepared[index]!.event;
    const earlier = stored.get(event.id);
    if (earlier === undefined) continue;
    const keepTs = (inputs[index]!.value as Record<string, unknown>).ts !== undefined;
    if (canonical(event, keepTs) !== canonical(earlier, keepTs)) {
      throw new HttpError(409, 'E_CONFLICT', `${inputs[index]!.where}.id: ${event.id} is already stored with other content; give this event another id (a retry must send the same event)`);
    }
  }
}

function canonical(event: TraceEvent, keepTs: boolean): string {
  const { ts, ...rest } = toJsonEvent(event);
  return sortedJson(keepTs ? { ...rest, ts } : rest);
}

function sortedJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(sortedJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((key) => `${JSON.stringify(key)}:${sortedJson((value as Record<string, unknown>)[key])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
