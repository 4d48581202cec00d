import type { EventCatalog } from '@tracekernel/schema';
import { SqliteTraceStore } from './sqlite/sqlite-trace-store.js';
import { locateStore, storePathForWriting, type LocateOptions } from './locate-store.js';
import { TraceError } from '@tracekernel/schema';

export interface OpenStoreOptions extends LocateOptions {
  /** `write` creates `.trace/trace.db` in the working directory when no store is found. */
  mode?: 'read' | 'write';
  catalog?: EventCatalog;
  /** How long a write waits for another process's write lock before it fails with E_STORE_LOCKED. */
  lockTimeoutMs?: number;
}

/** Locates and opens the store the way the CLI and the SDK do. */
export function openStore(options: OpenStoreOptions = {}): SqliteTraceStore {
  const mode = options.mode ?? 'read';
  const path = mode === 'write' ? storePathForWriting(options) : locateStore(options);
  if (path === null) {
    throw new TraceError(
      'E_NO_STORE',
      `no trace store found in ${options.cwd ?? process.cwd()} or any parent directory (looked for .trace/trace.db; set --db or TRACE_DB)`,
    );
  }
  return SqliteTraceStore.open({
    path,
    mode,
    ...(options.catalog ? { catalog: options.catalog } : {}),
    ...(options.lockTimeoutMs === undefined ? {} : { lockTimeoutMs: options.lockTimeoutMs }),
  });
}
