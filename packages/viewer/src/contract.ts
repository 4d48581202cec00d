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
