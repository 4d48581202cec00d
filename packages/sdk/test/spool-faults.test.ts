import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pendingSpools } from '@tracekernel/sdk';
import { spoolDirectories } from '../src/spool-directories.js';
import { readAll, tempStorePath } from './helpers.js';

const fixtures = join(import.meta.dirname, 'fixtures');

function stateEnv(state: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, XDG_STATE_HOME: state };
  delete env.TRACE_DB;
  delete env.TRACE_PARENT;
  return env;
}

interface ChildStats { spooled: number; written: number; replayed: number; lost: number; errorMessages?: string[] }

function run(fixture: string, args: string[], env: NodeJS.ProcessEnv): { stats: ChildStats; stderr: string } {
  const result = spawnSync(process.execPath, [join(fixtures, fixture), ...args], { env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`${fixture} exited ${result.status}: ${result.stderr}`);
  return { stats: JSON.parse(result.stdout) as ChildStats, stderr: result.stderr };
}

function breakStore(db: string): void {
  mkdirSync(dirname(db), { recursive: true });
  writeFileSync(db, 'this is not a database, it is a text file that happens to be here'.repeat(100));
}

function ids(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return text === '' ? [] : text.split('\n');
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

describe('a replay killed by SIGKILL', () => {
  it('is resumed by the next tracer, which stores every spooled event exactly once', async () => {
    const db = tempStorePath();
    const env = stateEnv(mkdtempSync(join(tmpdir(), 'tracekernel-state-')));
    const idsFile = join(dirname(db), 'ids.txt');
    breakStore(db);
    const { stats } = run('spool-events.mjs', [db, '200000', idsFile], env);
    expect(stats).toMatchObject({ spooled: 200_000, written: 0, lost: 0 });
    const acknowledged = ids(idsFile);
    expect(acknowledged).toHaveLength(200_000);
    writeFileSync(db, ''); // the store is back

    const beside = spoolDirectories(db, env)[0]!;
    let kills = 0;
    // Kill at the claim, then once the store has taken some, then more, of the events.
    for (const threshold of [0, 8 << 20, 20 << 20]) {
      const child = spawn(process.execPath, [join(fixtures, 'replay-spool.mjs'), db], { env, stdio: 'ignore' });
      const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
      let done = false;
      void exited.then(() => (done = true));
      while (!done) {
        const claimed = readdirSync(beside).some((name) => name.endsWith(`.replaying-${child.pid}`));
        if (claimed && sizeOf(db) + sizeOf(`${db}-wal`) >= threshold) {
          child.kill('SIGKILL');
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      if ((await exited) === 'SIGKILL') kills++;
    }
    expect(kills).toBeGreaterThan(0);
    expect(readdirSync(beside).some((name) => name.includes('.replaying-'))).toBe(true); // a dead replayer's claim

    const last = run('replay-spool.mjs', [db], env).stats;
    expect(last.lost).toBe(0);
    const stored = await readAll(db);
    expect(stored).toHaveLength(200_000);
    expect(new Set(stored.map((event) => event.id))).toEqual(new Set(acknowledged));
    expect(readdirSync(beside)).toEqual([]);
    console.log(`SIGKILL during replay: ${kills} kills survived, 200000 of 200000 acknowledged events stored once`);
  }, 300_000);
});

/** A 1 MiB tmpfs, or the reason there is none (mounting needs root). */
function mountSmallTmpfs(): { dir: string } | { reason: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tracekernel-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir], { stdio: 'pipe' });
    return { dir };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    return { reason: `cannot mount a tmpfs (${((error as { stderr?: Buffer }).stderr?.toString() || (error as Error).message).trim()})` };
  }
}

const mounts: string[] = [];
afterAll(() => {
  for (const dir of mounts) spawnSync('umount', [dir]);
});

function fill(dir: string): string {
  const filler = join(dir, 'filler');
  const chunk = Buffer.alloc(4096, 1);
  try {
    for (;;) appendFileSync(filler, chunk);
  } catch {
    // full
  }
  return filler;
}

/** Frees space the way an operator would: the filesystem grows (1 MiB holds only ~3,000 stored events). */
function grow(dir: string): void {
  execFileSync('mount', ['-o', 'remount,size=64m', dir]);
}

const probe = mountSmallTmpfs();
if ('reason' in probe) console.log(`skipping the disk-full spool tests: ${probe.reason}`);
else spawnSync('umount', [probe.dir]);

describe.skipIf('reason' in probe)('a full disk', () => {
  function fullDisk(): string {
    const mounted = mountSmallTmpfs();
    if ('reason' in mounted) throw new Error(mounted.reason);
    mounts.push(mounted.dir);
    return mounted.dir;
  }

  it('keeps every acknowledged event across a tracer that starts while the disk is still full', async () => {
    const disk = fullDisk();
    const db = join(disk, '.trace', 'trace.db');
    const env = stateEnv(mkdtempSync(join(tmpdir(), 'tracekernel-state-')));
    const idsFile = join(mkdtempSync(join(tmpdir(), 'tracekernel-ids-')), 'ids.txt');
    run('spool-events.mjs', [db, '10', idsFile], env);
    const first = ids(idsFile);
    const filler = fill(disk);

    const writer = run('spool-events.mjs', [db, '30000', idsFile], env).stats;
    expect(writer.lost).toBe(0);
    expect(writer.spooled).toBeGreaterThan(0);
    const acknowledged = ids(idsFile);
    expect(acknowledged).toHaveLength(30_000);

    const early = run('replay-spool.mjs', [db], env).stats;
    expect(early.errorMessages!.length).toBeGreaterThan(0); // the store is still full
    const pending = pendingSpools(db, env);
    expect(pending.length).toBeGreaterThan(0);
    expect(pending.every((spool) => !spool.path.includes('.replaying-') && spool.refused === null)).toBe(true);

    grow(disk); // space freed: room for the store to take the 30,000
    rmSync(filler);
    const late = run('replay-spool.mjs', [db], env).stats;
    expect(late).toMatchObject({ lost: 0, errorMessages: [] });
    const stored = new Set((await readAll(db)).map((event) => event.id));
    expect(stored.size).toBe(30_010);
    for (const id of [...first, ...acknowledged]) expect(stored.has(id)).toBe(true);
    expect(pendingSpools(db, env)).toEqual([]);
  }, 300_000);

  it('falls back to the next spool directory, and counts exactly what no directory could keep', async () => {
    const disk = fullDisk();
    const db = join(disk, '.trace', 'trace.db');
    breakStore(db);
    const state = join(disk, 'state');
    mkdirSync(state);
    const idsFile = join(mkdtempSync(join(tmpdir(), 'tracekernel-ids-')), 'ids.txt');
    const realState = mkdtempSync(join(tmpdir(), 'tracekernel-state-'));
    const filler = fill(disk);

    // The spool beside the store is full: the per-user directory takes every event.
    const fallback = run('spool-events.mjs', [db, '20000', idsFile], stateEnv(realState)).stats;
    expect(fallback).toMatchObject({ spooled: 20_000, lost: 0 });
    const acknowledged = ids(idsFile);
    expect(acknowledged).toHaveLength(20_000);

    // Every directory is full: the events are lost, counted exactly, flush() rejects, and with
    // nobody listening for 'error' the process says so on stderr, once.
    const nowhere = run('spool-events.mjs', [db, '5000', idsFile, 'quiet'], stateEnv(state));
    expect(nowhere.stats).toMatchObject({ spooled: 0, written: 0, lost: 5000 });
    expect(ids(idsFile)).toEqual([]);
    expect(nowhere.stderr.match(/tracekernel: lost \d+ events/g)).toHaveLength(1);

    grow(disk);
    rmSync(filler);
    writeFileSync(db, '');
    const replayer = run('replay-spool.mjs', [db], stateEnv(realState)).stats;
    expect(replayer).toMatchObject({ replayed: 20_000, errorMessages: [] });
    expect((await readAll(db)).map((event) => event.id).sort()).toEqual([...acknowledged].sort());
    expect(existsSync(join(realState, 'tracekernel'))).toBe(true);
  }, 300_000);
});
