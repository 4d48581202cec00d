export { Tracer, type TracerOptions, type EmitFields, type Causation, type TracerStats } from './tracer.js';
export type { HelperFields, TypedHelpers, BuiltinHelpers } from './typed-helpers.js';
export { createTracer } from './create-tracer.js';
