import { hostname } from 'node:os';
import {
  newEventId,
  readRunStart,
  runSpanOf,
  type RunEndMetadataInput,
  type RunEndStatus,
  type RunErrorInfo,
  type RunGrants,
  type RunIo,
  type RunRetrieval,
  type RunRunner,
  type RunStartMetadataInput,
  type RunTrigger,
  TraceError,
} from '@tracekernel/schema';
import type { RunLookup } from './run-lookup.js';
import { configDigest, inputDigest, stackHash } from './run-digest.js';
import { readGitHead } from './git-head-file.js';

/** What ran: a task id, or the task's id with its slug, name and type. */
export type RunTask = string | { id: string; slug?: string | null; name?: string | null; type?: string | null };

/** Options shared by `tracer.run()`, `trace run` and backfill. */
export interface RunOptions {
  task: RunTask;
  /** Hashed (canonical JSON) into config_digest; or give `configDigest` directly. */
  config?: unknown;
  configDigest?: string | null;
  /** Files whose contents (plus the git HEAD) make up input_digest; or give `inputDigest` directly. */
  inputs?: readonly string[];
  inputDigest?: string | null;
  /** A second run with the same key records nothing and returns the first. Default: unique per attempt. */
  idempotencyKey?: string;
  trigger?: RunTrigger;
  /** The span_id of the attempt this one retries. */
  retryOf?: string | null;
  /** Event ids the run consumed; retrieval.memory_count defaults to their number. */
  parents?: readonly string[];
  retrieval?: Partial<RunRetrieval>;
  grants?: Partial<RunGrants>;
  runner?: Partial<RunRunner>;
  notes?: string | null;
  /** The commit the run ran at (code_ref); by default the HEAD of the repository around `cwd`, if any. */
  codeRef?: string | null;
  /** Working directory for `inputs` and the git HEAD. */
  cwd?: string;
}

/** Where an attempt sits in its trace. */
export interface RunLineage {
  traceId: string;
  attempt: number;
  retryOf: string | null;
  idempotencyKey: string;
}

export const SDK_RUNNER: RunRunner = { name: 'tracekernel-sdk', version: '0.1.0', pid: process.pid, host: hostname() };

export function taskFields(task: RunTask) {
  const spec = typeof task === 'string' ? { id: task } : task;
  return {
    task_id: spec.id,
    task_slug: spec.slug === undefined ? slugOf(spec.id) : spec.slug,
    task_name: spec.name ?? null,
    task_type: spec.type ?? null,
  };
}

/** `Daily Reflection` -> `daily_reflection`: lower case, words joined by `_`. */
export function slugOf(text: string): string | null {
  const slug = text.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 128);
  return slug === '' ? null : slug;
}

/** The idempotency key of a later attempt derived from the first's: `key#2`, `key#3`, ... */
export function attemptKey(baseKey: string, attempt: number): string {
  const base = baseKey.replace(/#\d+$/, '');
  return attempt === 1 ? base : `${base}#${attempt}`;
}

/**
 * The lineage of a new attempt. A retry continues the trace of the attempt it retries, found in the
 * store by span_id (a span from another system through its task); a first attempt starts a new trace.
 */
export async function resolveLineage(lookup: RunLookup | null, options: RunOptions): Promise<RunLineage> {
  if (!options.retryOf) {
    const traceId = newEventId();
    return { traceId, attempt: 1, retryOf: null, idempotencyKey: options.idempotencyKey ?? `${traceId}#1` };
  }
  const previous = lookup ? await lookup.startBySpan(options.retryOf, { task: taskFields(options.task).task_id }) : undefined;
  if (!previous) throw new TraceError('E_NOT_FOUND', `retry of ${options.retryOf}: no run with that span_id in the store`);
  const meta = readRunStart(previous.metadata);
  const span = runSpanOf(previous);
  const attempt = meta.attempt + 1;
  return {
    traceId: meta.trace_id ?? span,
    attempt,
    retryOf: span,
    idempotencyKey: options.idempotencyKey ?? attemptKey(meta.idempotency_key, attempt),
  };
}

/**
 * The metadata of a run.start. Digests are computed here (file reads, `git rev-parse`); their
 * failures are returned in `problems` and leave the digest null, because recording never fails a run.
 */
export function buildStartMetadata(
  options: RunOptions,
  lineage: RunLineage,
  extra: { spanId?: string; runner?: Partial<RunRunner> } = {},
): { metadata: RunStartMetadataInput; problems: string[] } {
  const problems: string[] = [];
  const attempt = <T>(what: string, fn: () => T): T | null => {
    try {
      return fn();
    } catch (error) {
      problems.push(`${what}: ${(error as Error).message}`);
      return null;
    }
  };
  const config_digest = options.configDigest !== undefined
    ? options.configDigest
    : options.config === undefined ? null : attempt('config_digest', () => configDigest(options.config));
  const input_digest = options.inputDigest !== undefined
    ? options.inputDigest
    : options.inputs === undefined ? null : attempt('input_digest', () => inputDigest(options.inputs!, { cwd: options.cwd ?? process.cwd() }));
  const parents = [...(options.parents ?? [])];
  const metadata: RunStartMetadataInput = {
    schema_version: 1,
    ...taskFields(options.task),
    trigger: options.trigger ?? 'manual',
    trace_id: lineage.traceId,
    ...(extra.spanId ? { span_id: extra.spanId } : {}),
    attempt: lineage.attempt,
    retry_of: lineage.retryOf,
    idempotency_key: lineage.idempotencyKey,
    config_digest,
    input_digest,
    retrieval: { memory_count: parents.length, query: null, filters: null, latency_ms: null, source: null, ...options.retrieval },
    parents,
    runner: { ...SDK_RUNNER, ...extra.runner, ...options.runner },
    grants: { scopes: [], impersonation: false, ...options.grants },
    notes: options.notes ?? null,
    code_ref: options.codeRef !== undefined ? options.codeRef : readGitHead(options.cwd ?? process.cwd()),
  };
  return { metadata, problems };
}

/** error: {type, message, stack_hash} from anything thrown. */
export function errorInfo(error: unknown): RunErrorInfo {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    const type = error.name && error.name !== 'Error' ? error.name : typeof code === 'string' ? code : error.constructor?.name || 'Error';
    return { type, message: error.message || String(error), stack_hash: stackHash(error.stack) };
  }
  return { type: typeof error, message: String(error), stack_hash: null };
}

export interface RunEnding {
  status: RunEndStatus;
  durationMs: number;
  error?: RunErrorInfo | null;
  io?: Partial<RunIo>;
  parents?: readonly string[];
  retrieval?: Partial<RunRetrieval>;
  notes?: string | null;
}

export function buildEndMetadata(spanId: string, ending: RunEnding): RunEndMetadataInput {
  const parents = ending.parents ? [...ending.parents] : undefined;
  return {
    schema_version: 1,
    span_id: spanId,
    status: ending.status,
    duration_ms: Math.max(0, Math.round(ending.durationMs)),
    error: ending.error ?? null,
    io: { files_written: [], artifact_ids: [], tool_calls: [], script_runs: [], ...ending.io },
    ...(parents || ending.retrieval
      ? {
          parents: parents ?? [],
          retrieval: { memory_count: parents?.length ?? 0, query: null, filters: null, latency_ms: null, source: null, ...ending.retrieval },
        }
      : {}),
    ...(ending.notes !== undefined ? { notes: ending.notes } : {}),
  };
}
