/** The JSON contract of `trace --json` and the read API (docs/cli.md), as the viewer reads it. */
export interface TraceEventJson {
  id: string;
  ts: string;
  primitive: string;
  type: string;
  agent_id: string | null;
  target_id: string | null;
  parent_event_id: string | null;
  causes: string[];
  session_id: string | null;
  metadata: Record<string, unknown>;
  private?: true;
}

export interface EventsResponse {
  query: Record<string, unknown>;
  events: TraceEventJson[];
}

/**
 * What the waterfall, the graph's edges and a list line read of an event, with its time in epoch
 * ms: a tuple of `GET /v1/events?view=lean` (metadata cut to title, parent_task_id and span_id) or
 * a whole event.
 */
export interface WaterfallEvent extends Omit<TraceEventJson, 'ts' | 'session_id'> {
  ms: number;
}

/** The first line of a `view=lean` answer. */
export interface LeanHeader {
  query: Record<string, unknown>;
  /** The store's cursor from before the read: `GET /v1/stream?last_event_id=` resumes after it. */
  cursor: string | null;
  columns: string[];
}

/** The order of a lean tuple's fields (docs/serve.md); the header's `columns` must match it. */
export const LEAN_COLUMNS = ['id', 'ts', 'kind', 'agent_id', 'target_id', 'parent_event_id', 'causes', 'private', 'metadata'] as const;

/** A parent or cause: the position of an event sent earlier in the answer, or an id. */
type LeanRef = number | string;
type LeanTuple = [string, number, number, number | null, number | null, LeanRef | null, LeanRef[]?, (0 | 1)?, (Record<string, unknown> | null)?];
/** A line that adds to the answer's dictionaries, before the first tuples that use the new entries. */
interface LeanDictionary {
  names?: string[];
  kinds?: [string, string][];
}

const NO_METADATA: Record<string, unknown> = Object.freeze({}) as Record<string, unknown>;
const NO_CAUSES: string[] = [];

/**
 * Reads the lines of a `view=lean` answer after its header: names and kinds come as indexes into
 * dictionaries the answer builds as it goes, and a parent or cause sent earlier as its position.
 */
export class LeanDecoder {
  /** The events in the order the answer sent them. */
  readonly events: WaterfallEvent[] = [];
  readonly #names: string[] = [];
  readonly #kinds: [string, string][] = [];

  /** Takes a parsed line; answers false for one that is neither tuples nor a dictionary. */
  take(line: unknown): boolean {
    if (Array.isArray(line)) {
      for (const tuple of line) this.events.push(this.#event(tuple as LeanTuple));
      return true;
    }
    const dictionary = line as LeanDictionary;
    if (dictionary.names === undefined && dictionary.kinds === undefined) return false;
    if (dictionary.names) for (const name of dictionary.names) this.#names.push(name);
    if (dictionary.kinds) for (const kind of dictionary.kinds) this.#kinds.push(kind);
    return true;
  }

  #event(tuple: LeanTuple): WaterfallEvent {
    const [id, ms, kindIndex, agent, target, parent, causes, hidden, metadata] = tuple;
    const kind = this.#kinds[kindIndex];
    if (kind === undefined) throw Object.assign(new Error(`the server's lean event ${id} names kind ${kindIndex}, which its answer never defined`), { code: 'E_VIEWER' });
    const event: WaterfallEvent = {
      id, ms, primitive: kind[0], type: kind[1],
      agent_id: agent === null ? null : this.#name(agent, id),
      target_id: target === null ? null : this.#name(target, id),
      parent_event_id: parent === null ? null : this.#ref(parent, id),
      causes: causes === undefined || causes.length === 0 ? NO_CAUSES : causes.map((cause) => this.#ref(cause, id)),
      metadata: metadata ?? NO_METADATA,
    };
    if (hidden === 1) event.private = true;
    return event;
  }

  #name(index: number, id: string): string {
    const name = this.#names[index];
    if (name === undefined) throw Object.assign(new Error(`the server's lean event ${id} names name ${index}, which its answer never defined`), { code: 'E_VIEWER' });
    return name;
  }

  #ref(ref: LeanRef, id: string): string {
    if (typeof ref === 'string') return ref;
    const earlier = this.events[ref];
    if (earlier === undefined) throw Object.assign(new Error(`the server's lean event ${id} refers to position ${ref}, which its answer had not sent`), { code: 'E_VIEWER' });
    return earlier.id;
  }
}

export function toWaterfallEvent(event: TraceEventJson): WaterfallEvent {
  const { ts, session_id: _session, ...rest } = event;
  return { ...rest, ms: Date.parse(ts) };
}

/** A private placeholder has only `id` and `private`. */
export type CausalityEventJson = TraceEventJson | { id: string; private: true };

export interface CausalityNodeJson {
  event: CausalityEventJson;
  children: CausalityNodeJson[];
  links: string[];
  missing_parent: string | null;
  pruned_parent?: string | null;
  pruned_links?: string[];
  /** Issue 9: set for an inferred parent edge, null (or absent) for a declared one. */
  inferred?: { rule: string; confidence: number } | null;
}

export interface CausalityResponse {
  focus: string;
  root: CausalityNodeJson;
}

export interface RunRecordJson {
  task_id: string;
  task_slug: string | null;
  task_name: string | null;
  task_type: string | null;
  trigger: string;
  status: string;
  started_at: string | null;
  ended_at: string | null;
  duration_ms: number | null;
  trace_id: string;
  span_id: string;
  attempt: number;
  retry_of: string | null;
  idempotency_key: string;
  config_digest: string | null;
  input_digest: string | null;
  runner: { name: string; version?: string | null; pid?: number | null; host?: string | null } | null;
  error: { type: string; message: string; stack_hash?: string | null } | null;
  notes: string | null;
  parents?: string[];
  [field: string]: unknown;
}

export interface StatsResponse {
  events: number;
  first_ts: string | null;
  last_ts: string | null;
  by_primitive: Array<{ primitive: string; count: number }>;
  by_agent: Array<{ agent: string | null; count: number }>;
  [field: string]: unknown;
}

export interface ErrorResponse {
  error: { code: string; message: string };
}

export function isFullEvent(event: CausalityEventJson): event is TraceEventJson {
  return 'primitive' in event;
}
