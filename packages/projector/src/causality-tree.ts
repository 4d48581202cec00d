import { TraceError, type TraceEvent } from '@tracekernel/schema';
import type { InferredEdge } from '@tracekernel/store';
import { compareEvents, uniqueSortedEvents } from './event-order.js';

/** One event in a causality tree. */
export interface CausalityNode {
  event: TraceEvent;
  /** The event's timeline line (catalog.describe). */
  description: string;
  /** Events hung under this one, ordered by (ts, id). */
  children: CausalityNode[];
  /** Ids of this event's other causes (fan-in), not used as its tree parent; follow them with causality(). */
  links: string[];
  /** Set on the topmost node when its parent_event_id is not (yet) in the store. */
  missingParent: string | null;
  /** Set instead of missingParent when that parent was removed by retention (`trace prune`). */
  prunedParent: string | null;
  /** The ids of `links` that retention removed. */
  prunedLinks: string[];
  /**
   * A private event the reader did not ask to see: a placeholder that keeps its effects attached
   * to their cause. Its `event` holds only the id, the time the id carries and `private: true`;
   * its description is `[private event]`, and it has no links and no missing parent.
   */
  hidden: boolean;
  /** Set when the node hangs under its parent through an inferred cause rather than a declared one. */
  inferred: { rule: string; confidence: number } | null;
}

/** The one-line description of a hidden private event. */
export const PRIVATE_EVENT_LABEL = '[private event]';

export interface CausalityTreeOptions {
  /** Shows private events as they are; without it they become placeholders ({@link CausalityNode.hidden}). */
  includePrivate?: boolean;
  /** Ids that retention removed: a root's parent or a link among them is marked pruned, not missing. */
  pruned?: ReadonlySet<string>;
  /** The inferred cause of each event that has one (and no declared parent in the tree): used when no declared cause is. */
  inferredParents?: ReadonlyMap<string, InferredEdge>;
}

/**
 * Builds a causality tree from events already read. Pure.
 *
 * @param chain the parent_event_id chain from the root cause down to the focus (store.ancestors)
 * @param descendants everything caused by the focus, transitively (store.descendants)
 * @param focusId the event the tree is about; it must be the last event of `chain`
 * @param describe renders the one-line description of an event
 *
 * Each event hangs under its parent_event_id when that parent is in the tree, otherwise under its
 * first cause in the tree; its other causes become `links`, so fan-in never duplicates a subtree.
 * The topmost event's parent_event_id, when set, names a parent missing from the store, or a
 * pruned one when it is in `pruned` (store.pruned); pruned links are marked the same way.
 */
export function buildCausalityTree(
  chain: readonly TraceEvent[],
  descendants: readonly TraceEvent[],
  focusId: string,
  describe: (event: TraceEvent) => string = (event) => `${event.primitive}.${event.type}`,
  options: CausalityTreeOptions = {},
): CausalityNode {
  const tree = growCausalityTree(chain, descendants, focusId, describe, options);
  if (options.pruned !== undefined) tree.markPruned(options.pruned);
  return tree.root;
}

/** A causality tree before its pruned marks: causality() asks the store about `outside` alone. */
export interface UnmarkedCausalityTree {
  root: CausalityNode;
  /** The ids the tree names but does not hold (the root's missing parent, links), each once. */
  outside: string[];
  /** Marks the root's parent and the links that retention removed, as `pruned` says. */
  markPruned(pruned: ReadonlySet<string>): void;
}

/**
 * buildCausalityTree without the pruned marks. Knowing which ids lie outside the tree takes a
 * lookup per cause, which the tree's own map answers, where a caller's set of 10k ids cost as
 * much as the build.
 */
export function growCausalityTree(
  chain: readonly TraceEvent[],
  descendants: readonly TraceEvent[],
  focusId: string,
  describe: (event: TraceEvent) => string,
  options: Omit<CausalityTreeOptions, 'pruned'>,
): UnmarkedCausalityTree {
  const inferredParents = options.inferredParents ?? NO_INFERRED_PARENTS;
  const path = chainToFocus(chain, focusId);
  const nodes = new Map<string, TreeNode>();
  for (const event of path) nodes.set(event.id, new TreeNode(event, describe));
  const below: TreeNode[] = [];
  for (const event of inOrder(descendants)) {
    if (nodes.has(event.id)) continue;
    const current = new TreeNode(event, describe);
    nodes.set(event.id, current);
    below.push(current);
  }
  // The chain is fixed; the rest attach once their parent has.
  const root = nodes.get(path[0]!.id)!.root();
  for (let i = 1; i < path.length; i++) nodes.get(path[i]!.id)!.attachTo(nodes.get(path[i - 1]!.id)!);

  const declaredIn = (event: TraceEvent, id: string | null): id is string => id !== null && id !== event.id && nodes.has(id);
  const preferred = (event: TraceEvent): TreeNode | undefined => {
    if (declaredIn(event, event.parent_event_id)) return nodes.get(event.parent_event_id);
    for (const id of event.causes) if (declaredIn(event, id)) return nodes.get(id);
    const inferred = inferredParents.size === 0 ? undefined : inferredParents.get(event.id)?.parent_id;
    return inferred === undefined ? undefined : nodes.get(inferred);
  };
  // Events whose parent comes later in (ts, id) order (recorded late), by that parent.
  const waiting = new Map<TreeNode, TreeNode[]>();
  let unattached = 0;
  const settle = (current: TreeNode, parent: TreeNode) => {
    if (current.attached) return;
    current.attachTo(parent);
    unattached--;
    if (waiting.size === 0) return;
    // Events that waited for this one, and those that waited for them, without recursion.
    const queue = [current];
    for (let i = 0; i < queue.length; i++) {
      const children = waiting.get(queue[i]!);
      if (children === undefined) continue;
      waiting.delete(queue[i]!);
      for (const child of children) {
        if (child.attached) continue;
        child.attachTo(queue[i]!);
        unattached--;
        queue.push(child);
      }
    }
  };
  for (const current of below) {
    unattached++;
    const parent = preferred(current.event);
    if (parent === undefined) continue;
    if (parent.attached) settle(current, parent);
    else {
      const queued = waiting.get(parent);
      if (queued === undefined) waiting.set(parent, [current]);
      else queued.push(current);
    }
  }
  // Events still unattached wait on each other in a cycle (possible when parents are recorded
  // after their children): hang each under any attached cause, else under the focus.
  for (let progress = unattached > 0; progress; ) {
    progress = false;
    for (const current of below) {
      if (current.attached) continue;
      const { event } = current;
      const cause = [event.parent_event_id, ...event.causes, inferredParents.get(event.id)?.parent_id ?? null]
        .map((id) => (id === null ? undefined : nodes.get(id)))
        .find((node) => node?.attached === true);
      if (cause) {
        settle(current, cause);
        progress = true;
      }
    }
  }
  if (unattached > 0) for (const current of below) if (!current.attached) settle(current, nodes.get(focusId)!);

  const outside = new Set<string>();
  let missingParent: string | null = null;
  const linked: Array<[TreeNode, string[]]> = [];
  for (const current of nodes.values()) {
    const { event } = current;
    const parent = current.parentId;
    if (inferredParents.size > 0) {
      const edge = inferredParents.get(event.id);
      if (parent !== null && edge !== undefined && edge.parent_id === parent && event.parent_event_id !== parent && !event.causes.includes(parent)) {
        current.inferred = { rule: edge.rule, confidence: edge.confidence };
      }
    }
    const rootMissing = parent === null && event.parent_event_id !== null && !nodes.has(event.parent_event_id);
    if (rootMissing) {
      missingParent = current.missingParent = event.parent_event_id;
      outside.add(missingParent!);
    }
    const isLink = (cause: string | null): cause is string =>
      cause !== null && cause !== parent && cause !== event.id && !(rootMissing && cause === event.parent_event_id);
    // Most events have a parent and no causes, hence no links: no arrays for them.
    if (event.causes.length > 0 || isLink(event.parent_event_id)) {
      const links = [...new Set([event.parent_event_id, ...event.causes].filter(isLink))];
      current.links = links;
      if (links.length > 0) linked.push([current, links]);
      for (const link of links) if (!nodes.has(link)) outside.add(link);
    }
    if (event.private === true && options.includePrivate !== true) current.hide();
    current.sortChildren();
  }
  const markPruned = (pruned: ReadonlySet<string>) => {
    if (pruned.size === 0) return;
    if (missingParent !== null && pruned.has(missingParent)) {
      root.prunedParent = missingParent;
      root.missingParent = null;
    }
    // A hidden node keeps the pruned links it had, as its links go (see TreeNode.hide).
    for (const [current, links] of linked) current.prunedLinks = links.filter((link) => pruned.has(link));
  };
  return { root, outside: [...outside], markPruned };
}

const NO_INFERRED_PARENTS: ReadonlyMap<string, InferredEdge> = new Map();

/**
 * The events by (ts, id), each id once. A store read is in that order already, so the check for
 * it (one pass) usually saves the copy and the sort.
 */
function inOrder(events: readonly TraceEvent[]): readonly TraceEvent[] {
  for (let i = 1; i < events.length; i++) if (compareEvents(events[i - 1]!, events[i]!) >= 0) return uniqueSortedEvents(events);
  return events;
}

/** A node whose description is rendered when first read: JSON output of a large tree never reads it. */
class TreeNode implements CausalityNode {
  event: TraceEvent;
  children: CausalityNode[] = [];
  links: string[] = [];
  missingParent: string | null = null;
  prunedParent: string | null = null;
  prunedLinks: string[] = [];
  hidden = false;
  inferred: { rule: string; confidence: number } | null = null;
  readonly #describe: (event: TraceEvent) => string;
  #description: string | undefined;
  /** The id of the node this one hangs under: null for the root, undefined while unattached. */
  #parentId: string | null | undefined;
  /** Set when a child arrived out of (ts, id) order: only then are the children sorted. */
  #unsorted = false;

  constructor(event: TraceEvent, describe: (event: TraceEvent) => string) {
    this.event = event;
    this.#describe = describe;
  }

  get description(): string {
    return (this.#description ??= this.#describe(this.event));
  }

  get attached(): boolean {
    return this.#parentId !== undefined;
  }

  get parentId(): string | null {
    return this.#parentId ?? null;
  }

  root(): TreeNode {
    this.#parentId = null;
    return this;
  }

  attachTo(parent: TreeNode): void {
    this.#parentId = parent.event.id;
    const last = parent.children.at(-1);
    if (last !== undefined && compareEvents(last.event, this.event) > 0) parent.#unsorted = true;
    parent.children.push(this);
  }

  sortChildren(): void {
    if (this.#unsorted) this.children.sort((a, b) => compareEvents(a.event, b.event));
  }

  /** Turns the node into a placeholder: the tree's shape stays, the event's contents go. */
  hide(): void {
    const { id, ts } = this.event;
    this.event = {
      id, ts, primitive: '', type: '', agent_id: null, target_id: null, session_id: null, parent_event_id: null,
      causes: [], idempotency_key: null, schema_version: this.event.schema_version, metadata: {}, private: true,
    };
    this.links = [];
    this.missingParent = null;
    this.hidden = true;
    this.#description = PRIVATE_EVENT_LABEL;
  }
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
