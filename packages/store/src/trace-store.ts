import type { KindRegistration, PreparedEvent, TraceEvent } from '@tracekernel/schema';

/** Which events to read. All filters combine with AND; results are ordered by (ts, id). */
export interface EventQuery {
  agent?: string;
  /** Events whose target is one of these. */
  targets?: readonly string[];
  /** Each entry is a primitive (`ops`) or a primitive and type (`spawn.wake`). */
  kinds?: readonly string[];
  /** Inclusive lower bound, epoch ms. */
  since?: number;
  /** Exclusive upper bound, epoch ms. */
  until?: number;
  limit?: number;
  /** `desc` returns the newest first, which with `limit` gives the latest N. */
  order?: 'asc' | 'desc';
  /** Private events are hidden from every read unless this is set. */
  includePrivate?: boolean;
}

/**
 * A position in the store's commit order, opaque to callers: save it and pass it back to
 * {@link TraceStore.changes} to resume. `null` means the beginning.
 */
export type StoreCursor = string;

export interface ChangesOptions {
  /** Read events committed after this cursor; the beginning when null or absent. */
  after?: StoreCursor | null;
  /** At most this many events per call (default 1,000). */
  limit?: number;
}

export interface ChangeBatch {
  /** Matching events in commit order. */
  events: TraceEvent[];
  /**
   * The resume point after each event, parallel to `events`: a consumer that saves `cursors[i]`
   * once it has handled `events[i]` resumes exactly after that event.
   */
  cursors: StoreCursor[];
  /**
   * Where the next call resumes: past every event this call looked at, matching or not. It is
   * the `after` given when nothing new is visible yet.
   */
  cursor: StoreCursor | null;
}

export interface FollowOptions extends ChangesOptions {
  /** How long to wait between polls when nothing new is visible (default 200 ms). */
  pollMs?: number;
  /** Ends the iteration. */
  signal?: AbortSignal;
}

export interface PruneOptions {
  /** Remove events whose ts is before this, epoch ms. */
  olderThan: number;
  /** Also remove events that a run record (run.start/run.end and their span) still needs. */
  includeRuns?: boolean;
  /** Count what would be removed and remove nothing. */
  dryRun?: boolean;
}

export interface PruneReport {
  /** Events removed (or that would be, with dryRun). */
  removed: number;
  /**
   * Events older than the cutoff that were kept: those a run record needs (without includeRuns)
   * and, on SQLite, the most recently appended event, whose seq must not be reused.
   */
  kept: number;
  /** Events left in the store. */
  remaining: number;
  dryRun: boolean;
}

export interface AppendResult {
  /** The stored event's id: the first event's, when the idempotency key was already used. */
  id: string;
  inserted: boolean;
}

export interface Ancestry {
  /** From the root cause down to the event itself. */
  chain: TraceEvent[];
  /** Set when the topmost event names a parent that is not (yet) in the store. */
  missingParentId: string | null;
}

export interface NameUsage {
  /** Whether any event has this name as its agent_id. */
  asAgent: boolean;
  /** Primitives whose events target this name, e.g. ['ops'] for a task, ['bridge'] for a channel. */
  asTargetOf: string[];
}

export interface StoreStats {
  events: number;
  firstTs: number | null;
  lastTs: number | null;
  byPrimitive: Array<{ primitive: string; count: number }>;
  byType: Array<{ primitive: string; type: string; count: number }>;
  byAgent: Array<{ agent: string | null; count: number }>;
  bytes: number;
  schemaVersion: number;
  /**
   * How many private events are stored. Without includePrivate they are left out of every other
   * figure (counts, breakdowns, time span), so that only their number is told.
   */
  privateEvents: number;
}

/**
 * A cause that no emitter declared but a rule inferred (see docs/import.md): `parent_id` probably
 * caused `event_id`. Stored apart from the events, so that a declared parent_event_id always wins
 * and a reader can leave inferred causes out.
 */
export interface InferredEdge {
  event_id: string;
  parent_id: string;
  /** The rule's name, e.g. `read-before-act`. */
  rule: string;
  /** How sure the rule is, in [0, 1]. */
  confidence: number;
}

/** One of a store's own integrity checks, as `trace verify` reports it. */
export interface StoreCheck {
  name: 'integrity' | 'protection' | 'dictionaries' | 'chain';
  ok: boolean;
  /** One line: what was checked, or what is wrong. */
  detail: string;
  /** What is wrong, one entry per problem (at most 20). */
  problems: string[];
}

/**
 * The seam between tracekernel and a database. The SDK appends through it and the projector reads
 * through it; neither knows which database is behind it.
 */
export interface TraceStore {
  /** Where the store lives: a file path or a connection string without credentials. */
  readonly location: string;

  /**
   * Appends events atomically, in order. An event whose id is already stored, or whose
   * idempotency key was already used, is skipped and reported with the stored event's id.
   */
  append(events: readonly PreparedEvent[]): Promise<AppendResult[]>;

  /**
   * How many appends the store can usefully run at once, each its own transaction: 1 for
   * SQLite's single writer; 2 for PostgreSQL, whose server works on one batch while the client
   * encodes the next. A writer with a large backlog may split it into this many appends.
   */
  readonly parallelAppends: number;

  /** The events with these ids that exist, in (ts, id) order. Private ones only with includePrivate. */
  get(ids: readonly string[], options?: { includePrivate?: boolean }): Promise<TraceEvent[]>;

  getByIdempotencyKey(key: string): Promise<TraceEvent | undefined>;

  /**
   * The ids of the events whose short id starts with `shortId`: 4 to 12 hex digits matched against
   * the start of the id's last group (its random part), through an index. In (ts, id) order, at
   * most `limit` (default 10); private events only with includePrivate.
   *
   * @example
   * await store.matchShortId('1d7050d7'); // ['019a0b6c-5e20-7a31-8f02-1d7050d7aa01']
   * @throws TraceError E_INVALID_ID when `shortId` is not 4 to 12 hex digits.
   */
  matchShortId(shortId: string, options?: { limit?: number; includePrivate?: boolean }): Promise<string[]>;

  query(query: EventQuery): Promise<TraceEvent[]>;

  /**
   * Every event caused, transitively, by one of `ids` through parent_event_id or causes,
   * excluding the seeds themselves, in (ts, id) order.
   */
  descendants(ids: readonly string[], options?: { limit?: number; includePrivate?: boolean }): Promise<TraceEvent[]>;

  /**
   * The events `descendants` answers, in batches as the walk finds them, for a reader that sends
   * a large walk on before it ends: each event once, in no set order within or across batches.
   * A store may answer the whole walk as one batch.
   */
  descendantBatches(ids: readonly string[], options?: { includePrivate?: boolean }): AsyncIterable<TraceEvent[]>;

  /**
   * The chain of parent_event_id links above an event, root first, ending with the event (at most
   * maxDepth links, default 10,000). A private event in the chain is returned only with includePrivate.
   */
  ancestors(id: string, options?: { maxDepth?: number; includePrivate?: boolean }): Promise<Ancestry>;

  /** Targets whose parent is one of `targets` (e.g. subtasks through parent_task_id), transitively. */
  descendantTargets(targets: readonly string[]): Promise<string[]>;

  /** How a name appears in the store: as an agent, and as the target of which primitives (in private events only with includePrivate). */
  nameUsage(name: string, options?: { includePrivate?: boolean }): Promise<NameUsage>;

  /** Counts and breakdowns; private events only as `privateEvents` unless includePrivate. */
  stats(options?: { includePrivate?: boolean }): Promise<StoreStats>;

  /**
   * The events that match `query` and were committed after `options.after`, in the store's commit
   * order (not ts order; `since`, `until`, `order` and `limit` of the query are ignored except as
   * filters on ts). Every event is delivered once across successive calls, and none is skipped
   * when its transaction committed after a later one: on PostgreSQL the read stops below the
   * oldest transaction still running (`pg_snapshot_xmin`), on SQLite the row order is the commit
   * order because writers are serialised.
   *
   * @example
   * let cursor = loadCursor();
   * const { events, cursor: next } = await store.changes({ targets: ['task-1'] }, { after: cursor });
   * saveCursor(next);
   */
  changes(query: EventQuery, options?: ChangesOptions): Promise<ChangeBatch>;

  /**
   * {@link changes} in a loop: yields each batch of new matching events as it is committed, from
   * `options.after` on, until `options.signal` aborts. A batch's `cursor` is the resume point.
   */
  follow(query: EventQuery, options?: FollowOptions): AsyncIterable<ChangeBatch>;

  /**
   * The one path that deletes events (retention): removes events older than `olderThan`, keeping
   * those a run record still needs unless `includeRuns`. Events whose parent or causes were
   * pruned stay readable and point at an id that is no longer stored.
   */
  prune(options: PruneOptions): Promise<PruneReport>;

  /**
   * Which of `ids` name events that retention removed while a kept event still named them (as its
   * parent or one of its causes): readers show those as `pruned` rather than missing.
   */
  pruned(ids: readonly string[]): Promise<string[]>;

  /**
   * Stores inferred causes; an edge already stored (same event, parent and rule) is skipped.
   * Returns how many were added. Like events, edges are append-only.
   */
  appendInferred(edges: readonly InferredEdge[]): Promise<number>;

  /**
   * The inferred edges whose event (`parents`: the causes of these events) or whose parent
   * (`children`: what these events caused) is one of `ids`, ordered by event, then confidence (highest first).
   */
  inferredEdges(ids: readonly string[], direction: 'parents' | 'children'): Promise<InferredEdge[]>;

  /**
   * Stores registered event types (tracer.register), so that every reader's catalog knows them.
   * A type already stored with the same definition is skipped; a different definition, or a
   * built-in primitive, is refused with E_SCHEMA and nothing is written. Returns how many were added.
   */
  registerKinds(registrations: readonly KindRegistration[]): Promise<number>;

  /** Every stored registration, by primitive then type; load them with loadRegistrations. */
  registrations(): Promise<KindRegistration[]>;

  /**
   * Checks the store end to end: the database's own integrity check, the append-only protection,
   * that every reference resolves, and the hash chain over events. Optional: a backend without it
   * is verified on its run invariants only.
   */
  verify?(): Promise<StoreCheck[]>;

  close(): Promise<void>;
}
