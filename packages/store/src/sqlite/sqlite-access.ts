import { accessSync, constants, copyFileSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { TraceError } from '@tracekernel/schema';

const PERMISSION_CODES = new Set(['EACCES', 'EPERM', 'EROFS', 'SQLITE_CANTOPEN', 'SQLITE_PERM', 'SQLITE_AUTH']);

/** Whether a failure to open or write looks like missing permission (file, directory or filesystem). */
export function isPermissionFailure(error: unknown): boolean {
  const code = String((error as { code?: unknown }).code ?? '');
  return PERMISSION_CODES.has(code) || code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_CANTOPEN');
}

function who(): string {
  return typeof process.getuid === 'function' ? `uid ${process.getuid()}` : 'this user';
}

function ownerOf(path: string): string {
  try {
    const stat = statSync(path);
    return `owned by uid ${stat.uid}, mode ${(stat.mode & 0o777).toString(8).padStart(4, '0')}`;
  } catch {
    return 'unreadable';
  }
}

/** Why `path` cannot be written: the nearest thing in the way, or undefined when nothing is. */
function missingWritePermission(path: string): string | undefined {
  const check = (target: string): NodeJS.ErrnoException | undefined => {
    try {
      accessSync(target, constants.W_OK);
      return undefined;
    } catch (error) {
      return error as NodeJS.ErrnoException;
    }
  };
  if (existsSync(path)) {
    const error = check(path);
    if (error?.code === 'EROFS') return `it is on a read-only filesystem`;
    if (error) return `the file is not writable by ${who()} (${ownerOf(path)})`;
  }
  // WAL mode keeps two files beside the store (-wal, -shm), so a writer needs its directory too.
  let directory = dirname(path);
  while (!existsSync(directory) && dirname(directory) !== directory) directory = dirname(directory);
  const error = check(directory);
  if (error?.code === 'EROFS') return `it is on a read-only filesystem`;
  if (error) return `its directory ${directory} is not writable by ${who()} (${ownerOf(directory)}; a writer creates ${basename(path)}-wal and -shm there)`;
  for (const suffix of ['-wal', '-shm']) {
    const side = `${path}${suffix}`;
    if (existsSync(side) && check(side)) return `${side} is not writable by ${who()} (${ownerOf(side)})`;
  }
  return undefined;
}

/**
 * The error for a write that lacks permission: `E_STORE`, naming the path and what is missing, in
 * place of SQLite's "attempt to write a readonly database" or a raw EACCES.
 */
export function writePermissionError(path: string, cause: unknown): TraceError {
  const reason = missingWritePermission(path) ?? (cause as Error).message ?? String(cause);
  return new TraceError('E_STORE', `cannot write to the trace store ${path}: ${reason} (reading needs only read permission)`, { cause });
}

export interface ReadOnlyConnection {
  sqlite: Database.Database;
  /** Removes the snapshot, if the store had to be read from one. */
  cleanup: () => void;
}

/**
 * Opens a store for reading without writing to it or to its directory.
 *
 * A WAL store is read through its -shm index. When the directory (or filesystem) is read-only
 * and no -shm exists, SQLite cannot create one, and this build of better-sqlite3 accepts no
 * `file:` URI, so `?immutable=1` is not available. The store is then read from a private copy of
 * the file (and of its -wal, if any) in the temp directory: nobody can be writing to a store in a
 * directory that nobody can write to, so the copy is the store as it is.
 */
export function openReadOnly(path: string, timeout: number): ReadOnlyConnection {
  try {
    accessSync(path, constants.R_OK);
  } catch (error) {
    throw new TraceError('E_STORE', `cannot read the trace store ${path}: the file is not readable by ${who()} (${ownerOf(path)})`, { cause: error });
  }
  const direct = new Database(path, { readonly: true, fileMustExist: true, timeout });
  try {
    // The -shm is opened at the first read, not at open.
    direct.prepare('SELECT count(*) FROM sqlite_master').get();
    return { sqlite: direct, cleanup: () => {} };
  } catch (error) {
    direct.close();
    if (!isPermissionFailure(error)) throw error;
  }
  const snapshotDir = mkdtempSync(join(tmpdir(), 'tracekernel-read-'));
  try {
    const copy = join(snapshotDir, basename(path));
    copyFileSync(path, copy);
    if (existsSync(`${path}-wal`)) copyFileSync(`${path}-wal`, `${copy}-wal`);
    const sqlite = new Database(copy, { readonly: true, fileMustExist: true, timeout });
    return { sqlite, cleanup: () => rmSync(snapshotDir, { recursive: true, force: true }) };
  } catch (error) {
    rmSync(snapshotDir, { recursive: true, force: true });
    throw error;
  }
}
