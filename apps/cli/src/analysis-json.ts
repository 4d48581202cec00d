import { toJsonEvent, type JsonEvent, type TraceEvent } from '@tracekernel/schema';
import type { BlockedSpan, DiffDivergence, DiffRun, DiffSide, DiffTask, RunDiff, StoreWaits, TaskWaits, WaitStep } from '@tracekernel/projector';

/** `trace diff --json`: the projector's result with events in the JSON contract's shape, and without the drawing tree. */
export interface RunDiffJson {
  a: DiffSide;
  b: DiffSide;
  threshold: number;
  identical: boolean;
  first_divergence: (Omit<DiffDivergence, 'event' | 'counterpart' | 'causes'> & { event: JsonEvent; counterpart: JsonEvent | null; causes: JsonEvent[] }) | null;
  tasks: Array<Omit<DiffTask, 'children'>>;
  runs: DiffRun[];
  agents: { added: string[]; removed: string[] };
}

export function runDiffJson(diff: RunDiff): RunDiffJson {
  const divergence = diff.first_divergence;
  return {
    a: diff.a,
    b: diff.b,
    threshold: diff.threshold,
    identical: diff.identical,
    first_divergence:
      divergence === null
        ? null
        : {
            ...divergence,
            event: toJsonEvent(divergence.event),
            counterpart: divergence.counterpart === null ? null : toJsonEvent(divergence.counterpart),
            causes: divergence.causes.map(toJsonEvent),
          },
    tasks: diff.tasks.map(({ children: _children, ...task }) => task),
    runs: diff.runs,
    agents: diff.agents,
  };
}

type WithJsonEvent<T, K extends keyof T> = Omit<T, K> & { [P in K]: JsonEvent | null };

/** `trace waits TASK --json`. */
export interface TaskWaitsJson extends Omit<TaskWaits, 'critical_path' | 'blocked'> {
  critical_path: Array<WithJsonEvent<WaitStep, 'event'>>;
  blocked: Array<WithJsonEvent<BlockedSpan, 'ended_by'>>;
}

/** `trace waits --all --json`: `task` is null. */
export interface StoreWaitsJson extends StoreWaits {
  task: null;
}

const jsonOrNull = (event: TraceEvent | null) => (event === null ? null : toJsonEvent(event));

export function taskWaitsJson(waits: TaskWaits): TaskWaitsJson {
  return {
    ...waits,
    critical_path: waits.critical_path.map((step) => ({ ...step, event: jsonOrNull(step.event) })),
    blocked: waits.blocked.map((span) => ({ ...span, ended_by: jsonOrNull(span.ended_by) })),
  };
}

export function storeWaitsJson(waits: StoreWaits): StoreWaitsJson {
  return { task: null, ...waits };
}
