import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { TraceError, type EventCatalog } from '@tracekernel/schema';
import { CONFIG_FILE, STORE_DIR, STORE_FILE, locateStore, storePathForWriting, type LocateOptions } from './locate-store.js';
import { PostgresTraceStore } from './postgres/postgres-trace-store.js';
import { SqliteTraceStore } from './sqlite/sqlite-trace-store.js';
import { isPostgresLocation, redactLocation } from './store-location.js';
import type { TraceStore } from './trace-store.js';

export interface OpenLocationOptions {
  /** `write` creates the store when missing (a file and its directory, or the tables in an empty database). */
  mode?: 'read' | 'write';
  catalog?: EventCatalog;
  /** How long a write waits for another process's write lock before it fails with E_STORE_LOCKED. */
  lockTimeoutMs?: number;
}

export interface OpenStoreOptions extends LocateOptions, OpenLocationOptions {}

/**
 * Opens the store at a location: a `postgres://` or `postgresql://` URL opens PostgreSQL, and
 * anything else is a SQLite file path.
 *
 * @example
 * const store = await openStoreAt('postgres://trace@db.internal/trace', { mode: 'write' });
 */
export async function openStoreAt(location: string, options: OpenLocationOptions = {}): Promise<TraceStore> {
  const mode = options.mode ?? 'read';
  const catalog = options.catalog ? { catalog: options.catalog } : {};
  if (isPostgresLocation(location)) return PostgresTraceStore.open({ url: location, mode, ...catalog });
  const lockTimeout = options.lockTimeoutMs === undefined ? {} : { lockTimeoutMs: options.lockTimeoutMs };
  return SqliteTraceStore.open({ path: location, mode, ...catalog, ...lockTimeout });
}

/** Locates (see {@link locateStore}) and opens the store the way the CLI and the SDK do. */
export async function openStore(options: OpenStoreOptions = {}): Promise<TraceStore> {
  const mode = options.mode ?? 'read';
  const location = mode === 'write' ? storePathForWriting(options) : locateStore(options);
  if (location === null) {
    throw new TraceError(
      'E_NO_STORE',
      `no trace store found in ${options.cwd ?? process.cwd()} or any parent directory (looked for .trace/; set --db or TRACE_DB, or run trace init)`,
    );
  }
  return openStoreAt(location, {
    mode,
    ...(options.catalog ? { catalog: options.catalog } : {}),
    ...(options.lockTimeoutMs === undefined ? {} : { lockTimeoutMs: options.lockTimeoutMs }),
  });
}

export interface InitStoreResult {
  /** The config file written. */
  config: string;
  /** The store's location, without credentials. */
  location: string;
  dialect: 'sqlite' | 'postgres';
}

/**
 * `trace init`: points the checkout at a store by writing `.trace/config.json` in `cwd`, and creates
 * the store (a SQLite file at `.trace/trace.db` without `store`, else the tables on the server).
 * The store is opened first, so a bad or unreachable URL writes nothing. Other keys of an
 * existing config.json are kept.
 */
export async function initStore(options: { cwd?: string; store?: string | undefined; catalog?: EventCatalog } = {}): Promise<InitStoreResult> {
  const root = resolve(options.cwd ?? process.cwd());
  const configured = options.store ?? join(STORE_DIR, STORE_FILE);
  const location = isPostgresLocation(configured) ? configured : resolve(root, configured);
  const store = await openStoreAt(location, { mode: 'write', ...(options.catalog ? { catalog: options.catalog } : {}) });
  await store.close();
  const dir = join(root, STORE_DIR);
  const path = join(dir, CONFIG_FILE);
  let config: Record<string, unknown> = {};
  if (existsSync(path)) {
    try {
      const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) config = parsed as Record<string, unknown>;
    } catch {
      throw new TraceError('E_USAGE', `${path}: not valid JSON; fix or remove it first`);
    }
  }
  config.store = configured;
  mkdirSync(dir, { recursive: true });
  // Written beside and renamed, so a reader never sees half a file.
  writeFileSync(`${path}.tmp`, `${JSON.stringify(config, null, 2)}\n`);
  renameSync(`${path}.tmp`, path);
  return { config: path, location: redactLocation(location), dialect: isPostgresLocation(location) ? 'postgres' : 'sqlite' };
}
