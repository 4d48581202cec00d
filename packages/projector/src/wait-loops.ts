import type { TraceEvent } from '@tracekernel/schema';
import { uniqueSortedEvents } from './event-order.js';

/** A stuck swarm's signature: a task retried without progress, or an agent waking on the same target without progress. */
export interface WaitLoop {
  /** `retry`: claim → block repeated on one task; `wake`: an agent's sessions acting on one target. */
  kind: 'retry' | 'wake';
  /** The task (retry), or the target the sessions acted on (wake). */
  target: string;
  agents: string[];
  /** Repetitions: claim → block cycles, or consecutive sessions. */
  count: number;
  /** The claims and blocks (retry), or the wakes (wake), oldest first. */
  events: string[];
}

/**
 * Loops still going on at the end of `events` (any order; ops events, and for wake loops the
 * agents' spawn, ops and bridge events). Pure.
 *
 * - retry: a task not complete now that went claim → block `threshold` times or more since it was
 *   last completed;
 * - wake: an agent whose last `threshold` or more sessions (a spawn.wake up to its sleep or the
 *   next wake) each acted on the same target, none making progress, while it is not complete now:
 *   on a task, progress is completing or reducing it; on anything else (a channel, an agent),
 *   completing or reducing any task.
 */
export function findLoops(events: readonly TraceEvent[], threshold: number): WaitLoop[] {
  const sorted = uniqueSortedEvents(events);
  const loops: WaitLoop[] = [];
  const complete = new Set<string>();
  const retries = new Map<string, { claim: TraceEvent | null; cycles: TraceEvent[][] }>();
  for (const event of sorted) {
    if (event.primitive !== 'ops' || event.target_id === null) continue;
    const state = retries.get(event.target_id) ?? { claim: null, cycles: [] };
    retries.set(event.target_id, state);
    if (event.type === 'claim_task') {
      state.claim = event;
      complete.delete(event.target_id);
    } else if (event.type === 'block_task' && state.claim !== null) {
      state.cycles.push([state.claim, event]);
      state.claim = null;
    } else if (event.type === 'complete_task') {
      complete.add(event.target_id);
      state.cycles = [];
      state.claim = null;
    }
  }
  for (const [task, state] of retries) {
    if (complete.has(task) || state.cycles.length < threshold) continue;
    const flat = state.cycles.flat();
    loops.push({
      kind: 'retry', target: task, count: state.cycles.length, events: flat.map((event) => event.id),
      agents: [...new Set(flat.map((event) => event.agent_id).filter((agent): agent is string => agent !== null))].sort(),
    });
  }

  // Sessions per agent: a wake opens one, a sleep closes it.
  const sessions = new Map<string, Array<{ wake: TraceEvent; targets: Set<string>; progress: Set<string>; open: boolean }>>();
  const isTask = (target: string) => retries.has(target);
  for (const event of sorted) {
    if (event.agent_id === null) continue;
    const list = sessions.get(event.agent_id) ?? [];
    sessions.set(event.agent_id, list);
    if (event.primitive === 'spawn' && event.type === 'wake') {
      list.push({ wake: event, targets: new Set(), progress: new Set(), open: true });
      continue;
    }
    const current = list.at(-1);
    if (!current?.open) continue;
    if (event.primitive === 'spawn' && event.type === 'sleep') current.open = false;
    else if (event.primitive !== 'spawn' && event.target_id !== null) {
      current.targets.add(event.target_id);
      if (event.primitive === 'ops' && (event.type === 'complete_task' || event.type === 'reduce_task')) current.progress.add(event.target_id);
    }
  }
  for (const [agent, list] of sessions) {
    const last = list.at(-1);
    if (!last) continue;
    for (const target of [...last.targets].sort()) {
      if (complete.has(target)) continue;
      const streak: TraceEvent[] = [];
      for (let i = list.length - 1; i >= 0; i--) {
        const session = list[i]!;
        // A task progresses when the session completes or reduces it; a channel or an agent when the session completes or reduces any task.
        const progressed = isTask(target) ? session.progress.has(target) : session.progress.size > 0;
        if (!session.targets.has(target) || progressed) break;
        streak.unshift(session.wake);
      }
      if (streak.length >= threshold) loops.push({ kind: 'wake', target, agents: [agent], count: streak.length, events: streak.map((event) => event.id) });
    }
  }
  return loops.sort((x, y) => x.kind.localeCompare(y.kind) || x.target.localeCompare(y.target) || (x.agents[0] ?? '').localeCompare(y.agents[0] ?? ''));
}
