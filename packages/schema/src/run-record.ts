import { z } from 'zod';
import type { PrimitiveDefinition } from './catalog.js';
import type { TraceEvent } from './envelope.js';
import { TraceError } from './trace-error.js';

/**
 * Run records: one execution of a task, stored as two events of the `run` primitive (`start` and
 * `end`, linked by `span_id`) and read back as one {@link RunRecord}. The metadata carries its own
 * `schema_version`, independent of the event envelope's, so the record can evolve on its own.
 */
export const RUN_SCHEMA_VERSION = 1;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Any RFC 9562 uuid (v4 from other systems, v7 from ours). */
export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

const name = z.string().min(1).max(512);
const text = z.string().max(64 * 1024);
const id = z.string().min(1).max(512);
/** A git commit id: 40 hex digits (sha1) or 64 (sha256). */
const gitCommit = z.string().regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/, "expected a git commit id (40 or 64 hex digits)");

export const runTriggerSchema = z.enum(['scheduled', 'manual']);
/** How a run ended; stored on the `end` event. */
export const runEndStatusSchema = z.enum(['success', 'partial', 'failed', 'skipped']);
/**
 * The status of a projected record: `running` until an end is stored; `abandoned` is derived by
 * readers for a running record whose runner process is gone from this host.
 */
export const runStatusSchema = z.enum(['running', 'success', 'partial', 'failed', 'skipped', 'abandoned']);

export const runRetrievalSchema = z.object({
  memory_count: z.int().min(0).default(0),
  query: text.nullable().default(null),
  filters: z.record(z.string(), z.json()).nullable().default(null),
  latency_ms: z.number().min(0).nullable().default(null),
  source: name.nullable().default(null),
});

export const runIoSchema = z.object({
  files_written: z.array(z.string().min(1).max(4096)).default([]),
  artifact_ids: z.array(id).default([]),
  /** Event ids of the tool calls the run made. */
  tool_calls: z.array(id).default([]),
  /** Event ids of the scripts the run started. */
  script_runs: z.array(id).default([]),
});

export const runRunnerSchema = z.object({
  name,
  version: name.nullable().default(null),
  pid: z.int().min(0).nullable().default(null),
  host: name.nullable().default(null),
});

export const runGrantsSchema = z.object({
  scopes: z.array(name).default([]),
  impersonation: z.boolean().default(false),
});

export const runErrorSchema = z.object({
  type: name.nullable().default(null),
  message: text.nullable().default(null),
  stack_hash: name.nullable().default(null),
});

const defaultRetrieval = () => ({ memory_count: 0, query: null, filters: null, latency_ms: null, source: null });
const defaultIo = () => ({ files_written: [], artifact_ids: [], tool_calls: [], script_runs: [] });
const defaultGrants = () => ({ scopes: [], impersonation: false });

/**
 * Metadata of `run.start` (schema_version 1). Loose: a field added later (an additive change) passes
 * through old readers untouched. `span_id` defaults to the start event's own id and `trace_id` to the
 * span_id, so a writer that cannot know the event id in advance may leave them out.
 */
export const runStartMetadataSchema = z.looseObject({
  schema_version: z.literal(1),
  task_id: name,
  task_slug: name.nullable().default(null),
  task_name: text.nullable().default(null),
  task_type: name.nullable().default(null),
  trigger: runTriggerSchema.default('manual'),
  trace_id: id.optional(),
  span_id: id.optional(),
  attempt: z.int().default(1),
  retry_of: id.nullable().default(null),
  idempotency_key: name,
  config_digest: name.nullable().default(null),
  input_digest: name.nullable().default(null),
  retrieval: runRetrievalSchema.default(defaultRetrieval),
  parents: z.array(id).default([]),
  runner: runRunnerSchema,
  grants: runGrantsSchema.default(defaultGrants),
  notes: text.nullable().default(null),
  /** The commit that was HEAD where the run ran; added after v1 shipped, so v1 records read as null. */
  code_ref: gitCommit.nullable().default(null),
});

/**
 * Metadata of `run.end` (schema_version 1). `retrieval` and `parents`, when present, replace the
 * start's: what a run consumed is often known only at its end.
 */
export const runEndMetadataSchema = z.looseObject({
  schema_version: z.literal(1),
  span_id: id,
  status: runEndStatusSchema,
  duration_ms: z.number(),
  error: runErrorSchema.nullable().default(null),
  io: runIoSchema.default(defaultIo),
  retrieval: runRetrievalSchema.optional(),
  parents: z.array(id).optional(),
  notes: text.nullable().optional(),
});

/** The projected run record; `--json` output and backfill input use exactly these fields. */
export const runRecordSchema = z.strictObject({
  task_id: name,
  task_slug: name.nullable(),
  task_name: text.nullable(),
  task_type: name.nullable(),
  trigger: runTriggerSchema,
  status: runStatusSchema,
  started_at: z.iso.datetime(),
  ended_at: z.iso.datetime().nullable(),
  started_at_ts: z.int().min(0),
  ended_at_ts: z.int().min(0).nullable(),
  duration_ms: z.number().nullable(),
  trace_id: id,
  span_id: id,
  attempt: z.int(),
  retry_of: id.nullable(),
  idempotency_key: name,
  config_digest: name.nullable(),
  input_digest: name.nullable(),
  retrieval: runRetrievalSchema,
  parents: z.array(id),
  io: runIoSchema,
  runner: runRunnerSchema,
  grants: runGrantsSchema,
  error: runErrorSchema.nullable(),
  notes: text.nullable(),
  code_ref: gitCommit.nullable(),
  schema_version: z.int().min(1),
});

export type RunTrigger = z.infer<typeof runTriggerSchema>;
export type RunEndStatus = z.infer<typeof runEndStatusSchema>;
export type RunStatus = z.infer<typeof runStatusSchema>;
export type RunRetrieval = z.infer<typeof runRetrievalSchema>;
export type RunIo = z.infer<typeof runIoSchema>;
export type RunRunner = z.infer<typeof runRunnerSchema>;
export type RunGrants = z.infer<typeof runGrantsSchema>;
export type RunErrorInfo = z.infer<typeof runErrorSchema>;
export type RunStartMetadata = z.infer<typeof runStartMetadataSchema>;
export type RunStartMetadataInput = z.input<typeof runStartMetadataSchema>;
export type RunEndMetadata = z.infer<typeof runEndMetadataSchema>;
export type RunEndMetadataInput = z.input<typeof runEndMetadataSchema>;
export type RunRecord = z.infer<typeof runRecordSchema>;

/** The `run` primitive: registered in the built-in catalog. */
export const runPrimitive = {
  summary: 'Run records: one execution of a task (start and end, linked by span_id); the target is the task.',
  target: 'task',
  types: {
    start: {
      summary: 'A run of the target task starts; carries what ran, its identity, digests and runner.',
      description: 'run of {target} started[ by {agent}][ (attempt {meta.attempt}, {meta.trigger})]',
      requiresTarget: true,
      metadata: runStartMetadataSchema,
    },
    end: {
      summary: 'A run ends with its status, duration, error and side effects.',
      description: 'run of {target} ended: {meta.status}[ after {meta.duration_ms} ms]',
      requiresTarget: true,
      metadata: runEndMetadataSchema,
    },
  },
} as const satisfies PrimitiveDefinition;

/**
 * Event-level idempotency keys. The start carries the run's key (prefixed, so a run's key never
 * collides with an unrelated event's), which makes the store's unique index enforce "a second run
 * with the same key is a no-op" atomically, across processes. The end is keyed by span, so a run
 * has at most one end and re-writing it is harmless.
 */
export function runStartEventKey(idempotencyKey: string): string {
  return `run:${idempotencyKey}`;
}
export function runEndEventKey(spanId: string): string {
  return `run-end:${spanId}`;
}

function zodReason(error: z.ZodError, prefix: string): string {
  const issue = error.issues[0]!;
  const path = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
  return `${path}: ${issue.message}`;
}

/**
 * Reads a run event's metadata whatever its schema_version: older versions are upgraded here when
 * a new one ships; a newer version is read as far as it is compatible with this one (an additive
 * change), and refused with a reason naming the version otherwise.
 */
function readVersioned<S extends z.ZodType>(schema: S, metadata: unknown, what: string): z.infer<S> {
  const version = (metadata as { schema_version?: unknown } | null)?.schema_version;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    throw new TraceError('E_SCHEMA', `${what}.schema_version: expected a positive integer, got ${JSON.stringify(version)}`);
  }
  const candidate = version > RUN_SCHEMA_VERSION ? { ...(metadata as object), schema_version: RUN_SCHEMA_VERSION } : metadata;
  const result = schema.safeParse(candidate);
  if (!result.success) {
    const reason = zodReason(result.error, what);
    throw new TraceError(
      'E_SCHEMA',
      version > RUN_SCHEMA_VERSION
        ? `run record schema_version ${version} is newer than this reader (${RUN_SCHEMA_VERSION}) and not compatible with it (${reason}); upgrade tracekernel`
        : reason,
    );
  }
  return { ...(result.data as object), schema_version: version } as z.infer<S>;
}

export function readRunStart(metadata: unknown): RunStartMetadata {
  return readVersioned(runStartMetadataSchema, metadata, 'start');
}

export function readRunEnd(metadata: unknown): RunEndMetadata {
  return readVersioned(runEndMetadataSchema, metadata, 'end');
}

/** The span a start event opens: its metadata's span_id, else the event's own id. */
export function runSpanOf(start: TraceEvent): string {
  const span = start.metadata.span_id;
  return typeof span === 'string' ? span : start.id;
}

/**
 * Folds a start event and its end (if stored) into one record; pure. Throws a TraceError (E_SCHEMA)
 * naming the field when the metadata does not match any readable version.
 */
export function runRecordFromEvents(start: TraceEvent, end: TraceEvent | null | undefined): RunRecord {
  const s = readRunStart(start.metadata);
  const e = end ? readRunEnd(end.metadata) : null;
  const span_id = s.span_id ?? start.id;
  if (e && e.span_id !== span_id) {
    throw new TraceError('E_SCHEMA', `end.span_id: ${e.span_id} does not match the start's span ${span_id}`);
  }
  const retrieval = e?.retrieval ?? s.retrieval;
  return {
    task_id: s.task_id,
    task_slug: s.task_slug,
    task_name: s.task_name,
    task_type: s.task_type,
    trigger: s.trigger,
    status: e ? e.status : 'running',
    started_at: new Date(start.ts).toISOString(),
    ended_at: end ? new Date(end.ts).toISOString() : null,
    started_at_ts: start.ts,
    ended_at_ts: end ? end.ts : null,
    duration_ms: e ? e.duration_ms : null,
    trace_id: s.trace_id ?? span_id,
    span_id,
    attempt: s.attempt,
    retry_of: s.retry_of,
    idempotency_key: s.idempotency_key,
    config_digest: s.config_digest,
    input_digest: s.input_digest,
    retrieval,
    parents: e?.parents ?? s.parents,
    io: e ? e.io : defaultIo(),
    runner: s.runner,
    grants: s.grants,
    error: e ? e.error : null,
    notes: e?.notes ?? s.notes,
    code_ref: s.code_ref,
    schema_version: Math.max(s.schema_version, e?.schema_version ?? 0),
  };
}

/** A record's fields split into the metadata of its two events (for backfill and round trips). */
export function runRecordToMetadata(record: RunRecord): { start: RunStartMetadataInput; end: RunEndMetadataInput | null } {
  const start: RunStartMetadataInput = {
    schema_version: 1,
    task_id: record.task_id,
    task_slug: record.task_slug,
    task_name: record.task_name,
    task_type: record.task_type,
    trigger: record.trigger,
    trace_id: record.trace_id,
    span_id: record.span_id,
    attempt: record.attempt,
    retry_of: record.retry_of,
    idempotency_key: record.idempotency_key,
    config_digest: record.config_digest,
    input_digest: record.input_digest,
    retrieval: record.retrieval,
    parents: record.parents,
    runner: record.runner,
    grants: record.grants,
    notes: record.notes,
    code_ref: record.code_ref,
  };
  if (record.status === 'running' || record.status === 'abandoned') return { start, end: null };
  const end: RunEndMetadataInput = {
    schema_version: 1,
    span_id: record.span_id,
    status: record.status,
    duration_ms: record.duration_ms ?? Math.max((record.ended_at_ts ?? record.started_at_ts) - record.started_at_ts, 0),
    error: record.error,
    io: record.io,
    notes: record.notes,
  };
  return { start, end };
}

/**
 * Validates a run record from another system (one backfill line). Optional groups (retrieval, io,
 * grants, ...) default to empty; the times may be given as ISO, as epoch ms, or both (then they must
 * agree). Throws a TraceError (E_SCHEMA) naming the first bad field.
 */
export function parseRunRecordInput(value: unknown): RunRecord {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TraceError('E_SCHEMA', 'expected a JSON object (one run record per line)');
  }
  const input = value as Record<string, unknown>;
  const started = timeOf(input, 'started_at', 'started_at_ts', true)!;
  const ended = timeOf(input, 'ended_at', 'ended_at_ts', false);
  // `abandoned` is what a reader showed for a running record whose runner was gone: it is stored as running.
  const status = input.status === 'abandoned' ? 'running' : input.status;
  if (status === 'running' && ended !== null) throw new TraceError('E_SCHEMA', 'ended_at: must be null while running');
  if (status !== 'running' && status !== undefined && ended === null) {
    throw new TraceError('E_SCHEMA', `ended_at: required when status is ${JSON.stringify(status)}`);
  }
  const withDefaults = {
    task_slug: null,
    task_name: null,
    task_type: null,
    trigger: 'manual',
    retry_of: null,
    attempt: 1,
    config_digest: null,
    input_digest: null,
    parents: [],
    error: null,
    notes: null,
    code_ref: null,
    ...input,
    status,
    retrieval: parseGroup(runRetrievalSchema, input.retrieval, 'retrieval'),
    io: parseGroup(runIoSchema, input.io, 'io'),
    grants: parseGroup(runGrantsSchema, input.grants, 'grants'),
    runner: input.runner === undefined ? { name: 'backfill', version: null, pid: null, host: null } : input.runner,
    started_at: new Date(started).toISOString(),
    started_at_ts: started,
    ended_at: ended === null ? null : new Date(ended).toISOString(),
    ended_at_ts: ended,
    duration_ms: ended === null ? null : (input.duration_ms ?? ended - started),
  };
  const result = runRecordSchema.safeParse(withDefaults);
  if (!result.success) throw new TraceError('E_SCHEMA', zodReason(result.error, ''));
  if (result.data.schema_version !== RUN_SCHEMA_VERSION) {
    throw new TraceError('E_SCHEMA', `schema_version: this tracekernel writes version ${RUN_SCHEMA_VERSION}, got ${result.data.schema_version}`);
  }
  return result.data;
}

/** An optional group of a backfill line, with its defaults; a TraceError naming the field, never a raw zod error. */
function parseGroup<S extends z.ZodType>(schema: S, value: unknown, field: string): z.infer<S> {
  const result = schema.safeParse(value ?? {});
  if (!result.success) throw new TraceError('E_SCHEMA', zodReason(result.error, field));
  return result.data;
}

function timeOf(input: Record<string, unknown>, isoField: string, tsField: string, required: boolean): number | null {
  const iso = input[isoField];
  const ts = input[tsField];
  let fromIso: number | undefined;
  if (iso !== undefined && iso !== null) {
    fromIso = typeof iso === 'string' ? Date.parse(iso) : NaN;
    if (Number.isNaN(fromIso)) throw new TraceError('E_SCHEMA', `${isoField}: expected an ISO-8601 time, got ${JSON.stringify(iso)}`);
  }
  if (ts !== undefined && ts !== null) {
    if (typeof ts !== 'number' || !Number.isSafeInteger(ts) || ts < 0) {
      throw new TraceError('E_SCHEMA', `${tsField}: expected epoch milliseconds, got ${JSON.stringify(ts)}`);
    }
    if (fromIso !== undefined && fromIso !== ts) {
      throw new TraceError('E_SCHEMA', `${tsField}: ${ts} disagrees with ${isoField} ${JSON.stringify(iso)}`);
    }
    return ts;
  }
  if (fromIso !== undefined) return fromIso;
  if (required) throw new TraceError('E_SCHEMA', `${isoField}: required (or ${tsField})`);
  return null;
}
