import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { parseRedactList } from '@tracekernel/schema';
import { STORE_DIR, STORE_FILE, readStoreConfig } from './locate-store.js';
import { isPostgresLocation } from './store-location.js';

export interface RedactKeysOptions {
  /** Keys the caller names itself (`createTracer({ redact })`). */
  redact?: readonly string[] | undefined;
  /** An explicit store location (`--db`); default TRACE_DB. */
  db?: string | undefined;
  cwd?: string;
  /** Where TRACE_REDACT and TRACE_DB are read from; default process.env. */
  env?: NodeJS.ProcessEnv;
}

/**
 * The directory whose `.trace/config.json` applies to the store a writer would use, found as the
 * store is: a store file inside a `.trace/` directory is governed by that directory's config;
 * otherwise (a URL, or a file elsewhere) the nearest `.trace/` walking up that names a store or
 * holds a trace.db, else the working directory, where a new store would be created.
 */
function configRoot(options: RedactKeysOptions): string {
  const cwd = resolve(options.cwd ?? process.cwd());
  const explicit = options.db ?? (options.env ?? process.env).TRACE_DB;
  if (explicit && !isPostgresLocation(explicit)) {
    const path = resolve(cwd, explicit);
    if (basename(dirname(path)) === STORE_DIR) return dirname(dirname(path));
  }
  for (let dir = cwd; ; dir = dirname(dir)) {
    if (readStoreConfig(dir)?.store !== undefined || existsSync(join(dir, STORE_DIR, STORE_FILE))) return dir;
    if (dirname(dir) === dir) return cwd;
  }
}

/**
 * Every metadata key to redact: the caller's, TRACE_REDACT's (comma-separated) and the `redact`
 * list of the `.trace/config.json` beside the store. The sources add up, so that no one of them
 * can switch off a redaction another asks for.
 *
 * @throws TraceError E_USAGE when that config.json cannot be read.
 */
export function redactKeys(options: RedactKeysOptions = {}): string[] {
  const env = options.env ?? process.env;
  return [...(options.redact ?? []), ...parseRedactList(env.TRACE_REDACT), ...(readStoreConfig(configRoot(options))?.redact ?? [])];
}
