export { timeline, type TimelineQuery, type TimelineEntry, type Timeline } from './timeline.js';
export { causality, type Causality } from './causality.js';
export { buildCausalityTree, type CausalityNode } from './causality-tree.js';
export { foldTaskState, taskState, type TaskState, type TaskStatus } from './task-state.js';
export { resolveSubject, type Subject } from './subject.js';
export { resolveTime, type ResolveTimeOptions } from './time-spec.js';
export { compareEvents } from './event-order.js';
