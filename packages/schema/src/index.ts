export { TraceError, isTraceError, type TraceErrorCode } from './trace-error.js';
export { parseTime, MAX_TS, TIME_FORMS, type ParseTimeOptions } from './parse-time.js';
export {
  newEventId,
  eventIdAt,
  eventIdTime,
  isEventId,
  parseEventId,
  shortEventId,
  isShortEventId,
  SHORT_ID_LENGTH,
  MIN_SHORT_ID_LENGTH,
  MAX_SHORT_ID_LENGTH,
} from './event-id.js';
export {
  SCHEMA_VERSION,
  KIND_NAME,
  MAX_CAUSES,
  MAX_METADATA_BYTES,
  eventSchema,
  eventIdSchema,
  jsonObjectSchema,
  toJsonEvent,
  type TraceEvent,
  type JsonEvent,
  type JsonObject,
  type PrivateEventStub,
} from './envelope.js';
export { Redactor, REDACTED, parseRedactList } from './redact.js';
export {
  EventCatalog,
  type EventInput,
  type PreparedEvent,
  type EventTypeDefinition,
  type MetadataInput,
  type PrimitiveDefinition,
} from './catalog.js';
export { builtinPrimitives, type BuiltinPrimitives } from './builtin-catalog.js';
export { compileDescription, type DescriptionTemplate } from './description-template.js';
export { listCatalog, type CatalogPrimitiveListing, type CatalogTypeListing } from './catalog-listing.js';
export { schemaDocuments } from './schema-documents.js';
export {
  RUN_SCHEMA_VERSION,
  isUuid,
  runTriggerSchema,
  runEndStatusSchema,
  runStatusSchema,
  runRetrievalSchema,
  runIoSchema,
  runRunnerSchema,
  runGrantsSchema,
  runErrorSchema,
  runStartMetadataSchema,
  runEndMetadataSchema,
  runRecordSchema,
  runPrimitive,
  runStartEventKey,
  runEndEventKey,
  readRunStart,
  readRunEnd,
  runSpanOf,
  runRecordFromEvents,
  runRecordToMetadata,
  parseRunRecordInput,
  type RunTrigger,
  type RunEndStatus,
  type RunStatus,
  type RunRetrieval,
  type RunIo,
  type RunRunner,
  type RunGrants,
  type RunErrorInfo,
  type RunStartMetadata,
  type RunStartMetadataInput,
  type RunEndMetadata,
  type RunEndMetadataInput,
  type RunRecord,
} from './run-record.js';
export { RUN_INVARIANTS, checkRunRecord, type RunInvariant, type RunViolation } from './run-invariants.js';
export { otelSpanSchema, otelPrimitive, type OtelSpan } from './otel-span.js';
