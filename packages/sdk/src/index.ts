export { Tracer, type TracerOptions, type EmitFields, type Causation, type TracerStats } from './tracer.js';
export type { HelperFields, TypedHelpers, BuiltinHelpers } from './typed-helpers.js';
export { createTracer } from './create-tracer.js';
export { runTask, type TracerRunOptions, type RunHandle, type RunOutcome } from './run.js';
export { canonicalJson, configDigest, configFileDigest, inputDigest, gitHead, stackHash, type InputDigestOptions } from './run-digest.js';
export { slugOf, attemptKey, errorInfo, type RunOptions, type RunTask, type RunEnding, type RunLineage } from './run-metadata.js';
export { RunStoreWriter, assertRunInvariants, type RunStart } from './run-store-writer.js';
export { backfillRuns, type BackfillReport, type BackfillProblem, type BackfillOptions } from './run-backfill.js';
export { recordCommand, type CommandRunOptions, type CommandRunResult } from './run-command.js';
