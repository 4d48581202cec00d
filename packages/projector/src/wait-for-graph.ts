import type { TraceEvent } from '@tracekernel/schema';
import { uniqueSortedEvents } from './event-order.js';

/** What a block_task says the task waits for (its `waiting_on` metadata). */
export type WaitTarget = { task: string } | { agent: string } | { channel: string };

/** A task that is blocked now, as one member of a deadlock cycle. */
export interface WaitingTask {
  task: string;
  /** The agent holding the task: the last claimant, else the agent that blocked it. */
  holder: string | null;
  reason: string | null;
  waiting_on: WaitTarget | null;
  /** The id of the block_task that blocks it. */
  block: string;
}

/** At most this many cycles are listed: enough to see a stuck swarm, bounded for a large one. */
const MAX_CYCLES = 1000;

export function waitTargetOf(metadata: Record<string, unknown>): WaitTarget | null {
  const value = metadata.waiting_on;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  const record = value as Record<string, unknown>;
  for (const kind of ['task', 'agent', 'channel'] as const) {
    if (typeof record[kind] === 'string') return { [kind]: record[kind] } as WaitTarget;
  }
  return null;
}

/** The tasks blocked now, folded from ops events (any order, any tasks). Pure. */
export function blockedNow(events: readonly TraceEvent[]): Map<string, WaitingTask> {
  const blocked = new Map<string, WaitingTask>();
  const holders = new Map<string, string | null>();
  for (const event of uniqueSortedEvents(events)) {
    if (event.primitive !== 'ops' || event.target_id === null) continue;
    const task = event.target_id;
    if (event.type === 'claim_task') {
      holders.set(task, event.agent_id);
      blocked.delete(task);
    } else if (event.type === 'complete_task') blocked.delete(task);
    else if (event.type === 'block_task') {
      const reason = event.metadata.reason;
      blocked.set(task, {
        task,
        holder: holders.get(task) ?? event.agent_id,
        reason: typeof reason === 'string' ? reason : null,
        waiting_on: waitTargetOf(event.metadata),
        block: event.id,
      });
    }
  }
  return blocked;
}

/**
 * Every deadlock among the tasks blocked now: the cycles of the wait-for graph, each listed from
 * its smallest task id, in the order of that id. Pure.
 *
 * A blocked task T has an edge to a blocked task U when T waits on U (`{task}`), on U's holder
 * (`{agent}`), or on a channel U's holder has posted on (`{channel}`), U's holder not being T's.
 * A task waited on that is not blocked (open, claimed, complete) can still move, so it ends no
 * cycle. `events` must hold the ops events of every task involved and the channels' bridge sends.
 */
export function findDeadlocks(events: readonly TraceEvent[]): WaitingTask[][] {
  const blocked = blockedNow(events);
  const posters = new Map<string, Set<string>>();
  for (const event of events) {
    if (event.primitive !== 'bridge' || event.type !== 'send' || event.target_id === null || event.agent_id === null) continue;
    posters.set(event.target_id, (posters.get(event.target_id) ?? new Set()).add(event.agent_id));
  }
  const nodes = [...blocked.keys()].sort();
  const edges = new Map<string, string[]>();
  for (const task of nodes) {
    const waiting = blocked.get(task)!;
    const on = waiting.waiting_on;
    let targets: string[] = [];
    if (on === null) targets = [];
    else if ('task' in on) targets = blocked.has(on.task) && on.task !== task ? [on.task] : [];
    else if ('agent' in on) targets = nodes.filter((other) => other !== task && blocked.get(other)!.holder === on.agent);
    else {
      const speakers = posters.get(on.channel.replace(/^#/, '')) ?? new Set<string>();
      targets = nodes.filter((other) => {
        const holder = blocked.get(other)!.holder;
        return other !== task && holder !== null && holder !== waiting.holder && speakers.has(holder);
      });
    }
    edges.set(task, targets);
  }
  return simpleCycles(nodes, edges).map((cycle) => cycle.map((task) => blocked.get(task)!));
}

/** Elementary cycles, each found once from its smallest node (nodes sorted), by depth-first search. */
function simpleCycles(nodes: readonly string[], edges: ReadonlyMap<string, readonly string[]>): string[][] {
  const cycles: string[][] = [];
  const rank = new Map(nodes.map((node, i) => [node, i]));
  for (const start of nodes) {
    const path = [start];
    const onPath = new Set(path);
    const walk = (node: string) => {
      for (const next of edges.get(node) ?? []) {
        if (cycles.length >= MAX_CYCLES) return;
        if (next === start) cycles.push([...path]);
        else if (rank.get(next)! > rank.get(start)! && !onPath.has(next)) {
          path.push(next);
          onPath.add(next);
          walk(next);
          onPath.delete(next);
          path.pop();
        }
      }
    };
    walk(start);
  }
  return cycles;
}
