import { TraceError, type TraceEvent } from '@tracekernel/schema';
import type { TraceStore } from '@tracekernel/store';
import { compareEvents } from './event-order.js';
import { foldTaskState, type TaskStatus } from './task-state.js';
import { taskEvents } from './timeline.js';
import { findDeadlocks, waitTargetOf, type WaitTarget, type WaitingTask } from './wait-for-graph.js';
import { findLoops, type WaitLoop } from './wait-loops.js';

/**
 * `trace waits`: what a task spent its time waiting for. The result types are the JSON contract
 * of `trace waits --json` (snake_case, ISO-8601 times), events excepted.
 */
export interface WaitsOptions {
  /** The end of an unfinished task's path, epoch ms (default: now). */
  now?: number;
  /** claim → block cycles (or sessions) that make a loop (default 3). */
  loopThreshold?: number;
  includePrivate?: boolean;
}

export type WaitKind = 'work' | 'queue' | 'blocked' | 'reply';

/** One step of the critical path: from one event to the next. */
export interface WaitStep {
  /** The event that ends the step; null for the last step of an unfinished task, which ends now. */
  event: TraceEvent | null;
  /** The id of the event the step starts from. */
  from: string;
  kind: WaitKind;
  ms: number;
  /** ms over the path's total, rounded to 4 places. */
  share: number;
}

/** One block of a task, from its block_task to the claim (or completion) that ended it, or to now. */
export interface BlockedSpan {
  task: string;
  /** The agent that blocked. */
  agent: string | null;
  reason: string | null;
  waiting_on: WaitTarget | null;
  /** The block_task's id. */
  block: string;
  /** The claim_task (or complete_task) that ended the block; null while it lasts. */
  ended: string | null;
  from: string;
  until: string | null;
  ms: number;
  /** What ended it: the event that caused the next claim (its parent), else the claim itself; null while it lasts. */
  ended_by: TraceEvent | null;
}

export interface TaskWaits {
  task: string;
  title: string | null;
  status: TaskStatus;
  created_at: string | null;
  /** The task's completion, or null when the path runs to now. */
  ended_at: string | null;
  total_ms: number;
  critical_path: WaitStep[];
  /** Every block of the task and its subtasks, oldest first. */
  blocked: BlockedSpan[];
  blocked_totals: { by_task: Array<{ task: string; ms: number }>; by_agent: Array<{ agent: string | null; ms: number }> };
  /** Cycles of the wait-for graph that hold the task or one of its subtasks. */
  deadlocks: WaitingTask[][];
  /** Loops on the task or its subtasks. */
  loops: WaitLoop[];
}

export interface StoreWaits {
  /** Tasks not complete. */
  open_tasks: number;
  /** Tasks blocked now. */
  blocked_tasks: number;
  deadlocks: WaitingTask[][];
  loops: WaitLoop[];
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function checkOptions(options: WaitsOptions): { now: number; threshold: number } {
  const threshold = options.loopThreshold ?? 3;
  if (!Number.isSafeInteger(threshold) || threshold < 1) throw new TraceError('E_USAGE', `loop threshold: expected a positive integer, got ${threshold}`);
  return { now: options.now ?? Date.now(), threshold };
}

/** The events every deadlock and loop check reads: tasks, messages and sessions of the whole store. */
async function signalEvents(store: TraceStore, includePrivate: boolean): Promise<TraceEvent[]> {
  return store.query({ kinds: ['ops', 'bridge', 'spawn.wake', 'spawn.sleep'], includePrivate });
}

/**
 * The critical path, blocked time, deadlocks and loops of a task and its subtasks.
 *
 * @throws TraceError E_NOT_FOUND when no ops event targets the task.
 */
export async function taskWaits(store: TraceStore, task: string, options: WaitsOptions = {}): Promise<TaskWaits> {
  const { now, threshold } = checkOptions(options);
  const includePrivate = options.includePrivate === true;
  const name = task.trim();
  const [exists] = await store.query({ targets: [name], kinds: ['ops'], limit: 1, includePrivate });
  if (!exists) throw new TraceError('E_NOT_FOUND', `waits: no task "${name}" in ${store.location}`);
  const tree = new Set([name, ...(await store.descendantTargets([name]))]);
  const events = (await taskEvents(store, name)).filter((event) => includePrivate || event.private !== true);
  const state = foldTaskState(name, events);
  const byTask = opsByTask(events, tree);

  const path = criticalPath(name, events, byTask, state.status, now);
  const blocked = await blockedSpans(store, events, byTask, now, includePrivate);
  const signals = await signalEvents(store, includePrivate);
  const deadlocks = findDeadlocks(signals).filter((cycle) => cycle.some((member) => tree.has(member.task)));
  const loops = findLoops(signals, threshold).filter((loop) => tree.has(loop.target));
  return {
    task: name,
    title: state.title,
    status: state.status,
    created_at: iso(state.createdAt),
    ended_at: path.end === null ? null : iso(path.end),
    total_ms: path.total,
    critical_path: path.steps,
    blocked,
    blocked_totals: totals(blocked),
    deadlocks,
    loops,
  };
}

/** `trace waits --all`: the deadlock and loop checks over every task of the store. */
export async function storeWaits(store: TraceStore, options: WaitsOptions = {}): Promise<StoreWaits> {
  const { threshold } = checkOptions(options);
  const signals = await signalEvents(store, options.includePrivate === true);
  const status = new Map<string, string>();
  for (const event of signals) {
    if (event.primitive !== 'ops' || event.target_id === null) continue;
    if (event.type === 'complete_task') status.set(event.target_id, 'complete');
    else if (event.type === 'claim_task') status.set(event.target_id, 'claimed');
    else if (event.type === 'block_task') status.set(event.target_id, 'blocked');
    else if (!status.has(event.target_id)) status.set(event.target_id, 'open');
  }
  const values = [...status.values()];
  return {
    open_tasks: values.filter((value) => value !== 'complete').length,
    blocked_tasks: values.filter((value) => value === 'blocked').length,
    deadlocks: findDeadlocks(signals),
    loops: findLoops(signals, threshold),
  };
}

function opsByTask(events: readonly TraceEvent[], tree: ReadonlySet<string>): Map<string, TraceEvent[]> {
  const byTask = new Map<string, TraceEvent[]>();
  for (const event of events) {
    if (event.primitive !== 'ops' || event.target_id === null || !tree.has(event.target_id)) continue;
    const list = byTask.get(event.target_id) ?? [];
    list.push(event);
    byTask.set(event.target_id, list);
  }
  return byTask;
}

/** A task's status after the events before `event` (or up to and including it, with `inclusive`). */
function statusAt(ops: readonly TraceEvent[] | undefined, event: TraceEvent, inclusive: boolean): TaskStatus | null {
  if (!ops) return null;
  let status: TaskStatus | null = null;
  for (const op of ops) {
    const order = compareEvents(op, event);
    if (order > 0 || (order === 0 && !inclusive)) break;
    if (op.type === 'create_task') status ??= 'open';
    else if (op.type === 'claim_task') status = 'claimed';
    else if (op.type === 'block_task') status = 'blocked';
    else if (op.type === 'complete_task') status = 'complete';
  }
  return status;
}

/**
 * A step's kind: a reply (a message answered by another agent's message), a queue (created → first
 * claim), blocked (a claim that ends a block, or any step while the path's current task, the task
 * of its latest ops event, is blocked), else work.
 */
function classify(prev: TraceEvent, cur: TraceEvent, current: string | null, byTask: ReadonlyMap<string, readonly TraceEvent[]>): WaitKind {
  if (prev.primitive === 'bridge' && prev.type === 'send' && cur.primitive === 'bridge' && cur.type === 'send' && cur.agent_id !== prev.agent_id) return 'reply';
  if (cur.primitive === 'ops' && cur.type === 'claim_task' && cur.target_id !== null) {
    const before = statusAt(byTask.get(cur.target_id), cur, false);
    if (before === 'open') return 'queue';
    if (before === 'blocked') return 'blocked';
  }
  if (current !== null && statusAt(byTask.get(current), prev, true) === 'blocked') return 'blocked';
  return 'work';
}

/**
 * From the task's completion (else its latest event), back through the latest-arriving cause of
 * each event (for an ops event without one, the task's event before it), to its creation: the
 * chain whose delays set the end time. An unfinished task's path ends with a step to now.
 */
function criticalPath(
  task: string,
  events: readonly TraceEvent[],
  byTask: ReadonlyMap<string, readonly TraceEvent[]>,
  status: TaskStatus,
  now: number,
): { steps: WaitStep[]; total: number; end: number | null } {
  const create = byTask.get(task)?.find((event) => event.type === 'create_task') ?? byTask.get(task)?.[0];
  if (!create) return { steps: [], total: 0, end: null };
  const byId = new Map(events.map((event) => [event.id, event]));
  const completion = byTask.get(task)!.find((event) => event.type === 'complete_task');
  const last = completion ?? events.filter((event) => compareEvents(event, create) >= 0).at(-1)!;
  const chain = [last];
  for (let cur = last; cur.id !== create.id; ) {
    const causes = [cur.parent_event_id, ...cur.causes]
      .map((id) => (id === null ? undefined : byId.get(id)))
      .filter((cause): cause is TraceEvent => cause !== undefined && compareEvents(cause, cur) < 0 && compareEvents(cause, create) >= 0 && !chain.includes(cause));
    // An event that names no cause follows the one before it on its own task.
    const previous = cur.primitive === 'ops' && cur.target_id !== null ? byTask.get(cur.target_id)?.filter((op) => compareEvents(op, cur) < 0 && compareEvents(op, create) >= 0).at(-1) : undefined;
    if (causes.length === 0 && previous === undefined) break;
    cur = causes.length > 0 ? causes.sort(compareEvents).at(-1)! : previous!;
    chain.unshift(cur);
  }
  if (chain[0]!.id !== create.id) chain.unshift(create);
  const end = completion ? completion.ts : Math.max(now, last.ts);
  const total = end - create.ts;
  const share = (ms: number) => (total > 0 ? Math.round((ms / total) * 10_000) / 10_000 : 0);
  const steps: WaitStep[] = [];
  let current: string | null = task;
  for (let i = 1; i < chain.length; i++) {
    const [prev, cur] = [chain[i - 1]!, chain[i]!];
    if (prev.primitive === 'ops' && prev.target_id !== null && byTask.has(prev.target_id)) current = prev.target_id;
    const ms = cur.ts - prev.ts;
    steps.push({ event: cur, from: prev.id, kind: classify(prev, cur, current, byTask), ms, share: share(ms) });
  }
  if (!completion) {
    const ms = end - last.ts;
    const kind: WaitKind = status === 'blocked' ? 'blocked' : status === 'open' ? 'queue' : 'work';
    steps.push({ event: null, from: last.id, kind, ms, share: share(ms) });
  }
  return { steps, total, end: completion ? completion.ts : null };
}

async function blockedSpans(
  store: TraceStore,
  events: readonly TraceEvent[],
  byTask: ReadonlyMap<string, readonly TraceEvent[]>,
  now: number,
  includePrivate: boolean,
): Promise<BlockedSpan[]> {
  const byId = new Map(events.map((event) => [event.id, event]));
  const spans: Array<{ block: TraceEvent; end: TraceEvent | null }> = [];
  for (const ops of byTask.values()) {
    let open: TraceEvent | null = null;
    for (const op of ops) {
      if (op.type === 'block_task' && open === null) open = op;
      else if ((op.type === 'claim_task' || op.type === 'complete_task') && open !== null) {
        spans.push({ block: open, end: op });
        open = null;
      }
    }
    if (open !== null) spans.push({ block: open, end: null });
  }
  // The cause of a claim may sit outside the task's events (an answer from elsewhere): read it.
  const missing = spans.map(({ end }) => end?.parent_event_id).filter((id): id is string => typeof id === 'string' && !byId.has(id));
  for (const event of missing.length === 0 ? [] : await store.get(missing, { includePrivate })) byId.set(event.id, event);
  return spans
    .sort((x, y) => compareEvents(x.block, y.block))
    .map(({ block, end }) => {
      const reason = block.metadata.reason;
      const until = end === null ? Math.max(now, block.ts) : end.ts;
      // A cause from before the block (the block itself, when a retry names it as its parent) did not end it: the claim did.
      const named = end?.parent_event_id === null || end === null ? undefined : byId.get(end.parent_event_id);
      const cause = named !== undefined && compareEvents(named, block) > 0 ? named : undefined;
      return {
        task: block.target_id!,
        agent: block.agent_id,
        reason: typeof reason === 'string' ? reason : null,
        waiting_on: waitTargetOf(block.metadata),
        block: block.id,
        ended: end?.id ?? null,
        from: iso(block.ts)!,
        until: end === null ? null : iso(end.ts),
        ms: until - block.ts,
        ended_by: end === null ? null : cause ?? end,
      };
    });
}

function totals(spans: readonly BlockedSpan[]): TaskWaits['blocked_totals'] {
  const byTask = new Map<string, number>();
  const byAgent = new Map<string | null, number>();
  for (const span of spans) {
    byTask.set(span.task, (byTask.get(span.task) ?? 0) + span.ms);
    byAgent.set(span.agent, (byAgent.get(span.agent) ?? 0) + span.ms);
  }
  const descending = <K>(map: Map<K, number>) => [...map].sort(([, x], [, y]) => y - x);
  return {
    by_task: descending(byTask).map(([task, ms]) => ({ task, ms })),
    by_agent: descending(byAgent).map(([agent, ms]) => ({ agent, ms })),
  };
}
