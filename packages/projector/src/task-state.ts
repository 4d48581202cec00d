import type { TraceEvent } from '@tracekernel/schema';
import type { TraceStore } from '@tracekernel/store';
import { uniqueSortedEvents } from './event-order.js';

export type TaskStatus = 'open' | 'claimed' | 'blocked' | 'complete';

/** A task's current state, folded from its ops events. */
export interface TaskState {
  task: string;
  /** From the first create_task. */
  title: string | null;
  parentTask: string | null;
  status: TaskStatus;
  /** The agent that last claimed the task; it keeps holding it while blocked and once complete. */
  holder: string | null;
  /** The reason of the block_task that the task is blocked by; null unless blocked. */
  blockedReason: string | null;
  /** How many times the task was claimed: more than one means retries. */
  claims: number;
  createdBy: string | null;
  createdAt: number | null;
  /** The ts of the task's latest ops event. */
  updatedAt: number | null;
  /** Direct subtasks: tasks whose create_task names this task as parent_task_id. */
  subtasks: string[];
}

function text(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/**
 * Folds a task's ops events into its state. Pure: events may come in any order and may include
 * unrelated events; only ops events targeting `task` change the state, and create_task events of
 * other tasks naming `task` as parent_task_id add subtasks.
 *
 * create_task opens the task, claim_task claims it for its agent (a claim after a block is a retry
 * and counts in `claims`), block_task blocks it with its reason, complete_task completes it.
 */
export function foldTaskState(task: string, events: readonly TraceEvent[]): TaskState {
  const state: TaskState = {
    task, title: null, parentTask: null, status: 'open', holder: null, blockedReason: null, claims: 0,
    createdBy: null, createdAt: null, updatedAt: null, subtasks: [],
  };
  let created = false;
  for (const event of uniqueSortedEvents(events)) {
    if (event.primitive !== 'ops') continue;
    if (event.target_id !== task) {
      const child = event.target_id;
      if (event.type === 'create_task' && child !== null && event.metadata.parent_task_id === task && !state.subtasks.includes(child)) {
        state.subtasks.push(child);
      }
      continue;
    }
    state.updatedAt = event.ts;
    switch (event.type) {
      case 'create_task':
        if (created) break;
        created = true;
        state.title = text(event.metadata.title);
        state.parentTask = text(event.metadata.parent_task_id);
        state.createdBy = event.agent_id;
        state.createdAt = event.ts;
        break;
      case 'claim_task':
        state.status = 'claimed';
        state.holder = event.agent_id;
        state.blockedReason = null;
        state.claims += 1;
        break;
      case 'block_task':
        state.status = 'blocked';
        state.blockedReason = text(event.metadata.reason);
        break;
      case 'complete_task':
        state.status = 'complete';
        state.holder ??= event.agent_id;
        state.blockedReason = null;
        break;
    }
  }
  return state;
}

/** The current state of a task read from the store; undefined when no ops event targets it. */
export async function taskState(store: TraceStore, task: string): Promise<TaskState | undefined> {
  const own = await store.query({ targets: [task], kinds: ['ops'] });
  if (own.length === 0) return undefined;
  const below = await store.descendantTargets([task]);
  const created = below.length === 0 ? [] : await store.query({ targets: below, kinds: ['ops.create_task'] });
  return foldTaskState(task, [...own, ...created]);
}
