import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTracer, pendingSpools, type TracerOptions } from '@tracekernel/sdk';
import { EventCatalog, TraceError } from '@tracekernel/schema';
import { Spool } from '../src/spool.js';
import { spoolDirectories } from '../src/spool-directories.js';
import { readAll, tempStorePath } from './helpers.js';

/** A store and a per-user state directory of its own, so tests never touch ~/.local/state. */
function setup() {
  const db = tempStorePath();
  const state = mkdtempSync(join(tmpdir(), 'tracekernel-state-'));
  const env = { ...process.env, XDG_STATE_HOME: state, TRACE_DB: undefined, TRACE_PARENT: undefined };
  const tracer = (options: Partial<TracerOptions> = {}) => createTracer({ agentId: 'a', db, env, ...options });
  return { db, state, env, tracer, beside: spoolDirectories(db, env)[0]!, fallback: spoolDirectories(db, env)[1]! };
}

/** Makes the store unusable: a text file where the database should be. */
function breakStore(db: string): void {
  mkdirSync(dirname(db), { recursive: true });
  writeFileSync(db, 'this is not a database, it is a text file that happens to be here'.repeat(100));
}

function repairStore(db: string): void {
  writeFileSync(db, '');
}

function collectErrors(tracer: ReturnType<ReturnType<typeof setup>['tracer']>): Error[] {
  const errors: Error[] = [];
  tracer.on('error', (error) => errors.push(error));
  return errors;
}

const catalog = new EventCatalog();
const wake = (agent: string) => catalog.prepare({ primitive: 'spawn', type: 'wake', agent_id: agent }).event;

describe('spool files', () => {
  it('live in per-user directories created 0700, never in a shared temp path', async () => {
    const { db, state, tracer, beside, fallback } = setup();
    breakStore(db);
    const t = tracer();
    collectErrors(t);
    t.bridge.send({ target: 'payments', content: 'hello' });
    await t.close();
    expect(beside).toBe(join(dirname(db), 'spool', 'trace.db'));
    expect(fallback.startsWith(join(state, 'tracekernel', 'spool') + '/')).toBe(true);
    const { statSync } = await import('node:fs');
    expect(statSync(beside).mode & 0o777).toBe(0o700);
    const spooled = readdirSync(beside);
    expect(spooled).toHaveLength(1);
    expect(statSync(join(beside, spooled[0]!)).mode & 0o777).toBe(0o600);
  });

  it('skips a torn or altered record and replays the intact ones', async () => {
    const { db, env, tracer, beside } = setup();
    const spool = new Spool(db, env);
    const events = [0, 1, 2].map((i) => wake(`agent-${i}`));
    const file = spool.write(events);
    spool.closeFile();
    const closed = readdirSync(beside).map((name) => join(beside, name))[0]!;
    expect(closed).not.toBe(file); // renamed once its writer let go of it
    const { readFileSync } = await import('node:fs');
    // record 1 altered after writing; a torn half-line at the end, as a crash mid-write leaves it
    writeFileSync(closed, readFileSync(closed, 'utf8').replace('agent-1', 'agent-X') + 'deadbeef {"id":');
    const t = tracer();
    const errors = collectErrors(t);
    await t.close();
    expect(t.stats().replayed).toBe(2);
    expect((await readAll(db)).map((event) => event.agent_id)).toEqual(['agent-0', 'agent-2']);
    expect(readdirSync(beside)).toEqual([]);
    expect(errors.map((error) => error.message).join()).toMatch(/skipped 2 torn or altered spool records/);
  });

  it('belong to one store: two stores in one directory never replay each other', async () => {
    const { db: a, env, state } = setup();
    const b = join(dirname(a), 'b.db');
    breakStore(a);
    const ta = createTracer({ agentId: 'a', db: a, env });
    collectErrors(ta);
    const ids = Array.from({ length: 100 }, (_, i) => ta.bridge.send({ target: 'payments', content: `for a ${i}` }));
    await ta.close();
    expect(ta.stats()).toMatchObject({ spooled: 100, lost: 0 });

    const tb = createTracer({ agentId: 'b', db: b, env });
    tb.bridge.send({ target: 'payments', content: 'for b' });
    await tb.close();
    expect(tb.stats().replayed).toBe(0);
    expect((await readAll(b)).map((event) => event.agent_id)).toEqual(['b']);

    // A file copied into b's directory still names a.db in its header: refused, and kept.
    const aFiles = readdirSync(spoolDirectories(a, env)[0]!);
    const bDir = spoolDirectories(b, env)[0]!;
    mkdirSync(bDir, { recursive: true, mode: 0o700 });
    const { copyFileSync } = await import('node:fs');
    copyFileSync(join(spoolDirectories(a, env)[0]!, aFiles[0]!), join(bDir, aFiles[0]!));
    const tb2 = createTracer({ agentId: 'b', db: b, env });
    const errors = collectErrors(tb2);
    await tb2.close();
    expect(errors.map((error) => error.message).join()).toMatch(/belongs to the store .*trace\.db/);
    expect(await readAll(b)).toHaveLength(1);
    expect(readdirSync(bDir)).toHaveLength(1);

    repairStore(a);
    const ta2 = createTracer({ agentId: 'a', db: a, env });
    await ta2.close();
    expect(ta2.stats().replayed).toBe(100);
    expect((await readAll(a)).map((event) => event.id)).toEqual(ids);
    expect(state).toBeTruthy();
  });

  it('are refused, and kept, when another user owns them or others may write them', async () => {
    const { db, env, tracer, beside } = setup();
    const spool = new Spool(db, env);
    spool.write([wake('admin')]);
    spool.closeFile();
    const [name] = readdirSync(beside);
    chownSync(join(beside, name!), 65534, 65534);
    const t = tracer();
    const errors = collectErrors(t);
    await t.close();
    expect(errors.map((error) => error.message).join()).toMatch(/refusing to replay spool file .* owned by uid 65534/);
    expect(await readAll(db)).toEqual([]);
    expect(readdirSync(beside)).toEqual([name]);
    expect(pendingSpools(db, env)).toMatchObject([{ events: 1, refused: expect.stringMatching(/uid 65534/) }]);

    // Ours again, but the directory is writable by others: refused as a whole.
    chownSync(join(beside, name!), 0, 0);
    chmodSync(beside, 0o777);
    const t2 = tracer();
    const errors2 = collectErrors(t2);
    await t2.close();
    expect(errors2[0]).toBeInstanceOf(TraceError);
    expect(errors2.map((error) => error.message).join()).toMatch(/refusing to replay spool directory .* writable by its group/);
    expect(await readAll(db)).toEqual([]);

    chmodSync(beside, 0o700);
    const t3 = tracer();
    await t3.close();
    expect((await readAll(db)).map((event) => event.agent_id)).toEqual(['admin']);
  });

  it('left claimed by a replayer that died are replayed by the next tracer', async () => {
    const { db, env, tracer, beside } = setup();
    const spool = new Spool(db, env);
    const events = Array.from({ length: 10 }, (_, i) => wake(`agent-${i}`));
    spool.write(events);
    spool.closeFile();
    const [name] = readdirSync(beside);
    const deadPid = Number(execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']));
    renameSync(join(beside, name!), join(beside, `${name}.replaying-${deadPid}`));
    // a stranded claim of a live process stays alone (it is still being replayed)
    expect(pendingSpools(db, env)).toHaveLength(1);
    const t = tracer();
    await t.close();
    expect(t.stats().replayed).toBe(10);
    expect((await readAll(db)).map((event) => event.id)).toEqual(events.map((event) => event.id));
    expect(readdirSync(beside)).toEqual([]);
  });

  it('carry events with the most causes emit accepts, and never drop one silently', async () => {
    const { db, tracer } = setup();
    breakStore(db);
    const t = tracer();
    collectErrors(t);
    const causes = Array.from({ length: 257 }, (_, i) => t.spawn.wake({ target: `w-${i}` }));
    const wide = t.emit('bridge', 'send', { target: 'payments', metadata: { content: 'fan-in' } }, { causes: causes.slice(0, 256) });
    let wider: string | null = null;
    try {
      wider = t.emit('bridge', 'send', { target: 'payments', metadata: { content: 'wider' } }, { causes });
    } catch (error) {
      expect(error).toBeInstanceOf(TraceError); // the limit enforced at emit, with a clear error
      expect((error as Error).message).toMatch(/causes/);
    }
    await t.close();
    expect(t.stats().lost).toBe(0);
    repairStore(db);
    const next = tracer();
    const errors = collectErrors(next);
    await next.close();
    expect(errors).toEqual([]);
    const stored = await readAll(db);
    expect(stored.find((event) => event.id === wide)?.causes).toEqual(causes.slice(0, 256));
    if (wider) expect(stored.find((event) => event.id === wider)?.causes).toHaveLength(257);
    expect(stored).toHaveLength(257 + 1 + (wider ? 1 : 0));
  });

  it('an event larger than half of bufferBytes is refused at emit with a TraceError naming the limit', async () => {
    const { tracer } = setup();
    const t = tracer({ bufferBytes: 64 * 1024 });
    expect(() => t.bridge.send({ target: 'payments', content: 'x'.repeat(40_000) })).toThrow(TraceError);
    expect(() => t.bridge.send({ target: 'payments', content: 'x'.repeat(40_000) })).toThrow(/half of bufferBytes 65536/);
    t.bridge.send({ target: 'payments', content: 'small' });
    await t.close();
    expect(t.stats()).toMatchObject({ emitted: 1, written: 1 });
  });
});
