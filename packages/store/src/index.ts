export type {
  TraceStore, EventQuery, AppendResult, Ancestry, NameUsage, StoreStats, StoreCursor, ChangesOptions, ChangeBatch,
  FollowOptions, PruneOptions, PruneReport, StoreCheck, InferredEdge,
} from './trace-store.js';
export {
  locateStore, storePathForWriting, readStoreConfig, STORE_DIR, STORE_FILE, CONFIG_FILE, type LocateOptions, type StoreConfig,
} from './locate-store.js';
export { redactKeys, type RedactKeysOptions } from './redact-keys.js';
export { openStore, openStoreAt, initStore, type OpenStoreOptions, type OpenLocationOptions, type InitStoreResult } from './open-store.js';
export { isPostgresLocation, redactLocation } from './store-location.js';
export { SqliteTraceStore, type SqliteStoreOptions } from './sqlite/sqlite-trace-store.js';
export { PostgresTraceStore, type PostgresStoreOptions } from './postgres/postgres-trace-store.js';
export { LATEST_STORE_VERSION } from './sqlite/sqlite-migrations.js';
export { LATEST_POSTGRES_VERSION } from './postgres/postgres-migrations.js';
