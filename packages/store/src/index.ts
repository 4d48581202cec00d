export type { TraceStore, EventQuery, AppendResult, Ancestry, NameUsage, StoreStats } from './trace-store.js';
export { locateStore, storePathForWriting, STORE_DIR, STORE_FILE, type LocateOptions } from './locate-store.js';
export { readTraceConfig, readStoreConfig, redactKeys, CONFIG_FILE, type TraceConfig, type RedactKeysOptions } from './trace-config.js';
export { openStore, type OpenStoreOptions } from './open-store.js';
export { SqliteTraceStore, type SqliteStoreOptions } from './sqlite/sqlite-trace-store.js';
export { LATEST_STORE_VERSION } from './sqlite/sqlite-migrations.js';
