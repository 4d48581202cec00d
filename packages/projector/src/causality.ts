import { EventCatalog, TraceError, isEventId, isShortEventId, type TraceEvent } from '@tracekernel/schema';
import { resolveEventId } from './event-ref.js';
import type { InferredEdge, TraceStore } from '@tracekernel/store';
import { growCausalityTree, type CausalityNode } from './causality-tree.js';

export interface CausalityOptions {
  /** Shows private events as they are; without it each is a `[private event]` placeholder. */
  includePrivate?: boolean;
  /** Follows inferred causes too (default true); false shows declared causes only (`--no-inferred`). */
  inferred?: boolean;
}

/** At most this many events are pulled into a tree through inferred causes. */
const MAX_INFERRED_EVENTS = 10_000;

/** What caused an event and what it caused, as one tree. */
export interface Causality {
  /** The id of the event the tree is about (for a task, its create_task event). */
  focus: string;
  /** 'Causality chain for <subject>:' */
  heading: string;
  /** The root cause; the focus is on the path below it, with its whole subtree. */
  root: CausalityNode;
  /**
   * For a task: the events of the task (and its subtasks) that no edge reaches from its creation,
   * e.g. a complete_task emitted outside `within()`, in (ts, id) order. Empty for an event.
   */
  unreached: Array<{ event: TraceEvent; description: string }>;
}

async function focusEvent(store: TraceStore, subject: string, includePrivate: boolean): Promise<{ event: TraceEvent; task?: string }> {
  const lower = subject.toLowerCase();
  if (isEventId(lower)) {
    // A private event's id is shown in the trees around it, so its own tree is found (as a placeholder).
    const [event] = await store.get([lower], { includePrivate: true });
    if (event) return { event };
  }
  const task = await taskFocus(store, subject, includePrivate);
  if (task) return { event: task, task: subject };
  if (isEventId(lower)) throw new TraceError('E_NOT_FOUND', `no event ${lower} in the store`);
  if (isShortEventId(lower)) {
    const [event] = await store.get([await resolveEventId(store, lower, 'causality', { includePrivate: true })], { includePrivate: true });
    if (event) return { event };
  }
  throw new TraceError('E_INVALID_ID', `causality: expected a uuidv7 event id, its short id or a task id, got "${subject}"`);
}

/** A task's first create_task event; a task created elsewhere falls back to its first ops event. */
async function taskFocus(store: TraceStore, task: string, includePrivate: boolean): Promise<TraceEvent | undefined> {
  if (task === '') return undefined;
  const [created] = await store.query({ targets: [task], kinds: ['ops.create_task'], limit: 1, includePrivate });
  if (created) return created;
  const [first] = await store.query({ targets: [task], kinds: ['ops'], limit: 1, includePrivate });
  return first;
}

/**
 * The causality tree of an event, or of a task (through its create_task event): the chain of
 * parents from the root cause down to the focus, plus everything the focus caused, transitively.
 * Fan-in shows as `links`; a parent missing from the store shows as `missingParent` on the root,
 * one removed by retention as `prunedParent` (and pruned links in `prunedLinks`).
 *
 * @throws TraceError E_NOT_FOUND for a uuidv7 that is not stored; E_INVALID_ID for anything that is
 *   neither an event id nor a task.
 */
export async function causality(
  store: TraceStore,
  subject: string,
  catalog: EventCatalog = new EventCatalog(),
  options: CausalityOptions = {},
): Promise<Causality> {
  const name = subject.trim();
  const includePrivate = options.includePrivate === true;
  const { event: focus, task } = await focusEvent(store, name, includePrivate);
  // Private events are read whatever the reader asked for: the tree needs them to keep their
  // effects attached, and buildCausalityTree turns them into placeholders.
  const [{ chain: declaredChain }, declaredDescendants] = await Promise.all([
    store.ancestors(focus.id, { includePrivate: true }),
    store.descendants([focus.id], { includePrivate: true }),
  ]);
  let chain = declaredChain;
  let descendants = declaredDescendants;
  const inferredParents = new Map<string, InferredEdge>();
  if (options.inferred !== false) {
    ({ chain, descendants } = await followInferred(store, focus, declaredChain, declaredDescendants, inferredParents));
  }
  const tree = growCausalityTree(chain, descendants, focus.id, (event) => catalog.describe(event), { includePrivate, inferredParents });
  // Causes outside the tree are links or the root's missing parent: ask which ones were pruned.
  if (tree.outside.length > 0) tree.markPruned(new Set(await store.pruned(tree.outside)));
  // An event is named by its full id, however it was given (a short id, upper case).
  const shown = task ?? focus.id;
  const unreached = task === undefined ? [] : await taskEventsOutside(store, task, [chain, descendants], includePrivate);
  const describe = (event: TraceEvent) => ({ event, description: catalog.describe(event) });
  return { focus: focus.id, heading: `Causality chain for ${shown}:`, root: tree.root, unreached: unreached.map(describe) };
}

/** The events of a task and its subtasks that are not in its tree. */
async function taskEventsOutside(store: TraceStore, task: string, read: ReadonlyArray<readonly TraceEvent[]>, includePrivate: boolean): Promise<TraceEvent[]> {
  const inTree = new Set(read.flatMap((events) => events.map((event) => event.id)));
  const targets = [task, ...(await store.descendantTargets([task]))];
  const events = await store.query({ targets, includePrivate });
  return events.filter((event) => !inTree.has(event.id));
}

/**
 * Extends a declared tree with inferred causes. Each event without a declared parent follows its
 * best inferred edge (highest confidence), both up and down, so the inferred edges form a forest
 * and an event sits in one place whichever event the tree is asked about.
 */
async function followInferred(
  store: TraceStore,
  focus: TraceEvent,
  declaredChain: TraceEvent[],
  declaredDescendants: TraceEvent[],
  inferredParents: Map<string, InferredEdge>,
): Promise<{ chain: TraceEvent[]; descendants: TraceEvent[] }> {
  const best = async (ids: string[]) => {
    const edges = await store.inferredEdges(ids, 'parents');
    const first = new Map<string, InferredEdge>();
    for (const edge of edges) if (!first.has(edge.event_id)) first.set(edge.event_id, edge);
    return first;
  };
  // Up: above the topmost declared event, while it has no declared parent.
  let chain = declaredChain;
  const inChain = new Set(chain.map((event) => event.id));
  for (let steps = 0; steps < MAX_INFERRED_EVENTS; steps++) {
    const top = chain[0]!;
    if (top.parent_event_id !== null) break;
    const edge = (await best([top.id])).get(top.id);
    if (!edge || inChain.has(edge.parent_id)) break;
    const { chain: above } = await store.ancestors(edge.parent_id, { includePrivate: true });
    if (above.length === 0 || above.some((event) => inChain.has(event.id))) break;
    inferredParents.set(top.id, edge);
    for (const event of above) inChain.add(event.id);
    chain = [...above, ...chain];
  }
  // Down: events whose best inferred parent is in the tree, and what they caused (declared or inferred).
  let frontier: string[] = [focus.id, ...declaredDescendants.map((event) => event.id)];
  let children = await store.inferredEdges(frontier, 'children');
  // Most trees have no inferred children: the declared descendants are the answer, as they are.
  if (children.length === 0) return { chain, descendants: declaredDescendants };
  const below = new Map(declaredDescendants.map((event) => [event.id, event]));
  while (frontier.length > 0 && below.size < MAX_INFERRED_EVENTS) {
    const candidates = [...new Set(children.map((edge) => edge.event_id))].filter((id) => !below.has(id) && !inChain.has(id));
    if (candidates.length === 0) break;
    const bestOf = await best(candidates);
    const tree = new Set([...below.keys(), ...inChain]);
    const accepted = candidates.filter((id) => {
      const edge = bestOf.get(id);
      return edge !== undefined && (tree.has(edge.parent_id) || frontier.includes(edge.parent_id));
    });
    const events = (await store.get(accepted, { includePrivate: true })).filter((event) => event.parent_event_id === null);
    for (const event of events) {
      inferredParents.set(event.id, bestOf.get(event.id)!);
      below.set(event.id, event);
    }
    const caused = events.length === 0 ? [] : await store.descendants(events.map((event) => event.id), { includePrivate: true });
    for (const event of caused) below.set(event.id, event);
    frontier = [...events.map((event) => event.id), ...caused.map((event) => event.id)];
    children = frontier.length > 0 && below.size < MAX_INFERRED_EVENTS ? await store.inferredEdges(frontier, 'children') : [];
  }
  return { chain, descendants: [...below.values()] };
}
