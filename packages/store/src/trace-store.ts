import type { PreparedEvent, TraceEvent } from '@tracekernel/schema';

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

  /** The events with these ids that exist, in (ts, id) order. */
  get(ids: readonly string[]): Promise<TraceEvent[]>;

  getByIdempotencyKey(key: string): Promise<TraceEvent | undefined>;

  query(query: EventQuery): Promise<TraceEvent[]>;

  /**
   * Every event caused, transitively, by one of `ids` through parent_event_id or causes,
   * excluding the seeds themselves, in (ts, id) order.
   */
  descendants(ids: readonly string[], options?: { limit?: number }): Promise<TraceEvent[]>;

  /** The chain of parent_event_id links above an event, root first, ending with the event (at most maxDepth links, default 10,000). */
  ancestors(id: string, options?: { maxDepth?: number }): Promise<Ancestry>;

  /** Targets whose parent is one of `targets` (e.g. subtasks through parent_task_id), transitively. */
  descendantTargets(targets: readonly string[]): Promise<string[]>;

  /** How a name appears in the store: as an agent, and as the target of which primitives. */
  nameUsage(name: string): Promise<NameUsage>;

  stats(): Promise<StoreStats>;

  /**
   * Checks the store end to end: the database's own integrity check, the append-only protection,
   * that every reference resolves, and the hash chain over events. Optional: a backend without it
   * is verified on its run invariants only.
   */
  verify?(): Promise<StoreCheck[]>;

  close(): Promise<void>;
}
