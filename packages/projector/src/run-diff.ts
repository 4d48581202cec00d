import { TraceError, isTraceError, type TraceEvent } from '@tracekernel/schema';
import type { TraceStore } from '@tracekernel/store';
import { compareEvents, uniqueSortedEvents } from './event-order.js';
import { findRun } from './runs/find-run.js';
import { foldRuns } from './runs/fold-runs.js';
import { foldTaskState, type TaskStatus } from './task-state.js';
import { taskEvents } from './timeline.js';

/**
 * `trace diff A B`: what changed between two runs of a swarm. The result types are the JSON
 * contract of `trace diff --json` (snake_case, ISO-8601 times), events excepted: those stay
 * TraceEvents for the caller to render.
 */
export interface DiffOptions {
  /** A duration counts as changed when b/a differs from 1 by more than this (default 0.2). */
  threshold?: number;
  includePrivate?: boolean;
}

export type DiffChange = 'added' | 'removed' | 'changed';

/** One side of the diff: what the reference resolved to. */
export interface DiffSide {
  ref: string;
  kind: 'task' | 'run';
  /** The task the side is about: the task given, or the run's task_id. */
  task: string;
  title: string | null;
  /** The run's span_id when the side is a run; null for a task. */
  span_id: string | null;
  store: string;
  events: number;
  started_at: string | null;
  ended_at: string | null;
  duration_ms: number | null;
}

export interface DiffTaskSnapshot {
  task: string;
  title: string | null;
  status: TaskStatus;
  holder: string | null;
  /** Claims of the task: more than one means retries. */
  claims: number;
  blocks: number;
  /** Agents that emitted ops events on the task, sorted. */
  agents: string[];
  created_at: string | null;
  completed_at: string | null;
  /** From its creation to its first completion; null while it is not complete. */
  duration_ms: number | null;
}

export interface DiffTask {
  /** Titles (or ids, for a task without a title) from the root task down to this one. */
  path: string[];
  change: DiffChange | 'same';
  a: DiffTaskSnapshot | null;
  b: DiffTaskSnapshot | null;
  /** What differs: `status`, `claims`, `blocks`, `holder`, `duration`, `title`. */
  differences: string[];
  /** b's duration over a's, when both are known and a's is not zero. */
  duration_ratio: number | null;
  /** Matched subtasks, for drawing the tree; not part of the JSON `tasks` list. */
  children: DiffTask[];
}

export interface DiffRunSnapshot {
  span_id: string;
  task_id: string;
  attempt: number;
  status: string;
  config_digest: string | null;
  input_digest: string | null;
  duration_ms: number | null;
  started_at: string;
}

export interface DiffRun {
  /** The path of the run's task, as for tasks; the task_id (or slug) when it is not a task of the tree. */
  path: string[];
  attempt: number;
  change: DiffChange;
  a: DiffRunSnapshot | null;
  b: DiffRunSnapshot | null;
  /** What differs: `status`, `config_digest`, `input_digest`, `duration`. */
  differences: string[];
  duration_ratio: number | null;
}

/** The earliest event of B whose counterpart in A differs or is missing (or, failing that, of A missing from B). */
export interface DiffDivergence {
  /** `b` for an event of B (added or changed); `a` for an event of A that B lacks (removed). */
  side: 'a' | 'b';
  change: DiffChange;
  event: TraceEvent;
  /** The matched event of the other side, for a change. */
  counterpart: TraceEvent | null;
  /** What differs between the event and its counterpart: `agent`, `metadata.<key>`. */
  differences: string[];
  /** The chain of causes above the event, root first, in its own store. */
  causes: TraceEvent[];
}

export interface RunDiff {
  a: DiffSide;
  b: DiffSide;
  threshold: number;
  identical: boolean;
  first_divergence: DiffDivergence | null;
  /** Tasks added, removed or changed, in tree order (parents before their subtasks). */
  tasks: DiffTask[];
  runs: DiffRun[];
  agents: { added: string[]; removed: string[] };
  /** Every task of both sides, matched, as trees (for the text form). */
  tree: DiffTask[];
}

/** Keys whose values are ids or measurements that differ between any two runs: never a divergence. */
const VOLATILE_KEYS = new Set([
  'parent_task_id', 'subtask_ids', 'task_id', 'span_id', 'trace_id', 'retry_of', 'idempotency_key', 'parents',
  'runner', 'duration_ms', 'latency_ms', 'tool_calls', 'script_runs', 'artifact_ids', 'message_id', 'message_ids',
]);

const ROOT_KEY = '\u0000root';
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

interface SideTask {
  id: string;
  key: string;
  path: string[];
  parent: string | null;
  createKey: string | null;
  order: TraceEvent;
}

interface Side {
  summary: DiffSide;
  store: TraceStore;
  events: TraceEvent[];
  tasks: Map<string, SideTask>;
  /** Task ids by match key. */
  byKey: Map<string, string>;
  /** Each task's ops events, oldest first. */
  ops: Map<string, TraceEvent[]>;
  /** Task ids to the key they share with their match on the other side (B's matched tasks take A's key). */
  matchKeys: Map<string, string>;
}

/**
 * Compares two runs of a swarm, A and B, each a task (usually a root task) or a run (span_id or
 * idempotency_key), each read from its own store (which may be the same one).
 *
 * Matching is semantic: tasks by their path of titles from the root (the two roots always match
 * each other), then leftover tasks by the idempotency key of their create_task; runs by task and
 * attempt; messages by channel and order; other events by kind, agent, target and order.
 *
 * @throws TraceError E_NOT_FOUND when a reference is neither a task nor a run; E_USAGE for a bad threshold.
 */
export async function diffRuns(storeA: TraceStore, refA: string, storeB: TraceStore, refB: string, options: DiffOptions = {}): Promise<RunDiff> {
  const threshold = options.threshold ?? 0.2;
  if (!Number.isFinite(threshold) || threshold < 0) throw new TraceError('E_USAGE', `threshold: expected a fraction ≥ 0, got ${threshold}`);
  const includePrivate = options.includePrivate === true;
  const [a, b] = await Promise.all([readSide(storeA, refA, includePrivate), readSide(storeB, refB, includePrivate)]);

  const pairs = pairTasks(a, b);
  const pairOfB = new Map([...pairs].map(([idA, idB]) => [idB, idA]));
  for (const task of b.tasks.values()) {
    const idA = pairOfB.get(task.id);
    b.matchKeys.set(task.id, idA === undefined ? task.key : a.tasks.get(idA)!.key);
  }
  const tree = matchTasks(a, b, pairs, threshold);
  const tasks: DiffTask[] = [];
  const flatten = (node: DiffTask) => {
    if (node.change !== 'same') tasks.push(node);
    node.children.forEach(flatten);
  };
  tree.forEach(flatten);
  const runs = diffRunRecords(a, b, threshold);
  const agentsOf = (side: Side) => new Set(side.events.map((event) => event.agent_id).filter((agent): agent is string => agent !== null));
  const [agentsA, agentsB] = [agentsOf(a), agentsOf(b)];
  const agents = {
    added: [...agentsB].filter((agent) => !agentsA.has(agent)).sort(),
    removed: [...agentsA].filter((agent) => !agentsB.has(agent)).sort(),
  };
  const firstDivergence = await divergence(a, b, includePrivate);
  const identical = tasks.length === 0 && runs.length === 0 && agents.added.length === 0 && agents.removed.length === 0 && firstDivergence === null;
  return { a: a.summary, b: b.summary, threshold, identical, first_divergence: firstDivergence, tasks, runs, agents, tree };
}

async function readSide(store: TraceStore, ref: string, includePrivate: boolean): Promise<Side> {
  const name = ref.trim();
  if (name === '') throw new TraceError('E_USAGE', 'diff: expected a task, a run span_id or an idempotency key, got ""');
  const shown = (event: TraceEvent) => includePrivate || event.private !== true;
  let kind: 'task' | 'run';
  let task: string;
  let span: string | null = null;
  let events: TraceEvent[];
  const [asTask] = await store.query({ targets: [name], kinds: ['ops'], limit: 1, includePrivate });
  if (asTask) {
    kind = 'task';
    task = name;
    events = (await taskEvents(store, name)).filter(shown);
  } else {
    let detail;
    try {
      detail = await findRun(store, name, { includePrivate, liveness: () => true });
    } catch (error) {
      if (isTraceError(error) && error.code === 'E_NOT_FOUND') {
        throw new TraceError('E_NOT_FOUND', `diff: no task or run "${name}" in ${store.location}`);
      }
      throw error;
    }
    kind = 'run';
    task = detail.run.task_id;
    span = detail.run.span_id;
    // The whole attempt chain: a retry belongs to the run it retries.
    const spans = new Set(detail.attempts.map((attempt) => attempt.span_id));
    const runEvents = await store.query({ kinds: ['run'], targets: [task], includePrivate });
    const folded = foldRuns(runEvents).runs.filter((run) => spans.has(run.record.span_id));
    const own = folded.flatMap((run) => (run.end ? [run.start, run.end] : [run.start]));
    const caused = await store.descendants(folded.map((run) => run.start.id), { includePrivate: true });
    events = uniqueSortedEvents([...own, ...caused]).filter(shown);
  }
  const tasks = taskTree(events, kind === 'task' ? task : null);
  const byKey = new Map([...tasks.values()].map((entry) => [entry.key, entry.id]));
  const ops = new Map<string, TraceEvent[]>();
  for (const event of events) {
    if (event.primitive !== 'ops' || event.target_id === null || !tasks.has(event.target_id)) continue;
    const list = ops.get(event.target_id) ?? [];
    list.push(event);
    ops.set(event.target_id, list);
  }
  const first = events[0]?.ts ?? null;
  const last = events.at(-1)?.ts ?? null;
  const titled = tasks.get(task);
  return {
    store,
    events,
    tasks,
    byKey,
    ops,
    matchKeys: new Map([...tasks.values()].map((entry) => [entry.id, entry.key])),
    summary: {
      ref: name,
      kind,
      task,
      title: titled ? titleOf(events, task) : null,
      span_id: span,
      store: store.location,
      events: events.length,
      started_at: iso(first),
      ended_at: iso(last),
      duration_ms: first === null || last === null ? null : last - first,
    },
  };
}

function titleOf(events: readonly TraceEvent[], task: string): string | null {
  const created = events.find((event) => event.primitive === 'ops' && event.type === 'create_task' && event.target_id === task);
  const title = created?.metadata.title;
  return typeof title === 'string' && title !== '' ? title : null;
}

/** The tasks among a side's events, each with its match key: its path of titles, numbered among same-titled siblings. */
function taskTree(events: readonly TraceEvent[], primary: string | null): Map<string, SideTask> {
  const firstEvent = new Map<string, TraceEvent>();
  const created = new Map<string, TraceEvent>();
  for (const event of events) {
    if (event.primitive !== 'ops' || event.target_id === null) continue;
    if (!firstEvent.has(event.target_id)) firstEvent.set(event.target_id, event);
    if (event.type === 'create_task' && !created.has(event.target_id)) created.set(event.target_id, event);
  }
  const parentOf = (id: string): string | null => {
    if (id === primary) return null;
    const parent = created.get(id)?.metadata.parent_task_id;
    return typeof parent === 'string' && parent !== id && firstEvent.has(parent) ? parent : null;
  };
  const children = new Map<string | null, string[]>();
  for (const id of firstEvent.keys()) children.set(parentOf(id), [...(children.get(parentOf(id)) ?? []), id]);
  const tasks = new Map<string, SideTask>();
  const visit = (parent: SideTask | null) => {
    // A task's side is its own tree: tasks pulled in only by causes (a parent's reduce) stay out of it.
    const top = primary !== null && firstEvent.has(primary) ? [primary] : children.get(null) ?? [];
    const ids = (parent === null ? top : children.get(parent.id) ?? []).sort((x, y) => compareEvents(created.get(x) ?? firstEvent.get(x)!, created.get(y) ?? firstEvent.get(y)!));
    const seen = new Map<string, number>();
    for (const id of ids) {
      if (tasks.has(id)) continue; // a parent_task_id cycle: each task once
      const title = titleOf(events, id) ?? id;
      const n = (seen.get(title) ?? 0) + 1;
      seen.set(title, n);
      const entry: SideTask = {
        id,
        key: id === primary ? ROOT_KEY : `${parent?.key ?? ''}\u0001${title}#${n}`,
        path: [...(parent?.path ?? []), title],
        parent: parent?.id ?? null,
        createKey: created.get(id)?.idempotency_key ?? null,
        order: created.get(id) ?? firstEvent.get(id)!,
      };
      tasks.set(id, entry);
      visit(entry);
    }
  };
  visit(null);
  return tasks;
}

function snapshot(side: Side, id: string): DiffTaskSnapshot {
  const own = side.ops.get(id) ?? [];
  const state = foldTaskState(id, own);
  const completed = own.find((event) => event.type === 'complete_task')?.ts ?? null;
  return {
    task: id,
    title: state.title,
    status: state.status,
    holder: state.holder,
    claims: state.claims,
    blocks: own.filter((event) => event.type === 'block_task').length,
    agents: [...new Set(own.map((event) => event.agent_id).filter((agent): agent is string => agent !== null))].sort(),
    created_at: iso(state.createdAt),
    completed_at: iso(completed),
    duration_ms: state.createdAt === null || completed === null ? null : completed - state.createdAt,
  };
}

/** The ratio b/a and whether it is beyond the threshold; a zero `a` changes only when `b` is not zero. */
function durationChange(a: number | null, b: number | null, threshold: number): { ratio: number | null; changed: boolean } {
  if (a === null || b === null) return { ratio: null, changed: false };
  if (a === 0) return { ratio: null, changed: b !== 0 };
  const ratio = b / a;
  // "More than" the threshold, in exact terms: 10 min → 11 min is 10% (where 11/10 - 1 is 0.10000000000000009).
  const beyond = Math.abs(b - a) - threshold * Math.abs(a);
  return { ratio: Math.round(ratio * 1000) / 1000, changed: beyond > Math.abs(a) * 1e-9 };
}

/** Pairs of A id -> B id: by path of titles, then leftovers by the create_task's idempotency key. */
function pairTasks(a: Side, b: Side): Map<string, string> {
  const pairs = new Map<string, string>();
  const takenB = new Set<string>();
  for (const [key, idA] of a.byKey) {
    const idB = b.byKey.get(key);
    if (idB !== undefined) {
      pairs.set(idA, idB);
      takenB.add(idB);
    }
  }
  const leftB = new Map<string, string>();
  for (const task of b.tasks.values()) if (!takenB.has(task.id) && task.createKey !== null) leftB.set(task.createKey, task.id);
  for (const task of a.tasks.values()) {
    if (pairs.has(task.id) || task.createKey === null) continue;
    const idB = leftB.get(task.createKey);
    if (idB === undefined) continue;
    pairs.set(task.id, idB);
    takenB.add(idB);
    leftB.delete(task.createKey);
  }
  return pairs;
}

function matchTasks(a: Side, b: Side, pairs: Map<string, string>, threshold: number): DiffTask[] {
  const pairOfB = new Map([...pairs].map(([idA, idB]) => [idB, idA]));

  const nodes = new Map<string, DiffTask>();
  const nodeFor = (idA: string | null, idB: string | null): DiffTask => {
    const snapA = idA === null ? null : snapshot(a, idA);
    const snapB = idB === null ? null : snapshot(b, idB);
    const differences: string[] = [];
    let ratio: number | null = null;
    if (snapA && snapB) {
      if (snapA.title !== snapB.title) differences.push('title');
      for (const field of ['status', 'claims', 'blocks', 'holder'] as const) if (snapA[field] !== snapB[field]) differences.push(field);
      const duration = durationChange(snapA.duration_ms, snapB.duration_ms, threshold);
      ratio = duration.ratio;
      if (duration.changed) differences.push('duration');
    }
    const change: DiffTask['change'] = snapA === null ? 'added' : snapB === null ? 'removed' : differences.length > 0 ? 'changed' : 'same';
    const path = idB !== null ? b.tasks.get(idB)!.path : a.tasks.get(idA!)!.path;
    return { path, change, a: snapA, b: snapB, differences, duration_ratio: ratio, children: [] };
  };
  // B's tree gives the shape; A's tasks that B lacks hang under their A parent's match.
  const roots: Array<{ node: DiffTask; order: TraceEvent }> = [];
  const orderOf = new Map<DiffTask, TraceEvent>();
  for (const task of b.tasks.values()) {
    const node = nodeFor(pairOfB.get(task.id) ?? null, task.id);
    nodes.set(`b:${task.id}`, node);
    orderOf.set(node, task.order);
    const parent = task.parent === null ? undefined : nodes.get(`b:${task.parent}`);
    if (parent) parent.children.push(node);
    else roots.push({ node, order: task.order });
    const idA = pairOfB.get(task.id);
    if (idA !== undefined) nodes.set(`a:${idA}`, node);
  }
  for (const task of a.tasks.values()) {
    if (pairs.has(task.id)) continue;
    const node = nodeFor(task.id, null);
    nodes.set(`a:${task.id}`, node);
    orderOf.set(node, task.order);
    const parent = task.parent === null ? undefined : nodes.get(`a:${task.parent}`);
    if (parent) parent.children.push(node);
    else roots.push({ node, order: task.order });
  }
  // Removed tasks were appended last; put every level back in creation order (A's time for A's tasks is close enough to sort siblings).
  const sortChildren = (node: DiffTask) => {
    node.children.sort((x, y) => siblingOrder(x, y, orderOf));
    node.children.forEach(sortChildren);
  };
  roots.forEach(({ node }) => sortChildren(node));
  return roots.map(({ node }) => node).sort((x, y) => siblingOrder(x, y, orderOf));
}

/** Siblings in the order they were created on their own side; a task of B before a removed one at the same offset. */
function siblingOrder(x: DiffTask, y: DiffTask, orderOf: Map<DiffTask, TraceEvent>): number {
  if ((x.b === null) !== (y.b === null)) return x.b === null ? 1 : -1;
  return compareEvents(orderOf.get(x)!, orderOf.get(y)!);
}

/** A run's task: the side's own, a task of the tree by its match, else by its slug (a task id often carries a date), else its id. */
function runKeyOf(side: Side, taskId: string, slug: string | null): { key: string; path: string[] } {
  if (taskId === side.summary.task) return { key: ROOT_KEY, path: side.tasks.get(taskId)?.path ?? [taskId] };
  const task = side.tasks.get(taskId);
  if (task) return { key: side.matchKeys.get(taskId)!, path: task.path };
  return slug !== null && slug !== '' ? { key: `slug:${slug}`, path: [slug] } : { key: `id:${taskId}`, path: [taskId] };
}

function runRecords(side: Side): Map<string, { path: string[]; snap: DiffRunSnapshot }> {
  const records = new Map<string, { path: string[]; snap: DiffRunSnapshot }>();
  for (const { record } of foldRuns(side.events).runs) {
    const { key, path } = runKeyOf(side, record.task_id, record.task_slug);
    const full = `${key}\u0002${record.attempt}`;
    if (records.has(full)) continue;
    records.set(full, {
      path,
      snap: {
        span_id: record.span_id, task_id: record.task_id, attempt: record.attempt, status: record.status,
        config_digest: record.config_digest, input_digest: record.input_digest, duration_ms: record.duration_ms, started_at: record.started_at,
      },
    });
  }
  return records;
}

function diffRunRecords(a: Side, b: Side, threshold: number): DiffRun[] {
  const [runsA, runsB] = [runOrder(runRecords(a)), runOrder(runRecords(b))];
  const diffs: DiffRun[] = [];
  for (const [key, { path, snap }] of runsB) {
    const other = runsA.get(key);
    if (!other) {
      diffs.push({ path, attempt: snap.attempt, change: 'added', a: null, b: snap, differences: [], duration_ratio: null });
      continue;
    }
    const differences = (['status', 'config_digest', 'input_digest'] as const).filter((field) => other.snap[field] !== snap[field]) as string[];
    const duration = durationChange(other.snap.duration_ms, snap.duration_ms, threshold);
    if (duration.changed) differences.push('duration');
    if (differences.length > 0) diffs.push({ path, attempt: snap.attempt, change: 'changed', a: other.snap, b: snap, differences, duration_ratio: duration.ratio });
  }
  for (const [key, { path, snap }] of runsA) {
    if (!runsB.has(key)) diffs.push({ path, attempt: snap.attempt, change: 'removed', a: snap, b: null, differences: [], duration_ratio: null });
  }
  return diffs;
}

function runOrder<T extends { snap: DiffRunSnapshot }>(records: Map<string, T>): Map<string, T> {
  return new Map([...records].sort(([, x], [, y]) => x.snap.started_at.localeCompare(y.snap.started_at) || x.snap.attempt - y.snap.attempt));
}

/** Each event's match key: what its counterpart on the other side must share. */
function eventKeys(side: Side): Map<string, TraceEvent> {
  const runKeys = new Map<string, string>();
  for (const { record, start, end } of foldRuns(side.events).runs) {
    const key = `${runKeyOf(side, record.task_id, record.task_slug).key}\u0002${record.attempt}`;
    runKeys.set(start.id, key);
    if (end) runKeys.set(end.id, key);
  }
  const counts = new Map<string, number>();
  const keyed = new Map<string, TraceEvent>();
  for (const event of side.events) {
    const kind = `${event.primitive}.${event.type}`;
    let base: string;
    if (runKeys.has(event.id)) base = `${kind}@${runKeys.get(event.id)}`;
    else if (event.primitive === 'ops' && event.target_id !== null && side.tasks.has(event.target_id)) base = `${kind}@${side.matchKeys.get(event.target_id)}`;
    else if (event.primitive === 'bridge') base = `${kind}@${event.target_id}`;
    // A task's id differs between two runs in one store: an event on a task matches by the task's match.
    else if (event.target_id !== null && side.tasks.has(event.target_id)) base = `${kind}@${event.agent_id}@task:${side.matchKeys.get(event.target_id)}`;
    else base = `${kind}@${event.agent_id}@${event.target_id}`;
    const n = (counts.get(base) ?? 0) + 1;
    counts.set(base, n);
    keyed.set(`${base}#${n}`, event);
  }
  return keyed;
}

function stripVolatile(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripVolatile);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>).filter(([key]) => !VOLATILE_KEYS.has(key));
  return Object.fromEntries(entries.sort(([x], [y]) => (x < y ? -1 : 1)).map(([key, inner]) => [key, stripVolatile(inner)]));
}

/** An event's metadata as compared: volatile keys left out, a `waiting_on` task named by its match. */
function comparable(side: Side, metadata: Record<string, unknown>): Record<string, unknown> {
  const stripped = stripVolatile(metadata) as Record<string, unknown>;
  const waitingOn = stripped.waiting_on as Record<string, unknown> | undefined;
  const task = waitingOn !== null && typeof waitingOn === 'object' ? waitingOn.task : undefined;
  if (typeof task === 'string' && side.matchKeys.has(task)) stripped.waiting_on = { ...waitingOn, task: `task:${side.matchKeys.get(task)}` };
  return stripped;
}

function eventDifferences(a: Side, eventA: TraceEvent, b: Side, eventB: TraceEvent): string[] {
  const differences: string[] = [];
  if (eventA.agent_id !== eventB.agent_id) differences.push('agent');
  const [metaA, metaB] = [comparable(a, eventA.metadata), comparable(b, eventB.metadata)];
  for (const key of [...new Set([...Object.keys(metaA), ...Object.keys(metaB)])].sort()) {
    if (JSON.stringify(metaA[key]) !== JSON.stringify(metaB[key])) differences.push(`metadata.${key}`);
  }
  return differences;
}

async function divergence(a: Side, b: Side, includePrivate: boolean): Promise<DiffDivergence | null> {
  const [keysA, keysB] = [eventKeys(a), eventKeys(b)];
  const keyOfB = new Map([...keysB].map(([key, event]) => [event.id, key]));
  let found: Omit<DiffDivergence, 'causes'> | null = null;
  for (const event of b.events) {
    const counterpart = keysA.get(keyOfB.get(event.id)!) ?? null;
    if (counterpart === null) {
      found = { side: 'b', change: 'added', event, counterpart: null, differences: [] };
      break;
    }
    const differences = eventDifferences(a, counterpart, b, event);
    if (differences.length > 0) {
      found = { side: 'b', change: 'changed', event, counterpart, differences };
      break;
    }
  }
  let store = b.store;
  if (found === null) {
    const removed = [...keysA].filter(([key]) => !keysB.has(key)).map(([, event]) => event).sort(compareEvents);
    if (removed.length === 0) return null;
    found = { side: 'a', change: 'removed', event: removed[0]!, counterpart: null, differences: [] };
    store = a.store;
  }
  const { chain } = await store.ancestors(found.event.id, { includePrivate });
  return { ...found, causes: chain.filter((event) => event.id !== found.event.id) };
}
