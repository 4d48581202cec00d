import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fingerprint, storePath } from './helpers/store-files.js';
import { TRACE_BIN, cleanEnv, emit, errorLine, tempDirs, type TraceResult } from './helpers/trace-cli.js';

/**
 * Readers need only read access: a store whose file is 0444, whose directory or filesystem is
 * read-only, or that belongs to another user. Writers get E_STORE naming the path and what is
 * missing. The other user is uid 65534 (nobody); these tests need root to switch to it.
 */

const NOBODY = 65534;
const dirs = tempDirs();
let home: string;
beforeEach(() => {
  home = dirs.make('trace-home-');
  chmodSync(home, 0o777);
});
afterEach(() => dirs.cleanup());

/** Runs the built `trace` as `uid` (the current user by default). */
function traceAs(uid: number | undefined, args: readonly string[], cwd: string): Promise<TraceResult> {
  return new Promise((done) => {
    const ids = uid === undefined ? {} : { uid, gid: uid };
    execFile(process.execPath, [TRACE_BIN, ...args], { cwd, env: cleanEnv({ HOME: home }), ...ids }, (error, stdout, stderr) => {
      done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

/** A store with two events of agent `a`, in `dir/.trace`, left closed (no -wal, no -shm). */
async function storeIn(dir: string): Promise<string> {
  await emit(['spawn', 'wake', '--agent', 'a', '--ts', '2025-10-22T14:00:00Z'], { cwd: dir });
  await emit(['ops', 'create_task', '--agent', 'a', '--target', 'task-1', '--meta', '{"title":"t"}', '--ts', '2025-10-22T14:01:00Z'], { cwd: dir });
  return storePath(dir);
}

/** A directory that uid 65534 may enter. */
function openDir(): string {
  const dir = dirs.make();
  chmodSync(dir, 0o755);
  return dir;
}

async function expectReads(uid: number | undefined, cwd: string): Promise<void> {
  const timeline = await traceAs(uid, ['--agent', 'a', '--json'], cwd);
  expect(timeline.stderr).toBe('');
  expect(timeline.code).toBe(0);
  expect(JSON.parse(timeline.stdout).events.map((event: { type: string }) => event.type)).toEqual(['wake', 'create_task']);
  const stats = await traceAs(uid, ['stats', '--json'], cwd);
  expect(stats.code).toBe(0);
  expect(JSON.parse(stats.stdout).events).toBe(2);
  const task = await traceAs(uid, ['task-1'], cwd);
  expect(task.code).toBe(0);
  expect(task.stdout).toContain('task-1');
}

async function expectWriteRefused(uid: number | undefined, cwd: string, db: string, reason: RegExp): Promise<void> {
  const before = fingerprint(db);
  const result = await traceAs(uid, ['emit', 'spawn', 'sleep', '--agent', 'a', '--json'], cwd);
  expect(result.code).toBe(1);
  const error = JSON.parse(result.stdout).error;
  expect(error.code).toBe('E_STORE');
  expect(error.message).toContain(db);
  expect(error.message).toMatch(reason);
  expect(errorLine(result)).not.toMatch(/internal error|EACCES|readonly database/);
  expect(fingerprint(db)).toBe(before);
}

describe.skipIf(process.getuid?.() !== 0)('a store the reader may not write (as uid 65534)', () => {
  it('file mode 0444: reads work, emit says the file is not writable', async () => {
    const dir = openDir();
    const db = await storeIn(dir);
    chownSync(dir, NOBODY, NOBODY);
    chownSync(join(dir, '.trace'), NOBODY, NOBODY);
    chownSync(db, NOBODY, NOBODY);
    chmodSync(db, 0o444);
    await expectReads(NOBODY, dir);
    await expectWriteRefused(NOBODY, dir, db, /the file is not writable by uid 65534 \(owned by uid 65534, mode 0444\)/);
  });

  it('a read-only directory: reads work without creating -wal or -shm, emit names the directory', async () => {
    const dir = openDir();
    const db = await storeIn(dir);
    chownSync(join(dir, '.trace'), NOBODY, NOBODY);
    chownSync(db, NOBODY, NOBODY);
    chmodSync(join(dir, '.trace'), 0o555);
    await expectReads(NOBODY, dir);
    expect(readdirSync(join(dir, '.trace'))).toEqual(['trace.db']);
    await expectWriteRefused(NOBODY, dir, db, /its directory .*\.trace is not writable by uid 65534/);
  });

  it("another user's store (root's, mode 0644): reads work, emit names the owner and the missing permission", async () => {
    const dir = openDir();
    const db = await storeIn(dir);
    expect(statSync(db).mode & 0o777).toBe(0o644);
    await expectReads(NOBODY, dir);
    await expectWriteRefused(NOBODY, dir, db, /not writable by uid 65534 \(owned by uid 0/);
  });

  it('creating a store where uid 65534 may not: E_STORE naming the directory, not a raw EACCES', async () => {
    const dir = openDir();
    const result = await traceAs(NOBODY, ['emit', 'spawn', 'wake', '--agent', 'a'], dir);
    expect(result.code).toBe(1);
    expect(errorLine(result)).toMatch(new RegExp(`cannot write to the trace store ${dir}/\\.trace/trace\\.db: its directory ${dir} is not writable by uid 65534`));
  });
});

describe.skipIf(process.getuid?.() !== 0)("root reading uid 65534's store (mode 0644)", () => {
  it('reads, and leaves no root-owned file behind', async () => {
    const dir = openDir();
    const db = await storeIn(dir);
    for (const path of [dir, join(dir, '.trace'), db]) chownSync(path, NOBODY, NOBODY);
    await expectReads(undefined, dir);
    for (const name of readdirSync(join(dir, '.trace'))) expect(statSync(join(dir, '.trace', name)).uid).toBe(NOBODY);
  });
});

describe('a store on a read-only filesystem', () => {
  let mountPoint: string | undefined;
  let skipReason: string | undefined;
  beforeEach(() => {
    mountPoint = openDir();
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', mountPoint], { stdio: 'pipe' });
    } catch (error) {
      skipReason = `cannot mount a tmpfs (${String((error as { stderr?: Buffer }).stderr ?? error).trim()})`;
      mountPoint = undefined;
    }
  });
  afterEach(() => {
    if (mountPoint) execFileSync('umount', [mountPoint]);
  });

  it('reads work; emit says the filesystem is read-only', async (context) => {
    if (!mountPoint) {
      console.log(`skipped: ${skipReason}`);
      context.skip();
      return;
    }
    mkdirSync(join(mountPoint, 'work'));
    const cwd = join(mountPoint, 'work');
    const db = await storeIn(cwd);
    execFileSync('mount', ['-o', 'remount,ro', mountPoint]);
    await expectReads(undefined, cwd);
    await expectWriteRefused(undefined, cwd, db, /it is on a read-only filesystem/);
  });
});
