import { performance } from 'node:perf_hooks';
import type { EventInput, RunEndStatus, RunErrorInfo, RunRecord, RunRetrieval } from '@tracekernel/schema';
import type { Tracer } from '../tracer.js';
import { runEndEvent, runStartEvent } from './run-events.js';
import { runReaderFor } from './run-reader.js';
import {
  attemptKey,
  buildEndMetadata,
  buildStartMetadata,
  errorInfo,
  resolveLineage,
  type RunLineage,
  type RunOptions,
} from './run-metadata.js';

export interface TracerRunOptions extends RunOptions {
  /**
   * How long to wait for the start to be durable before running anyway: default 5000 ms, and no
   * limit when an idempotencyKey is given (a duplicate must be known before fn runs).
   */
  startTimeoutMs?: number;
  /** The start's parent event; default the enclosing within(), else TRACE_PARENT. */
  parent?: string | null;
  /** Where recording problems go; default process.emitWarning. They never fail the run. */
  onProblem?: (problem: string) => void;
}

/** What the function running inside a run can tell the record. */
export interface RunHandle {
  readonly spanId: string;
  readonly traceId: string;
  readonly attempt: number;
  readonly idempotencyKey: string;
  /** End with this status instead of success when the function returns (failed needs an error). */
  setStatus(status: RunEndStatus, error?: Partial<RunErrorInfo>): void;
  note(text: string): void;
  /** Events the run consumed: they become its parents, and memory_count their number. */
  consumed(eventIds: readonly string[], retrieval?: Partial<Omit<RunRetrieval, 'memory_count'>>): void;
  fileWritten(path: string): void;
  artifact(id: string): void;
  /** The event id of a tool call the run made. */
  toolCall(eventId: string): void;
  /** The event id of a script the run started. */
  scriptRun(eventId: string): void;
  /** Records and runs the next attempt: same trace, attempt + 1, retry_of = this span. */
  retry<U>(fn: (run: RunHandle) => Promise<U> | U, overrides?: Partial<TracerRunOptions>): Promise<RunOutcome<U>>;
}

export interface RunOutcome<T> {
  /** The function's value; undefined when the run was a duplicate. */
  value: T | undefined;
  /** The idempotency key had already run: the function was not called, `record` is the first run's. */
  duplicate: boolean;
  /** The stored record, read back and validated; null when it could not be (see problems). */
  record: RunRecord | null;
  spanId: string;
  traceId: string;
  attempt: number;
  /** Recording problems (write or read-back failures, digests that could not be computed). */
  problems: string[];
  /** Records and runs the next attempt of this run. */
  retry<U>(fn: (run: RunHandle) => Promise<U> | U, overrides?: Partial<TracerRunOptions>): Promise<RunOutcome<U>>;
}

/** Sends a run event built by run-events.ts through the tracer, so it is batched, spooled and on the bus like any other. */
function emitRunEvent(tracer: Tracer, input: EventInput): string {
  return tracer.emit(input.primitive, input.type, {
    target: input.target_id ?? null,
    metadata: input.metadata as Record<string, unknown>,
    idempotencyKey: input.idempotency_key ?? null,
  }, { parent: input.parent_event_id ?? null });
}

async function withTimeout(promise: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
    timer.unref?.();
  });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `tracer.run(options, fn)`: records the start of a run (durable before fn begins, so a crash leaves
 * a `running` record with this pid and host), runs fn with the start as the parent of every event it
 * emits, then records the end with its status and error, waits until it is durable, reads it back
 * and validates it. fn's own error is rethrown unchanged. Recording never fails the run: its problems
 * are reported through `onProblem` (and the tracer's stats and 'error' bus for storage failures).
 *
 * A second run with the same idempotency key does not call fn: it returns the first run's record
 * with `duplicate: true`.
 */
export async function runTask<T>(tracer: Tracer, options: TracerRunOptions, fn: (run: RunHandle) => Promise<T> | T): Promise<RunOutcome<T>> {
  const problems: string[] = [];
  const report = (problem: string) => {
    problems.push(problem);
    try {
      (options.onProblem ?? ((text: string) => process.emitWarning(text, { code: 'TRACE_RUN_RECORD' })))(problem);
    } catch {
      // a throwing reporter must not fail the run either
    }
  };
  const outerParent = options.parent === undefined ? tracer.currentParent() : options.parent;

  let lineage: RunLineage;
  try {
    lineage = await resolveLineage(await runReaderFor(tracer), options);
  } catch (error) {
    report(`run lineage: ${(error as Error).message}`);
    const fallback = await resolveLineage(null, { ...options, retryOf: null });
    lineage = { ...fallback, idempotencyKey: options.idempotencyKey ?? fallback.idempotencyKey };
  }
  const built = buildStartMetadata(options, lineage);
  built.problems.forEach(report);
  const startedAt = performance.now();
  // The start's id is the span_id, so the stored metadata leaves span_id out (its default).
  const spanId = emitRunEvent(tracer, runStartEvent(built.metadata, { parent: outerParent }));

  // With an explicit idempotency key, "has this already run?" must be answered before fn runs, so
  // the wait is unbounded (flush always settles: stored, or spooled when the store fails).
  const startTimeoutMs = options.startTimeoutMs ?? (options.idempotencyKey === undefined ? 5000 : Infinity);
  const durable = Number.isFinite(startTimeoutMs)
    ? await withTimeout(tracer.flush(), startTimeoutMs)
    : await tracer.flush().then(() => true);
  if (!durable) report(`run ${spanId}: the start was not durable after ${startTimeoutMs} ms; running anyway`);
  const reader = durable ? await runReaderFor(tracer) : null;
  if (reader) {
    try {
      const first = await reader.startByKey(lineage.idempotencyKey);
      if (first && first.id !== spanId) {
        const record = await reader.recordOf(first);
        return outcome<T>(tracer, options, { value: undefined, duplicate: true, record, spanId: record.span_id, lineage: { ...lineage, traceId: record.trace_id, attempt: record.attempt }, problems });
      }
      if (!first) report(`run ${spanId}: the start is not in the store (spooled?); idempotency could not be checked`);
    } catch (error) {
      report(`run ${spanId}: idempotency check failed: ${(error as Error).message}`);
    }
  }

  let status = 'success' as RunEndStatus;
  let failure = null as Partial<RunErrorInfo> | null;
  let notes: string | null | undefined;
  let consumed: { parents: string[]; retrieval: Partial<RunRetrieval> } | undefined;
  const io = { files_written: [] as string[], artifact_ids: [] as string[], tool_calls: [] as string[], script_runs: [] as string[] };
  const handle: RunHandle = {
    spanId,
    traceId: lineage.traceId,
    attempt: lineage.attempt,
    idempotencyKey: lineage.idempotencyKey,
    setStatus(next, error) {
      status = next;
      failure = error ?? null;
    },
    note(text) {
      notes = notes ? `${notes}\n${text}` : text;
    },
    consumed(eventIds, retrieval) {
      const parents = [...(consumed?.parents ?? built.metadata.parents ?? []), ...eventIds];
      consumed = { parents, retrieval: { ...built.metadata.retrieval, ...consumed?.retrieval, ...retrieval } };
    },
    fileWritten: (path) => void io.files_written.push(path),
    artifact: (id) => void io.artifact_ids.push(id),
    toolCall: (eventId) => void io.tool_calls.push(eventId),
    scriptRun: (eventId) => void io.script_runs.push(eventId),
    retry: (next, overrides) => retryOf(tracer, options, lineage, spanId, outerParent, next, overrides),
  };

  let value: T | undefined;
  let thrown: { error: unknown } | undefined;
  try {
    value = await tracer.within(spanId, () => fn(handle));
  } catch (error) {
    thrown = { error };
  }
  const durationMs = performance.now() - startedAt;
  let errorRecord: RunErrorInfo | null = null;
  if (thrown) {
    status = 'failed';
    errorRecord = errorInfo(thrown.error);
  } else if (status === 'failed' || failure) {
    errorRecord = { type: failure?.type ?? 'Error', message: failure?.message ?? 'failed', stack_hash: failure?.stack_hash ?? null };
  }

  let record: RunRecord | null = null;
  try {
    const endMetadata = buildEndMetadata(spanId, {
      status,
      durationMs,
      error: errorRecord,
      io,
      ...(consumed ? { parents: consumed.parents, retrieval: consumed.retrieval } : {}),
      ...(notes !== undefined ? { notes } : {}),
    });
    if (consumed) endMetadata.retrieval = { ...endMetadata.retrieval!, memory_count: consumed.parents.length };
    const endId = emitRunEvent(tracer, runEndEvent({ id: spanId, target_id: built.metadata.task_id }, endMetadata));
    await tracer.flush();
    record = await readBack(tracer, spanId, endId, report);
  } catch (error) {
    report(`run ${spanId}: recording the end failed: ${(error as Error).message}`);
  }
  if (thrown) throw thrown.error;
  return outcome(tracer, options, { value, duplicate: false, record, spanId, lineage, problems, outerParent });
}

async function readBack(tracer: Tracer, spanId: string, endId: string, report: (problem: string) => void): Promise<RunRecord | null> {
  const reader = await runReaderFor(tracer);
  if (!reader) {
    report(`run ${spanId}: the store cannot be opened to read the record back`);
    return null;
  }
  try {
    const [record] = await reader.readBack([{ start: spanId, end: endId }]);
    return record!;
  } catch (error) {
    report((error as Error).message);
    return null;
  }
}

function retryOf<U>(
  tracer: Tracer,
  options: TracerRunOptions,
  lineage: RunLineage,
  spanId: string,
  outerParent: string | null,
  fn: (run: RunHandle) => Promise<U> | U,
  overrides: Partial<TracerRunOptions> = {},
): Promise<RunOutcome<U>> {
  const next: TracerRunOptions = {
    ...options,
    ...overrides,
    retryOf: spanId,
    idempotencyKey: overrides.idempotencyKey ?? attemptKey(lineage.idempotencyKey, lineage.attempt + 1),
  };
  // The next attempt is a sibling of this one, not nested inside it.
  return runTask(tracer, { ...next, parent: overrides.parent === undefined ? outerParent : overrides.parent }, fn);
}

function outcome<T>(
  tracer: Tracer,
  options: TracerRunOptions,
  parts: { value: T | undefined; duplicate: boolean; record: RunRecord | null; spanId: string; lineage: RunLineage; problems: string[]; outerParent?: string | null },
): RunOutcome<T> {
  const { lineage, spanId } = parts;
  const traceId = parts.record?.trace_id ?? lineage.traceId;
  const attempt = parts.record?.attempt ?? lineage.attempt;
  return {
    value: parts.value,
    duplicate: parts.duplicate,
    record: parts.record,
    spanId,
    traceId,
    attempt,
    problems: parts.problems,
    retry: (fn, overrides) => retryOf(tracer, options, { ...lineage, traceId, attempt, idempotencyKey: parts.record?.idempotency_key ?? lineage.idempotencyKey }, spanId, parts.outerParent ?? null, fn, overrides),
  };
}
