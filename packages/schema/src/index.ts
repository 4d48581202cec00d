export { TraceError, isTraceError, type TraceErrorCode } from './trace-error.js';
export { newEventId, eventIdAt, eventIdTime, isEventId, parseEventId } from './event-id.js';
export {
  SCHEMA_VERSION,
  KIND_NAME,
  eventSchema,
  eventIdSchema,
  jsonObjectSchema,
  toJsonEvent,
  type TraceEvent,
  type JsonEvent,
  type JsonObject,
} from './envelope.js';
export {
  EventCatalog,
  type EventInput,
  type PreparedEvent,
  type EventTypeDefinition,
  type PrimitiveDefinition,
} from './catalog.js';
export { builtinPrimitives, type BuiltinPrimitives } from './builtin-catalog.js';
export { compileDescription, type DescriptionTemplate } from './description-template.js';
