export { otlpToEvents, spanKey, spanEventId } from './otlp-import.js';
export { eventsToOtlp, type OtlpExportOptions } from './otlp-export.js';
export { eventsToPerfetto, type PerfettoTrace, type TraceEventEntry } from './perfetto-export.js';
export { KERNEL_ATTRIBUTE } from './kernel-attributes.js';
export type { OtlpTraceRequest, OtlpSpan, OtlpAnyValue, OtlpKeyValue } from './otlp-json.js';
