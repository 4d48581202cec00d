import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { TraceError } from '@tracekernel/schema';

export interface LedgerLockOptions {
  /** How long to wait for another writer (default 60 s). */
  timeoutMs?: number;
  /** git lock files the ledger alone writes: removed once the lock is ours, since their writer must be dead. */
  gitLocks?: () => string[];
}

interface LockOwner {
  pid: number;
  host: string;
  token: string;
}

function readOwner(path: string): LockOwner | null {
  try {
    const owner = JSON.parse(readFileSync(path, 'utf8')) as LockOwner;
    return typeof owner.pid === 'number' && typeof owner.host === 'string' ? owner : null;
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/**
 * Runs `fn` holding the ledger's own lock, a file in the git directory (`trace-ledger.lock`), so
 * that worktree commits, tag creation and notes updates from several processes never interleave.
 * git's own locks fail at once when taken; ours waits. A lock whose owner is a dead process on this
 * host is taken over; a lock from another host (a shared network disk) is only waited for.
 */
export async function withLedgerLock<T>(gitCommonDir: string, fn: () => Promise<T>, options: LedgerLockOptions = {}): Promise<T> {
  const path = join(gitCommonDir, 'trace-ledger.lock');
  const me: LockOwner = { pid: process.pid, host: hostname(), token: randomBytes(8).toString('hex') };
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  let delay = 5;
  for (;;) {
    try {
      writeFileSync(path, JSON.stringify(me), { flag: 'wx', mode: 0o644 });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new TraceError('E_LEDGER', `cannot create the ledger lock ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
      }
    }
    const owner = readOwner(path);
    if (owner === null ? lockAgeMs(path) > 10_000 : owner.host === me.host && !alive(owner.pid)) {
      takeOver(path, owner);
      continue;
    }
    if (Date.now() > deadline) {
      throw new TraceError('E_LEDGER', `the ledger is locked by pid ${owner?.pid ?? '?'} on ${owner?.host ?? '?'} (${path}); try again, or remove the file if that process is gone`);
    }
    await sleep(delay);
    delay = Math.min(delay * 2, 100);
  }
  try {
    for (const lock of options.gitLocks?.() ?? []) rmSync(lock, { force: true });
    return await fn();
  } finally {
    if (readOwner(path)?.token === me.token) rmSync(path, { force: true });
  }
}

function lockAgeMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

/**
 * Moves a dead owner's lock aside. Two processes may find the same dead lock; only one rename
 * succeeds, and a process that finds it moved a live lock instead (a race with a newer owner) puts
 * it back.
 */
function takeOver(path: string, dead: LockOwner | null): void {
  const aside = `${path}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    renameSync(path, aside);
  } catch {
    return;
  }
  const moved = readOwner(aside);
  if (moved && dead && moved.token !== dead.token) {
    try {
      writeFileSync(path, JSON.stringify(moved), { flag: 'wx' });
    } catch {
      // someone else holds it now as well; their rename check will see ours
    }
  }
  rmSync(aside, { force: true });
}
