export type { TraceStore, EventQuery, AppendResult, Ancestry, NameUsage, StoreStats, StoreCheck } from './trace-store.js';
export { locateStore, storePathForWriting, STORE_DIR, STORE_FILE, type LocateOptions } from './locate-store.js';
export { openStore, type OpenStoreOptions } from './open-store.js';
export { SqliteTraceStore, type SqliteStoreOptions } from './sqlite/sqlite-trace-store.js';
export { LATEST_STORE_VERSION } from './sqlite/sqlite-migrations.js';
