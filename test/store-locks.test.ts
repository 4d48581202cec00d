import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { countEvents, storePath } from './helpers/store-files.js';
import { EVENT_ID, emit, tempDirs, trace } from './helpers/trace-cli.js';

const dirs = tempDirs();
afterEach(() => dirs.cleanup());

const HOLD_LOCK = fileURLToPath(new URL('../packages/store/test/fixtures/hold-lock.mjs', import.meta.url));
const SDK = fileURLToPath(new URL('../packages/sdk/dist/index.js', import.meta.url));

/** Another process holding the store's write lock (BEGIN IMMEDIATE) for `ms`. */
async function holdLock(path: string, ms: number): Promise<{ child: ChildProcess; released: Promise<unknown>; release: () => void }> {
  const child = spawn(process.execPath, [HOLD_LOCK, path, String(ms)], { stdio: ['pipe', 'pipe', 'inherit'] });
  child.stdin!.on('error', () => {});
  const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
  expect(line).toBe('locked');
  return { child, released: once(child, 'exit'), release: () => child.stdin!.end('release\n') };
}

/** A later tracer on the store, in its own process: it replays what was spooled, then closes. */
async function laterTracer(db: string): Promise<void> {
  // A file, not -e: the writer thread inherits the process's execArgv, and --input-type stops it.
  const script = join(dirname(db), 'later-tracer.mjs');
  writeFileSync(script, `import { createTracer } from ${JSON.stringify(SDK)};
    const tracer = createTracer({ agentId: 'later', db: ${JSON.stringify(db)} });
    await tracer.close();
    if (tracer.stats().errors > 0) { console.error(tracer.stats().lastError); process.exit(1); }`);
  const child = spawn(process.execPath, [script], { stdio: 'inherit' });
  const [code] = (await once(child, 'exit')) as [number];
  expect(code).toBe(0);
}

function copiesOf(db: string, id: string): number {
  const raw = new Database(db, { readonly: true });
  try {
    return raw.prepare("SELECT count(*) FROM events WHERE id = unhex(?, '-')").pluck().get(id) as number;
  } finally {
    raw.close();
  }
}

describe('trace emit while another process holds the write lock', () => {
  it('a lock held past the 10 s emit waits: the event is spooled, emit says so and exits 0; a later tracer stores it exactly once', async () => {
    const cwd = dirs.make();
    await emit(['spawn', 'wake', '--agent', 'a'], { cwd });
    const db = storePath(cwd);
    // Held until emit has given up (at least its 10 s), however slow the machine.
    const lock = await holdLock(db, 120_000);
    // Before: exit 1 with "database is locked", and the event was neither stored nor spooled.
    const result = await trace(['emit', 'ops', 'create_task', '--agent', 'a', '--target', 'task-1', '--meta', '{"title":"kept"}'], { cwd });
    expect(result.stderr).toMatch(/is locked by another process \(waited \d+\.\d s for its write lock\); the event was spooled/);
    expect(result.code).toBe(0);
    const id = result.stdout.trim();
    expect(id).toMatch(EVENT_ID);
    expect(copiesOf(db, id)).toBe(0);
    lock.release();
    await lock.released;

    await laterTracer(db);
    expect(copiesOf(db, id)).toBe(1);
    await laterTracer(db);
    expect(copiesOf(db, id)).toBe(1);
    expect(countEvents(db)).toBe(2);
    const shown = await trace(['--task', 'task-1', '--json'], { cwd });
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.stdout).events.map((event: { id: string }) => event.id)).toEqual([id]);
  }, 120_000);

  it('a lock released within the wait: the event is stored, and nothing is said', async () => {
    const cwd = dirs.make();
    await emit(['spawn', 'wake', '--agent', 'a'], { cwd });
    const db = storePath(cwd);
    const lock = await holdLock(db, 1500);
    const result = await trace(['emit', 'spawn', 'sleep', '--agent', 'a'], { cwd });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(copiesOf(db, result.stdout.trim())).toBe(1);
    await lock.released;
  }, 30_000);
});
