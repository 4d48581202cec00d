import type { TraceEvent } from '@tracekernel/schema';

/** The store's read order: by ts, then by id (a uuidv7 sorts as its bytes and as its hex). */
export function byTimeThenId(a: TraceEvent, b: TraceEvent): number {
  return a.ts - b.ts || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** Whether `primitive.type` is selected by an EventQuery's kinds (a primitive or a primitive.type). */
export function kindMatches(kinds: readonly string[], primitive: string, type: string): boolean {
  return kinds.some((kind) => kind === primitive || kind === `${primitive}.${type}`);
}

/**
 * What a tree read shows of a private event when private events are not asked for: its place in
 * the causal graph (id, time, kind, parent, causes) and nothing it says or names.
 */
export function privatePlaceholder(event: TraceEvent): TraceEvent {
  return { ...event, agent_id: null, target_id: null, session_id: null, idempotency_key: null, metadata: {}, private: true };
}

/**
 * An ancestor walk as rows from the event up (depth 0 first). A cycle, which only a parent stored
 * after its child can create, repeats events: keep the walk up to the first repeat.
 */
export function chainFromWalk(walk: readonly TraceEvent[]): { chain: TraceEvent[]; missingParentId: string | null } {
  const seen = new Set<string>();
  const firstRepeat = walk.findIndex((event) => seen.size === seen.add(event.id).size);
  const acyclic = firstRepeat < 0 ? walk : walk.slice(0, firstRepeat);
  const chain = [...acyclic].reverse();
  const missingParentId = firstRepeat < 0 ? (chain[0]?.parent_event_id ?? null) : null;
  return { chain, missingParentId };
}
