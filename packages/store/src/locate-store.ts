import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { TraceError } from '@tracekernel/schema';
import { isPostgresLocation } from './store-location.js';

export const STORE_DIR = '.trace';
export const STORE_FILE = 'trace.db';
export const CONFIG_FILE = 'config.json';

export interface LocateOptions {
  /** An explicit location (`--db`): a file path or a postgres:// URL; wins over everything. */
  db?: string | undefined;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

/** What `.trace/config.json` may say about the store. Other keys belong to other parts of tracekernel. */
export interface StoreConfig {
  /** A postgres:// URL, or a file path relative to the directory that holds `.trace/`. */
  store?: string;
  /** Metadata keys replaced with "[redacted]" before an event leaves the emitting process. */
  redact?: string[];
}

/** Reads `<root>/.trace/config.json`; undefined when there is none. Throws E_USAGE when it is not valid. */
export function readStoreConfig(root: string): StoreConfig | undefined {
  const path = join(root, STORE_DIR, CONFIG_FILE);
  if (!existsSync(path)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new TraceError('E_USAGE', `${path}: not valid JSON (${(error as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new TraceError('E_USAGE', `${path}: expected a JSON object`);
  }
  const { store, redact } = parsed as { store?: unknown; redact?: unknown };
  if (store !== undefined && (typeof store !== 'string' || store.length === 0)) {
    throw new TraceError('E_USAGE', `${path}: store: expected a postgres:// URL or a file path`);
  }
  // A redaction list that cannot be read must not silently let the secrets it names through.
  if (redact !== undefined && (!Array.isArray(redact) || !redact.every((key) => typeof key === 'string' && key.trim() !== ''))) {
    throw new TraceError('E_USAGE', `${path}: redact: expected an array of metadata key names, e.g. ["api_key", "password"]`);
  }
  return { ...(store === undefined ? {} : { store }), ...(redact === undefined ? {} : { redact: redact as string[] }) };
}

function resolveLocation(base: string, location: string): string {
  return isPostgresLocation(location) ? location : resolve(base, location);
}

/**
 * Finds the store as git finds `.git`: an explicit location (`--db`) or TRACE_DB first, then,
 * walking up from the working directory, the nearest `.trace/` that names a store in its
 * config.json or holds a trace.db. Returns null when there is none. A location is a file path or
 * a postgres:// URL.
 */
export function locateStore(options: LocateOptions = {}): string | null {
  const cwd = options.cwd ?? process.cwd();
  const explicit = options.db ?? (options.env ?? process.env).TRACE_DB;
  if (explicit) return resolveLocation(cwd, explicit);
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const configured = readStoreConfig(dir)?.store;
    if (configured !== undefined) return resolveLocation(dir, configured);
    const candidate = join(dir, STORE_DIR, STORE_FILE);
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) return null;
  }
}

/** Where a writer stores events: the located store, or a new `.trace/trace.db` in the working directory. */
export function storePathForWriting(options: LocateOptions = {}): string {
  return locateStore(options) ?? join(resolve(options.cwd ?? process.cwd()), STORE_DIR, STORE_FILE);
}
