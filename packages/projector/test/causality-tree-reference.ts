// The causality tree as buildCausalityTree built it before it became one ordered pass (session 4):
// the oracle its property test compares the fast build against. Plain nodes stand in for TreeNode.
import { TraceError, type TraceEvent } from '@tracekernel/schema';
import type { InferredEdge } from '@tracekernel/store';
import { PRIVATE_EVENT_LABEL, type CausalityNode, type CausalityTreeOptions } from '@tracekernel/projector';

const compareEvents = (a: TraceEvent, b: TraceEvent) => (a.ts !== b.ts ? a.ts - b.ts : a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
function uniqueSortedEvents(events: Iterable<TraceEvent>): TraceEvent[] {
  const sorted = Array.from(events).sort(compareEvents);
  let kept = 0;
  for (const event of sorted) if (kept === 0 || sorted[kept - 1]!.id !== event.id) sorted[kept++] = event;
  sorted.length = kept;
  return sorted;
}

class TreeNode implements CausalityNode {
  event: TraceEvent;
  description: string;
  children: CausalityNode[] = [];
  links: string[] = [];
  missingParent: string | null = null;
  prunedParent: string | null = null;
  prunedLinks: string[] = [];
  hidden = false;
  inferred: { rule: string; confidence: number } | null = null;
  constructor(event: TraceEvent, describe: (event: TraceEvent) => string) {
    this.event = event;
    this.description = describe(event);
  }
  hide(): void {
    const { id, ts } = this.event;
    this.event = {
      id, ts, primitive: '', type: '', agent_id: null, target_id: null, session_id: null, parent_event_id: null,
      causes: [], idempotency_key: null, schema_version: this.event.schema_version, metadata: {}, private: true,
    };
    this.links = [];
    this.missingParent = null;
    this.hidden = true;
    this.description = PRIVATE_EVENT_LABEL;
  }
}

export function referenceCausalityTree(
  chain: readonly TraceEvent[],
  descendants: readonly TraceEvent[],
  focusId: string,
  describe: (event: TraceEvent) => string = (event) => `${event.primitive}.${event.type}`,
  options: CausalityTreeOptions = {},
): CausalityNode {
  const pruned = options.pruned ?? new Set<string>();
  const path = chainToFocus(chain, focusId);
  const nodes = new Map<string, TreeNode>();
  const node = (event: TraceEvent): CausalityNode => {
    let existing = nodes.get(event.id);
    if (!existing) {
      existing = new TreeNode(event, describe);
      nodes.set(event.id, existing);
    }
    return existing;
  };
  for (const event of path) node(event);
  const below = uniqueSortedEvents(descendants).filter((event) => !nodes.has(event.id));
  for (const event of below) node(event);

  // Which node each event hangs under: the chain is fixed, the rest attach once their parent has.
  const treeParent = new Map<string, string | null>();
  const attach = (id: string, parent: string | null) => treeParent.set(id, parent);
  path.forEach((event, i) => attach(event.id, i === 0 ? null : path[i - 1]!.id));

  const inferredParents = options.inferredParents ?? new Map<string, InferredEdge>();
  const declaredIn = (event: TraceEvent, id: string | null): id is string => id !== null && id !== event.id && nodes.has(id);
  const preferred = (event: TraceEvent): string | undefined => {
    if (declaredIn(event, event.parent_event_id)) return event.parent_event_id;
    const declared = event.causes.find((id) => declaredIn(event, id));
    if (declared !== undefined) return declared;
    const inferred = inferredParents.get(event.id)?.parent_id;
    return inferred !== undefined && nodes.has(inferred) ? inferred : undefined;
  };
  const waiting = new Map<string, TraceEvent[]>();
  const settle = (event: TraceEvent, parent: string) => {
    if (treeParent.has(event.id)) return;
    attach(event.id, parent);
    const children = waiting.get(event.id);
    if (children === undefined) return;
    // Events that waited for this one, and those that waited for them, without recursion.
    waiting.delete(event.id);
    const queue: Array<[TraceEvent, string]> = children.map((child) => [child, event.id]);
    for (let i = 0; i < queue.length; i++) {
      const [current, currentParent] = queue[i]!;
      if (treeParent.has(current.id)) continue;
      attach(current.id, currentParent);
      for (const child of waiting.get(current.id) ?? []) queue.push([child, current.id]);
      waiting.delete(current.id);
    }
  };
  for (const event of below) {
    const parent = preferred(event);
    if (parent === undefined) continue;
    if (treeParent.has(parent)) settle(event, parent);
    else {
      const queued = waiting.get(parent);
      if (queued === undefined) waiting.set(parent, [event]);
      else queued.push(event);
    }
  }
  // Events still unattached wait on each other in a cycle (possible when parents are recorded
  // after their children): hang each under any attached cause, else under the focus.
  for (let progress = true; progress; ) {
    progress = false;
    for (const event of below) {
      if (treeParent.has(event.id)) continue;
      const cause = [event.parent_event_id, ...event.causes, inferredParents.get(event.id)?.parent_id ?? null].find((id) => id !== null && treeParent.has(id));
      if (cause) {
        settle(event, cause);
        progress = true;
      }
    }
  }
  for (const event of below) if (!treeParent.has(event.id)) settle(event, focusId);

  for (const [id, parent] of treeParent) {
    const current = nodes.get(id)!;
    if (parent !== null) nodes.get(parent)!.children.push(current);
    const { event } = current;
    const edge = inferredParents.get(id);
    if (parent !== null && edge !== undefined && edge.parent_id === parent && event.parent_event_id !== parent && !event.causes.includes(parent)) {
      current.inferred = { rule: edge.rule, confidence: edge.confidence };
    }
    const rootMissing = parent === null && event.parent_event_id !== null && !nodes.has(event.parent_event_id);
    if (rootMissing && pruned.has(event.parent_event_id!)) current.prunedParent = event.parent_event_id;
    else if (rootMissing) current.missingParent = event.parent_event_id;
    const isLink = (cause: string | null): cause is string =>
      cause !== null && cause !== parent && cause !== event.id && !(rootMissing && cause === event.parent_event_id);
    // Most events have a parent and no causes, hence no links: no arrays for them.
    if (event.causes.length > 0 || isLink(event.parent_event_id)) {
      current.links = [...new Set([event.parent_event_id, ...event.causes].filter(isLink))];
      current.prunedLinks = current.links.filter((link) => pruned.has(link));
    }
    if (event.private === true && options.includePrivate !== true) current.hide();
  }
  for (const current of nodes.values()) if (current.children.length > 1) current.children.sort((a, b) => compareEvents(a.event, b.event));
  return nodes.get(path[0]!.id)!;
}

/**
 * The chain cut to end at the focus and to hold each event once: walking up from the focus, a
 * repeated id means a parent cycle, and the walk stops there.
 */
function chainToFocus(chain: readonly TraceEvent[], focusId: string): TraceEvent[] {
  const end = chain.findLastIndex((event) => event.id === focusId);
  if (end < 0) throw new TraceError('E_INVARIANT', `causality: the chain does not end at the focus ${focusId}`);
  const seen = new Set<string>();
  const path: TraceEvent[] = [];
  for (let i = end; i >= 0; i--) {
    const event = chain[i]!;
    if (seen.has(event.id)) break;
    seen.add(event.id);
    path.push(event);
  }
  return path.reverse();
}
