import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, type Stats } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { isPostgresLocation, redactLocation } from '@tracekernel/store';


/** `$XDG_STATE_HOME/tracekernel`, else `~/.local/state/tracekernel`: per user, never a shared temp path. */
export function stateDirectory(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_STATE_HOME;
  const base = xdg && isAbsolute(xdg) ? xdg : join(env.HOME || homedir(), '.local', 'state');
  return join(base, 'tracekernel');
}

/**
 * Where a store's spool files live, in the order a writer tries them: beside a store file
 * (`.trace/spool/<file name>/`), then the per-user fallback (`<state dir>/spool/<hash of the
 * location>/`). Each store has directories of its own, so two stores never share a spool.
 */
export function spoolDirectories(location: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const key = redactLocation(location);
  const fallback = join(stateDirectory(env), 'spool', createHash('sha256').update(key).digest('hex').slice(0, 16));
  return isPostgresLocation(location) ? [fallback] : [join(dirname(location), 'spool', basename(location)), fallback];
}

/** Creates a spool directory (0700, the state directory too) and checks that it is safe to use. */
export function ensureSpoolDirectory(directory: string, env: NodeJS.ProcessEnv = process.env): void {
  const state = stateDirectory(env);
  if (directory.startsWith(state + '/')) mkdirSync(state, { recursive: true, mode: 0o700 });
  mkdirSync(directory, { recursive: true, mode: 0o700 });
  const problem = unsafeEntry(lstatSync(directory), 'directory');
  if (problem) throw new Error(`spool directory ${directory} ${problem}`);
}

/**
 * Why a spool file or directory must not be trusted, or null: it must be ours (another user could
 * otherwise plant forged events) and writable by nobody else (a crc32 is no authentication).
 */
export function unsafeEntry(stats: Stats, kind: 'file' | 'directory'): string | null {
  if (kind === 'file' ? !stats.isFile() : !stats.isDirectory()) return `is not a ${kind}`;
  const uid = process.getuid?.();
  if (uid !== undefined && stats.uid !== uid) return `is owned by uid ${stats.uid}, not by this user (uid ${uid})`;
  if ((stats.mode & 0o022) !== 0) return `is writable by ${stats.mode & 0o020 ? 'its group' : 'others'} (mode ${(stats.mode & 0o777).toString(8)})`;
  return null;
}
