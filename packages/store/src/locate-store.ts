import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export const STORE_DIR = '.trace';
export const STORE_FILE = 'trace.db';

export interface LocateOptions {
  /** An explicit path (`--db`); wins over everything. */
  db?: string | undefined;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * Finds the store as git finds `.git`: an explicit path or TRACE_DB first, then the nearest
 * `.trace/trace.db` walking up from the working directory. Returns null when there is none.
 */
export function locateStore(options: LocateOptions = {}): string | null {
  const cwd = options.cwd ?? process.cwd();
  const explicit = options.db ?? (options.env ?? process.env).TRACE_DB;
  if (explicit) return resolve(cwd, explicit);
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const candidate = join(dir, STORE_DIR, STORE_FILE);
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) return null;
  }
}

/** Where a writer stores events: the located store, or a new `.trace/trace.db` in the working directory. */
export function storePathForWriting(options: LocateOptions = {}): string {
  return locateStore(options) ?? join(resolve(options.cwd ?? process.cwd()), STORE_DIR, STORE_FILE);
}
