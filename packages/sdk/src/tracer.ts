import { AsyncLocalStorage } from 'node:async_hooks';
import { EventEmitter } from 'eventemitter3';
import { EventCatalog, Redactor, builtinPrimitives, isEventId, type PreparedEvent, type PrimitiveDefinition, type TraceEvent } from '@tracekernel/schema';
import { isPostgresLocation, redactKeys, storePathForWriting } from '@tracekernel/store';
import type { SinkError } from './event-sink.js';
import { KindRegistrar } from './kind-registrar.js';
import type { EventWriter } from './event-writer.js';
import { leaseWriter, type WriterLease } from './shared-writers.js';
import { buildHelpers, type BuiltinHelpers } from './typed-helpers.js';
import { runTask, type RunHandle, type RunOutcome, type TracerRunOptions } from './runs/run-task.js';
import { closeRunReader } from './runs/run-reader.js';

export interface TracerOptions {
  /** The agent every event is attributed to. */
  agentId: string;
  /** The store: a file path (or a URL once its dialect is there); by default TRACE_DB or the nearest `.trace/trace.db`, else `./.trace/trace.db`. */
  db?: string;
  /** Session id stamped on every event unless an event names its own; default TRACE_SESSION. */
  session?: string;
  catalog?: EventCatalog;
  /**
   * Metadata keys whose values are replaced with "[redacted]" before an event leaves this process
   * (never stored, never spooled). Added to TRACE_REDACT's and `.trace/config.json`'s `redact`.
   * Matched at any depth and case-insensitively.
   */
  redact?: readonly string[];
  /** Events per group commit (default 4096). Tracers of one process writing to one store share a writer: the first one's writer options apply. */
  batchSize?: number;
  /** How long the writer lets a small batch grow before committing it (default 20 ms). */
  flushIntervalMs?: number;
  /** Bytes of events in flight before emit() waits for the writer (default 32 MiB). */
  bufferBytes?: number;
  /** How long the process 'exit' handler waits for the writer before spooling (default 10 s). */
  exitTimeoutMs?: number;
  /**
   * How long the writer waits for another process's write lock on the store before it spools a
   * batch instead (default: about 50 busy timeouts of 10 s).
   */
  lockTimeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

export interface EmitFields {
  target?: string | null;
  session?: string | null;
  metadata?: Record<string, unknown>;
  idempotencyKey?: string | null;
  /**
   * Epoch ms, an ISO-8601 string (no offset means UTC) or a Date; by default now (and the id's time).
   * Read by `parseTime` from @tracekernel/schema, so it accepts what `trace emit --ts` does.
   */
  ts?: number | string | Date;
  /** Stored, but hidden from every read unless it asks for private events (`--include-private`). */
  private?: boolean;
}

export interface Causation {
  /** The primary cause; `null` for none. By default the enclosing within(), else TRACE_PARENT. */
  parent?: string | null;
  /** Further causes (fan-in). */
  causes?: readonly string[];
}

/**
 * `emitted` counts this tracer's events. The other counts are its writer's, which every tracer of
 * the process writing to the same store shares.
 */
export interface TracerStats {
  emitted: number;
  written: number;
  duplicates: number;
  /** Emitted but not yet durable. */
  pending: number;
  spooled: number;
  replayed: number;
  /** Events that could be neither stored nor spooled: each was reported on 'error', and a flush() covering it rejected. */
  lost: number;
  errors: number;
  lastError: string | null;
}

interface TracerEvents {
  event: (event: TraceEvent) => void;
  error: (error: Error) => void;
}

/** Members of Tracer that a primitive's helper namespace must not shadow (e.g. a `run` primitive). */
const TRACER_MEMBERS = new Set(['emit', 'record', 'within', 'run', 'on', 'off', 'once', 'flush', 'close', 'stats', 'register', 'childEnv', 'currentParent', 'catalog', 'agentId', 'location']);

export interface Tracer extends Omit<BuiltinHelpers, 'run'> {}

/**
 * What an agent imports to record what it does. `emit` validates and returns the new event's id
 * at once; a worker thread makes events durable in group commits.
 */
let warnedOnStderr = false;

export class Tracer {
  readonly agentId: string;
  /** Where events go: the store's file path, or its URL. */
  readonly location: string;
  readonly catalog: EventCatalog;
  readonly #session: string | null;
  readonly #redactor: Redactor;
  readonly #envParent: string | null;
  readonly #context = new AsyncLocalStorage<string>();
  readonly #bus = new EventEmitter<TracerEvents>();
  readonly #lease: WriterLease;
  readonly #writer: EventWriter;
  readonly #registrar: KindRegistrar;
  #emitted = 0;
  #lastError: string | null = null;
  #closed = false;

  constructor(options: TracerOptions) {
    const env = options.env ?? process.env;
    this.agentId = options.agentId;
    this.catalog = options.catalog ?? new EventCatalog();
    const explicit = options.db ?? env.TRACE_DB;
    this.location = explicit && isPostgresLocation(explicit) ? explicit : storePathForWriting({ db: options.db, env });
    this.#session = options.session ?? env.TRACE_SESSION ?? null;
    this.#redactor = new Redactor(redactKeys({ redact: options.redact, env, db: options.db }));
    this.#envParent = env.TRACE_PARENT && isEventId(env.TRACE_PARENT) ? env.TRACE_PARENT : null;
    const report = (error: SinkError) => {
      this.#lastError = error.message;
      if (this.#bus.listenerCount('error') > 0) this.#bus.emit('error', error);
      else if (error.lost && !warnedOnStderr) {
        // Losing events must never pass silently; once per process, so a storm stays readable.
        warnedOnStderr = true;
        process.stderr.write(`tracekernel: ${error.message} (listen for 'error' on the tracer to handle this)\n`);
      }
    };
    this.#registrar = new KindRegistrar(this.location, env, report);
    this.#lease = leaseWriter(
      {
        location: this.location,
        batchSize: options.batchSize ?? 4096,
        flushIntervalMs: options.flushIntervalMs ?? 20,
        bufferBytes: options.bufferBytes ?? 32 * 1024 * 1024,
        exitTimeoutMs: options.exitTimeoutMs ?? 10_000,
        env,
        ...(options.lockTimeoutMs === undefined ? {} : { lockTimeoutMs: options.lockTimeoutMs }),
      },
      report,
    );
    this.#writer = this.#lease.writer;
    this.#addHelpers(builtinPrimitives);
  }

  #addHelpers(primitives: Record<string, PrimitiveDefinition>): void {
    const helpers = buildHelpers(primitives, (primitive, type, fields, causation) => this.emit(primitive, type, fields, causation));
    for (const [name, namespace] of Object.entries(helpers)) {
      if (TRACER_MEMBERS.has(name)) continue;
      const self = this as unknown as Record<string, Record<string, unknown>>;
      self[name] = { ...self[name], ...namespace };
    }
  }

  /**
   * Records an event and returns its id at once. Throws a TraceError when the event does not match
   * the catalog (naming the field); never because of storage.
   */
  emit(primitive: string, type: string, fields: EmitFields = {}, causation: Causation = {}): string {
    const parent = causation.parent === undefined ? this.currentParent() : causation.parent;
    let prepared = this.catalog.prepare({
      primitive,
      type,
      agent_id: this.agentId,
      target_id: fields.target ?? null,
      session_id: fields.session === undefined ? this.#session : fields.session,
      parent_event_id: parent,
      causes: causation.causes ?? [],
      idempotency_key: fields.idempotencyKey ?? null,
      metadata: fields.metadata ?? {},
      ...(fields.ts === undefined ? {} : { ts: fields.ts }),
      private: fields.private,
    });
    if (this.#redactor.empty === false) prepared = this.#redactor.redactPrepared(prepared);
    return this.record(prepared);
  }

  /**
   * Records an event prepared (validated) elsewhere exactly as it is, with none of this tracer's
   * defaults: for `trace emit`, which validates its input before it touches a store.
   */
  record(prepared: PreparedEvent): string {
    if (this.#closed) throw new Error('tracer is closed');
    this.#writer.write(prepared);
    this.#emitted++;
    if (this.#bus.listenerCount('event') > 0) this.#bus.emit('event', prepared.event);
    return prepared.event.id;
  }

  /** Runs `fn` with `eventId` as the default parent of every event it emits, across awaits. */
  within<T>(eventId: string, fn: () => T): T {
    return this.#context.run(eventId, fn);
  }

  /** Records one execution of a task around `fn` (start, end, status, error, retries); see {@link runTask}. */
  run<T>(options: TracerRunOptions, fn: (run: RunHandle) => Promise<T> | T): Promise<RunOutcome<T>> {
    return runTask(this, options, fn);
  }

  /** The parent an event emitted here would get: the enclosing within(), else TRACE_PARENT. */
  currentParent(): string | null {
    return this.#context.getStore() ?? this.#envParent;
  }

  /** An environment for a child process whose tracer should nest its events under `eventId`. */
  childEnv(eventId: string | null = this.currentParent(), env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
    const child: NodeJS.ProcessEnv = { ...env, TRACE_DB: this.location };
    // The child redacts what this tracer redacts, including keys given only as an option.
    if (!this.#redactor.empty) child.TRACE_REDACT = this.#redactor.keys.join(',');
    if (eventId) child.TRACE_PARENT = eventId;
    else delete child.TRACE_PARENT;
    return child;
  }

  /**
   * Adds a primitive (or more types to one) to this tracer's catalog and stores the registration,
   * so that the CLI accepts and describes its events. Throws a TraceError for a built-in primitive
   * or a metadata schema JSON Schema cannot express; the store is written in the background.
   */
  register(name: string, definition: PrimitiveDefinition): this {
    this.#registrar.register(name, definition);
    this.catalog.registerPrimitive(name, definition);
    this.#addHelpers({ [name]: definition });
    return this;
  }

  /** Live subscribers: 'event' for every event emitted here, 'error' for every storage failure. */
  on<E extends keyof TracerEvents>(event: E, listener: TracerEvents[E]): this {
    this.#bus.on(event, listener as never);
    return this;
  }

  off<E extends keyof TracerEvents>(event: E, listener: TracerEvents[E]): this {
    this.#bus.off(event, listener as never);
    return this;
  }

  /** Resolves once every event emitted so far is durable; rejects if some could be kept nowhere (see `stats().lost`). */
  flush(): Promise<void> {
    return Promise.all([this.#registrar.flush(), this.#writer.flush()]).then(() => undefined);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#registrar.flush().catch(() => undefined);
    await this.#lease.release();
    await closeRunReader(this);
  }

  stats(): TracerStats {
    const counts = this.#writer.counts();
    return {
      emitted: this.#emitted,
      written: counts.written,
      duplicates: counts.duplicates,
      pending: counts.published - counts.committed,
      spooled: counts.spooled,
      replayed: counts.replayed,
      lost: counts.lost,
      errors: counts.errors,
      lastError: this.#lastError,
    };
  }
}
