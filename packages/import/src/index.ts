export { importSpace, openSpaceStore, type SpaceImportOptions, type SpaceImportReport, type SpaceImportSummary, type TableCounts } from './import-space.js';
export { inferCausality, INFERENCE_RULES, type InferMode, type InferenceRule } from './infer-causality.js';
export { inferStore, type InferStoreReport } from './infer-store.js';
export { importCatalog } from './import-catalog.js';
export { readSpaceDirectory, locateSpaceDirectory, type SpaceSource } from './space-source.js';
export { mapSpaceSource, type EventDraft, type InvalidRow, type SourceRef } from './space-mapping.js';
export { exportNdjson, importNdjson, type NdjsonImportReport, type NdjsonLineError } from './ndjson.js';
export { exportIncident, type IncidentReport } from './export-incident.js';
export { deterministicEventId } from './deterministic-id.js';
