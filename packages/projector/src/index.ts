export { timeline, type TimelineQuery, type TimelineEntry, type Timeline } from './timeline.js';
export { timelineBatches } from './timeline-batches.js';
export { causality, type Causality, type CausalityOptions } from './causality.js';
export { buildCausalityTree, PRIVATE_EVENT_LABEL, type CausalityNode, type CausalityTreeOptions } from './causality-tree.js';
export { foldTaskState, taskState, type TaskState, type TaskStatus } from './task-state.js';
export { resolveSubject, type Subject } from './subject.js';
export { resolveEventId, type ResolveEventIdOptions } from './event-ref.js';
export { checkKindFilter } from './kind-filter.js';
export { resolveTime, parseDuration, type ResolveTimeOptions } from './time-spec.js';
export { compareEvents } from './event-order.js';
export { foldRuns, type FoldedRun, type FoldedRuns, type FoldRunsOptions, type RunProblem } from './runs/fold-runs.js';
export { listRuns, newestFirst, type RunQuery, type RunList, type RunReadOptions } from './runs/list-runs.js';
export { findRun, attemptOrder, type RunDetail } from './runs/find-run.js';
export { verifyRuns, verifyRunStore, type RunVerification } from './runs/verify-runs.js';
export { processLiveness, type RunnerLiveness } from './runs/runner-liveness.js';
export { followTimeline, type FollowTimelineOptions, type FollowedBatch, type TimelineFollow } from './follow-timeline.js';
export { verifyStore, type StoreVerification, type VerifyCheck } from './verify-store.js';
export {
  diffRuns,
  type DiffOptions, type DiffChange, type DiffSide, type DiffTask, type DiffTaskSnapshot, type DiffRun, type DiffRunSnapshot,
  type DiffDivergence, type RunDiff,
} from './run-diff.js';
export {
  taskWaits, storeWaits,
  type WaitsOptions, type WaitKind, type WaitStep, type BlockedSpan, type TaskWaits, type StoreWaits,
} from './task-waits.js';
export { findDeadlocks, blockedNow, type WaitTarget, type WaitingTask } from './wait-for-graph.js';
export { findLoops, type WaitLoop } from './wait-loops.js';
export { jsonText } from './json-text.js';
export {
  timelineJson, causalityJson, statsJson, type TimelineJson, type CausalityJson, type CausalityNodeJson, type StatsJson,
  type PendingSpoolFigures,
} from './json-contract.js';
