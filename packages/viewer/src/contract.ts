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
export const LEAN_COLUMNS = ['id', 'ts', 'primitive', 'type', 'agent_id', 'target_id', 'parent_event_id', 'causes', 'private', 'metadata'] as const;

type LeanTuple = [string, number, string, string, string | null, string | null, string | null, string[], 0 | 1, Record<string, unknown> | null];

const NO_METADATA: Record<string, unknown> = Object.freeze({}) as Record<string, unknown>;

export function fromLeanTuple(tuple: LeanTuple): WaterfallEvent {
  const [id, ms, primitive, type, agent_id, target_id, parent_event_id, causes, hidden, metadata] = tuple;
  const event: WaterfallEvent = { id, ms, primitive, type, agent_id, target_id, parent_event_id, causes, metadata: metadata ?? NO_METADATA };
  if (hidden === 1) event.private = true;
  return event;
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
