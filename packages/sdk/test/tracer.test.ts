import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createTracer } from '@tracekernel/sdk';
import { TraceError, isEventId, type TraceEvent } from '@tracekernel/schema';
import { readAll, tempStorePath } from './helpers.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

describe('emit', () => {
  it('returns the id at once and stores every field after close()', async () => {
    const db = tempStorePath();
    const tracer = createTracer({ agentId: 'zealot-1', db, session: '42' });
    const task = tracer.emit('ops', 'create_task', { target: 'task-abc123', metadata: { title: 'Build payment system' } });
    const cause = tracer.emit('bridge', 'send', { target: 'payments', metadata: { content: 'we need payments' } }, { parent: null });
    const claim = tracer.emit('ops', 'claim_task', { target: 'task-abc123', metadata: { attempt: 1 }, idempotencyKey: 'claim-1' }, { parent: task, causes: [cause] });
    expect([task, cause, claim].every(isEventId)).toBe(true);
    await tracer.close();

    const events = await readAll(db);
    expect(events.map((event) => event.id)).toEqual([task, cause, claim]);
    expect(events[2]).toMatchObject({
      primitive: 'ops', type: 'claim_task', agent_id: 'zealot-1', target_id: 'task-abc123', session_id: '42',
      parent_event_id: task, causes: [cause], idempotency_key: 'claim-1', metadata: { attempt: 1 },
    });
    expect(tracer.stats()).toMatchObject({ emitted: 3, written: 3, pending: 0, spooled: 0, errors: 0 });
  });

  it('throws a TraceError naming the field for invalid input, and stores nothing for it', async () => {
    const db = tempStorePath();
    const tracer = createTracer({ agentId: 'zealot-1', db });
    expect(() => tracer.emit('ops', 'create_task', { target: 't', metadata: { title: 7 } })).toThrow(/metadata\.title/);
    expect(() => tracer.emit('opz', 'create_task')).toThrow(TraceError);
    expect(() => tracer.emit('ops', 'claim_task', { target: 't' }, { parent: 'not-an-id' })).toThrow(/parent_event_id/);
    tracer.spawn.wake({});
    await tracer.close();
    expect((await readAll(db)).map((event) => event.type)).toEqual(['wake']);
  });

  it('offers typed helpers generated from the catalog', async () => {
    const db = tempStorePath();
    const tracer = createTracer({ agentId: 'zealot-1', db });
    const task = tracer.ops.createTask({ target: 'task-sub1', title: 'Adyen client', parent_task_id: 'task-abc123' });
    tracer.ops.blockTask({ target: 'task-sub1', reason: 'need API key', parent: task });
    tracer.memory.addEntry({ target: 'mem-1', topic: 'payments', content: 'stripe config issue' });
    await tracer.close();
    const events = await readAll(db);
    expect(events.map((event) => `${event.primitive}.${event.type}`)).toEqual(['ops.create_task', 'ops.block_task', 'memory.add_entry']);
    expect(events[0]!.metadata).toEqual({ title: 'Adyen client', parent_task_id: 'task-abc123' });
    expect(events[1]).toMatchObject({ parent_event_id: task, metadata: { reason: 'need API key' } });
  });

  it('marks duplicates of an idempotency key instead of storing them twice', async () => {
    const db = tempStorePath();
    const tracer = createTracer({ agentId: 'a', db });
    tracer.spawn.wake({ idempotencyKey: 'wake-once' });
    tracer.spawn.wake({ idempotencyKey: 'wake-once' });
    await tracer.close();
    expect(await readAll(db)).toHaveLength(1);
    expect(tracer.stats()).toMatchObject({ written: 1, duplicates: 1 });
  });

  it('publishes every event to live subscribers', async () => {
    const tracer = createTracer({ agentId: 'a', db: tempStorePath() });
    const seen: TraceEvent[] = [];
    tracer.on('event', (event) => seen.push(event));
    const id = tracer.spawn.wake({});
    await tracer.close();
    expect(seen.map((event) => event.id)).toEqual([id]);
  });

  it('registers user primitives with their own schemas and helpers', async () => {
    const { z } = await import('zod');
    const db = tempStorePath();
    const tracer = createTracer({ agentId: 'a', db }).register('deploy', {
      summary: 'Deployments', target: 'service',
      types: { ship: { summary: 'A service ships', description: '{agent} shipped {target} v{meta.version}', metadata: z.looseObject({ version: z.string() }) } },
    });
    const helpers = tracer as unknown as { deploy: { ship: (fields: object) => string } };
    helpers.deploy.ship({ target: 'api', version: '1.2.0' });
    expect(() => helpers.deploy.ship({ target: 'api', version: 3 })).toThrow(/metadata\.version/);
    await tracer.close();
    const [event] = await readAll(db);
    expect(event).toMatchObject({ primitive: 'deploy', type: 'ship', metadata: { version: '1.2.0' } });
    expect(tracer.catalog.describe(event!)).toBe('a shipped api v1.2.0');
  });
});

describe('causes', () => {
  it('gives events inside within() the enclosing parent, across awaits', async () => {
    const db = tempStorePath();
    const tracer = createTracer({ agentId: 'a', db });
    const root = tracer.ops.createTask({ target: 'task-1', title: 'root' });
    const [inner, explicit, none] = await tracer.within(root, async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      const inner = tracer.ops.claimTask({ target: 'task-1' });
      const explicit = tracer.within(inner, () => tracer.ops.completeTask({ target: 'task-1' }));
      const none = tracer.spawn.sleep({ parent: null });
      return [inner, explicit, none];
    });
    const outside = tracer.spawn.wake({});
    await tracer.close();
    const parents = new Map((await readAll(db)).map((event) => [event.id, event.parent_event_id]));
    expect(parents.get(inner)).toBe(root);
    expect(parents.get(explicit)).toBe(inner);
    expect(parents.get(none)).toBeNull();
    expect(parents.get(outside)).toBeNull();
  });

  it('hands the cause to a child process through TRACE_PARENT', async () => {
    const db = tempStorePath();
    const tracer = createTracer({ agentId: 'a', db });
    const spawnEvent = tracer.spawn.spawn({ target: 'child-agent' });
    await tracer.flush();
    const childId = execFileSync(process.execPath, [join(fixtures, 'inherit-parent.mjs')], {
      env: tracer.childEnv(spawnEvent),
      encoding: 'utf8',
    });
    await tracer.close();
    const child = (await readAll(db)).find((event) => event.id === childId);
    expect(child).toMatchObject({ agent_id: 'child-agent', parent_event_id: spawnEvent });
  });
});

describe('durability', () => {
  it.each(['exit', 'natural'])('keeps every event when the process ends by %s without close()', (how) => {
    const db = tempStorePath();
    execFileSync(process.execPath, [join(fixtures, 'emit-and-exit.mjs'), db, '5000', how]);
    return readAll(db).then((events) => expect(events).toHaveLength(5000));
  });

  it('waits instead of dropping when its bounded buffer is full', async () => {
    const db = tempStorePath();
    const tracer = createTracer({ agentId: 'a', db, bufferBytes: 64 * 1024 });
    for (let i = 0; i < 20_000; i++) tracer.bridge.send({ target: `ch-${i % 7}`, content: `message number ${i}` });
    await tracer.close();
    expect(await readAll(db)).toHaveLength(20_000);
    expect(tracer.stats()).toMatchObject({ emitted: 20_000, written: 20_000, pending: 0 });
  });

  it('spools events when the store is unusable, reports the error, and replays them on the next open', async () => {
    const db = tempStorePath();
    mkdirSync(dirname(db), { recursive: true });
    writeFileSync(db, 'this is not a database, it is a text file that happens to be here'.repeat(100));
    const tracer = createTracer({ agentId: 'a', db });
    const errors: Error[] = [];
    tracer.on('error', (error) => errors.push(error));
    const ids = Array.from({ length: 50 }, (_, i) => tracer.bridge.send({ target: 'payments', content: `m${i}` }));
    await tracer.close();
    expect(tracer.stats()).toMatchObject({ emitted: 50, written: 0, spooled: 50 });
    expect(tracer.stats().errors).toBeGreaterThan(0);
    expect(errors[0]?.message).toMatch(/corrupt or not a SQLite database/);

    writeFileSync(db, ''); // the operator replaces the broken file
    const next = createTracer({ agentId: 'a', db });
    await next.close();
    expect(next.stats().replayed).toBe(50);
    expect((await readAll(db)).map((event) => event.id)).toEqual(ids);
  });
});

describe('many tracers in one process', () => {
  it('share one writer per store, and each close() makes its own events durable', async () => {
    const db = tempStorePath();
    const tracers = Array.from({ length: 20 }, (_, i) => createTracer({ agentId: `agent-${i}`, db }));
    tracers.forEach((tracer, i) => tracer.spawn.wake({ session: String(i) }));
    await tracers[0]!.close();
    expect((await readAll(db)).length).toBeGreaterThanOrEqual(1);
    await Promise.all(tracers.slice(1).map((tracer) => tracer.close()));
    const events = await readAll(db);
    expect(events.map((event) => event.agent_id).sort()).toEqual(tracers.map((tracer) => tracer.agentId).sort());
    expect(process.listenerCount('exit')).toBeLessThan(5); // one exit handler per writer, not per tracer
    // a tracer created after the others closed starts a fresh writer
    const late = createTracer({ agentId: 'late', db });
    late.spawn.sleep({});
    await late.close();
    expect(await readAll(db)).toHaveLength(21);
  });
});
