export { startServer, DEFAULT_HOST, DEFAULT_PORT, DEFAULT_MAX_BODY_BYTES, type ServerOptions, type RunningServer } from './trace-server.js';
export { isLoopbackHost } from './request-auth.js';
export { VIEWER_CSP } from './viewer-assets.js';
export type { IngestResult } from './event-ingest.js';
export type { TraceIngestResult } from './trace-ingest.js';
export { LEAN_COLUMNS, LEAN_METADATA_KEYS } from './lean-events.js';
export { MAX_IDS } from './read-api.js';
