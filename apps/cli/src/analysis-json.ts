import { toJsonEvent, type JsonEvent } from '@tracekernel/schema';
import type { DiffDivergence, DiffRun, DiffSide, DiffTask, RunDiff } from '@tracekernel/projector';

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
