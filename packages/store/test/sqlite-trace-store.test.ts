import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { eventIdAt, eventIdTime, type TraceEvent } from '@tracekernel/schema';
import { LATEST_STORE_VERSION, SqliteTraceStore } from '@tracekernel/store';
import { minute, openTempStore, prepare, type TempStore } from './temp-store.js';

const ids = (events: readonly TraceEvent[]) => events.map((event) => event.id);
const byTsThenId = (a: TraceEvent, b: TraceEvent) => a.ts - b.ts || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

let t: TempStore;
beforeEach(() => {
  t = openTempStore();
});
afterEach(() => t.cleanup());

describe('append and get', () => {
  it('round-trips every envelope field, set and null', async () => {
    const full = prepare({
      primitive: 'ops', type: 'create_task', ts: minute(0), agent_id: 'a', target_id: 'task-1', session_id: 'sess-1',
      idempotency_key: 'key-1', metadata: { title: 'x', extra: { nested: [1, 'two', null, true] } },
    });
    const bare = prepare({ primitive: 'spawn', type: 'wake', ts: minute(1) });
    const linked = prepare({
      primitive: 'bridge', type: 'send', ts: minute(2), agent_id: 'b', target_id: 'chan-1',
      parent_event_id: full.event.id, causes: [bare.event.id, full.event.id], metadata: { content: 'hi' },
    });
    const results = await t.store.append([full, bare, linked]);
    expect(results).toEqual([
      { id: full.event.id, inserted: true },
      { id: bare.event.id, inserted: true },
      { id: linked.event.id, inserted: true },
    ]);

    const stored = await t.store.get([linked.event.id, full.event.id, bare.event.id]);
    expect(stored).toEqual([full.event, bare.event, linked.event]);
    expect(stored[0]).toMatchObject({
      agent_id: 'a', target_id: 'task-1', session_id: 'sess-1', idempotency_key: 'key-1', parent_event_id: null, causes: [],
      metadata: { title: 'x', extra: { nested: [1, 'two', null, true] } },
    });
    expect(stored[1]).toMatchObject({ agent_id: null, target_id: null, session_id: null, idempotency_key: null, metadata: {} });
    expect(stored[2]!.parent_event_id).toBe(full.event.id);
    expect(stored[2]!.causes).toEqual([bare.event.id, full.event.id]);
  });

  it('keeps an explicit ts, and an event without one has the time of its id', async () => {
    const explicit = t.emit({ primitive: 'spawn', type: 'wake', agent_id: 'a', ts: minute(-100) });
    const implicit = t.emit({ primitive: 'spawn', type: 'wake', agent_id: 'a' });
    const [first, second] = await t.store.get([explicit.id, implicit.id]);
    expect(first!.ts).toBe(minute(-100));
    expect(eventIdTime(first!.id)).toBe(minute(-100));
    expect(second!.ts).toBe(eventIdTime(implicit.id));
  });

  it('get ignores unknown ids and returns [] for none', async () => {
    const e = t.emit({ primitive: 'spawn', type: 'wake', ts: minute(0) });
    expect(ids(await t.store.get([eventIdAt(minute(5)), e.id]))).toEqual([e.id]);
    expect(await t.store.get([])).toEqual([]);
    expect(await t.store.get([eventIdAt(minute(5))])).toEqual([]);
  });

  it('orders by (ts, id), not by append order or by the id alone', async () => {
    const sameTs = [0, 1, 2, 3, 4].map(() => prepare({ primitive: 'spawn', type: 'wake', ts: minute(3) }));
    // An id whose embedded time is late but whose ts is early: ts decides.
    const early = prepare({ primitive: 'spawn', type: 'sleep', id: eventIdAt(minute(50)), ts: minute(1) });
    const late = prepare({ primitive: 'spawn', type: 'sleep', ts: minute(9) });
    const appended = [late, ...sameTs.reverse(), early];
    await t.store.append(appended);
    const expected = appended.map((p) => p.event).sort(byTsThenId);
    expect(ids(await t.store.query({}))).toEqual(ids(expected));
    expect(ids(await t.store.get(appended.map((p) => p.event.id)))).toEqual(ids(expected));
    expect((await t.store.query({}))[0]!.id).toBe(early.event.id);
  });

  it('a duplicate id is a no-op that keeps the first event', async () => {
    const first = prepare({ primitive: 'ops', type: 'create_task', ts: minute(0), agent_id: 'a', target_id: 'task-1', metadata: { title: 'first' } });
    const again = prepare({ primitive: 'ops', type: 'create_task', id: first.event.id, ts: minute(0), agent_id: 'b', target_id: 'task-2', metadata: { title: 'second' } });
    expect(await t.store.append([first])).toEqual([{ id: first.event.id, inserted: true }]);
    expect(await t.store.append([again])).toEqual([{ id: first.event.id, inserted: false }]);
    expect(await t.store.append([first])).toEqual([{ id: first.event.id, inserted: false }]);
    expect(await t.store.query({})).toEqual([first.event]);
  });

  it('a duplicate idempotency key is a no-op returning the first event id', async () => {
    const first = prepare({ primitive: 'spawn', type: 'wake', ts: minute(0), agent_id: 'a', idempotency_key: 'once' });
    const second = prepare({ primitive: 'spawn', type: 'wake', ts: minute(1), agent_id: 'b', idempotency_key: 'once' });
    expect(await t.store.append([first])).toEqual([{ id: first.event.id, inserted: true }]);
    expect(await t.store.append([second])).toEqual([{ id: first.event.id, inserted: false }]);
    expect(await t.store.get([second.event.id])).toEqual([]);
    expect(await t.store.getByIdempotencyKey('once')).toEqual(first.event);
    expect(await t.store.getByIdempotencyKey('never')).toBeUndefined();
    expect(await t.store.query({})).toEqual([first.event]);
  });

  it('a duplicate idempotency key inside one batch is skipped and the rest is stored', async () => {
    const first = prepare({ primitive: 'spawn', type: 'wake', ts: minute(0), idempotency_key: 'k' });
    const dup = prepare({ primitive: 'spawn', type: 'wake', ts: minute(1), idempotency_key: 'k' });
    const other = prepare({ primitive: 'spawn', type: 'sleep', ts: minute(2) });
    expect(await t.store.append([first, dup, other])).toEqual([
      { id: first.event.id, inserted: true },
      { id: first.event.id, inserted: false },
      { id: other.event.id, inserted: true },
    ]);
    expect(ids(await t.store.query({}))).toEqual([first.event.id, other.event.id]);
  });

  it('reuses names and kinds after the file is reopened', async () => {
    const before = t.emit({ primitive: 'ops', type: 'create_task', ts: minute(0), agent_id: 'a', target_id: 'task-1', session_id: 's', metadata: { title: 'x' } });
    await t.store.close();
    t.store = SqliteTraceStore.open({ path: t.path, mode: 'write' });
    const after = t.emit({ primitive: 'ops', type: 'create_task', ts: minute(1), agent_id: 'a', target_id: 'task-1', session_id: 's', metadata: { title: 'y' } });
    const claim = t.emit({ primitive: 'ops', type: 'claim_task', ts: minute(2), agent_id: 'task-1', target_id: 'a' });

    expect(await t.store.query({})).toEqual([before, after, claim]);
    expect(ids(await t.store.query({ agent: 'a' }))).toEqual([before.id, after.id]);
    expect(ids(await t.store.query({ kinds: ['ops.create_task'] }))).toEqual([before.id, after.id]);

    const raw = new Database(t.path, { readonly: true });
    try {
      expect(raw.prepare('SELECT name FROM names ORDER BY name').pluck().all()).toEqual(['a', 's', 'task-1']);
      expect(raw.prepare('SELECT primitive || \'.\' || type FROM kinds ORDER BY 1').pluck().all()).toEqual(['ops.claim_task', 'ops.create_task']);
    } finally {
      raw.close();
    }
  });

  it('a batch that fails part-way stores nothing, and forgets the names it had added', async () => {
    const known = t.emit({ primitive: 'spawn', type: 'wake', ts: minute(0), agent_id: 'known' });
    const good = prepare({ primitive: 'spawn', type: 'wake', ts: minute(1), agent_id: 'new-agent', session_id: 'new-session' });
    // A NOT NULL violation on the second event stands in for any failure inside the transaction.
    const bad = { ...prepare({ primitive: 'spawn', type: 'wake', ts: minute(2) }), metadataJson: null as unknown as string };
    expect(() => t.store.appendSync([good, bad])).toThrow(expect.objectContaining({ code: 'E_STORE' }));
    expect(await t.store.query({})).toEqual([known]);

    // Another connection now takes the name ids the rolled-back batch had used.
    const other = SqliteTraceStore.open({ path: t.path, mode: 'write' });
    const squatter = prepare({ primitive: 'spawn', type: 'wake', ts: minute(3), agent_id: 'squatter', session_id: 'squatter-session' });
    other.appendSync([squatter]);
    await other.close();

    expect(await t.store.append([good])).toEqual([{ id: good.event.id, inserted: true }]);
    expect(await t.store.query({})).toEqual([known, good.event, squatter.event]);
    expect(ids(await t.store.query({ agent: 'new-agent' }))).toEqual([good.event.id]);
  });

  it('a store opened for reading refuses to append', async () => {
    t.emit({ primitive: 'spawn', type: 'wake', ts: minute(0) });
    const reader = SqliteTraceStore.open({ path: t.path, mode: 'read' });
    try {
      expect(() => reader.appendSync([prepare({ primitive: 'spawn', type: 'wake', ts: minute(1) })])).toThrow(
        expect.objectContaining({ code: 'E_STORE' }),
      );
      expect(await reader.query({})).toHaveLength(1);
    } finally {
      await reader.close();
    }
  });
});

describe('query', () => {
  let e: Record<string, TraceEvent>;
  beforeEach(() => {
    e = {
      aliceWake: t.emit({ primitive: 'spawn', type: 'wake', ts: minute(0), agent_id: 'alice' }),
      create: t.emit({ primitive: 'ops', type: 'create_task', ts: minute(1), agent_id: 'alice', target_id: 'task-1', metadata: { title: 'x' } }),
      claim: t.emit({ primitive: 'ops', type: 'claim_task', ts: minute(2), agent_id: 'bob', target_id: 'task-1' }),
      send: t.emit({ primitive: 'bridge', type: 'send', ts: minute(3), agent_id: 'bob', target_id: 'chan-1', metadata: { content: 'hi' } }),
      complete: t.emit({ primitive: 'ops', type: 'complete_task', ts: minute(4), agent_id: 'bob', target_id: 'task-2' }),
      bobWake: t.emit({ primitive: 'spawn', type: 'wake', ts: minute(5), agent_id: 'bob' }),
      aliceSleep: t.emit({ primitive: 'spawn', type: 'sleep', ts: minute(6), agent_id: 'alice' }),
    };
  });
  const names = (events: readonly TraceEvent[]) => events.map((event) => Object.keys(e).find((key) => e[key]!.id === event.id));

  it('with no filter returns everything oldest first', async () => {
    expect(names(await t.store.query({}))).toEqual(['aliceWake', 'create', 'claim', 'send', 'complete', 'bobWake', 'aliceSleep']);
  });

  it('filters by agent', async () => {
    expect(names(await t.store.query({ agent: 'alice' }))).toEqual(['aliceWake', 'create', 'aliceSleep']);
    expect(names(await t.store.query({ agent: 'bob' }))).toEqual(['claim', 'send', 'complete', 'bobWake']);
  });

  it('filters by targets', async () => {
    expect(names(await t.store.query({ targets: ['task-1'] }))).toEqual(['create', 'claim']);
    expect(names(await t.store.query({ targets: ['task-2', 'task-1'] }))).toEqual(['create', 'claim', 'complete']);
    expect(names(await t.store.query({ targets: ['task-1', 'no-such-task'] }))).toEqual(['create', 'claim']);
  });

  it('filters by kinds, as a primitive or as primitive.type', async () => {
    expect(names(await t.store.query({ kinds: ['ops'] }))).toEqual(['create', 'claim', 'complete']);
    expect(names(await t.store.query({ kinds: ['spawn.wake'] }))).toEqual(['aliceWake', 'bobWake']);
    expect(names(await t.store.query({ kinds: ['spawn.wake', 'bridge'] }))).toEqual(['aliceWake', 'send', 'bobWake']);
    expect(await t.store.query({ kinds: ['memory'] })).toEqual([]);
    expect(await t.store.query({ kinds: ['spawn.nope'] })).toEqual([]);
  });

  it('bounds by [since, until)', async () => {
    expect(names(await t.store.query({ since: minute(2), until: minute(4) }))).toEqual(['claim', 'send']);
    expect(names(await t.store.query({ since: minute(5) }))).toEqual(['bobWake', 'aliceSleep']);
    expect(names(await t.store.query({ until: minute(1) }))).toEqual(['aliceWake']);
    expect(await t.store.query({ since: minute(3), until: minute(3) })).toEqual([]);
  });

  it('limit with order desc gives the latest N, newest first', async () => {
    expect(names(await t.store.query({ limit: 2, order: 'desc' }))).toEqual(['aliceSleep', 'bobWake']);
    expect(names(await t.store.query({ limit: 2 }))).toEqual(['aliceWake', 'create']);
    expect(names(await t.store.query({ agent: 'bob', kinds: ['ops'], limit: 1, order: 'desc' }))).toEqual(['complete']);
  });

  it('combines filters with AND', async () => {
    expect(names(await t.store.query({ agent: 'bob', kinds: ['ops'] }))).toEqual(['claim', 'complete']);
    expect(names(await t.store.query({ agent: 'alice', targets: ['task-1'], since: minute(1), until: minute(2) }))).toEqual(['create']);
  });

  it('an unknown agent or target gives []', async () => {
    expect(await t.store.query({ agent: 'carol' })).toEqual([]);
    expect(await t.store.query({ targets: ['task-9'] })).toEqual([]);
    // A name that exists but only as a target is not an agent.
    expect(await t.store.query({ agent: 'task-1' })).toEqual([]);
  });
});

describe('descendants and ancestors', () => {
  it('walks parent_event_id and causes, each event once (fan-in), oldest first', async () => {
    const unrelated = t.emit({ primitive: 'spawn', type: 'wake', ts: minute(-1), agent_id: 'u' });
    const root = t.emit({ primitive: 'spawn', type: 'wake', ts: minute(0), agent_id: 'a' });
    const c1 = t.emit({ primitive: 'spawn', type: 'sleep', ts: minute(1), agent_id: 'a', parent_event_id: root.id });
    const c2 = t.emit({ primitive: 'spawn', type: 'sleep', ts: minute(2), agent_id: 'a', parent_event_id: c1.id });
    // Caused by c1 only through causes; its primary parent is unrelated.
    const viaCause = t.emit({ primitive: 'spawn', type: 'sleep', ts: minute(3), agent_id: 'a', parent_event_id: unrelated.id, causes: [c1.id] });
    // Fan-in: reachable through its parent and through two causes.
    const fanIn = t.emit({ primitive: 'spawn', type: 'sleep', ts: minute(4), agent_id: 'a', parent_event_id: c2.id, causes: [c1.id, viaCause.id] });
    const other = t.emit({ primitive: 'spawn', type: 'wake', ts: minute(5), agent_id: 'z' });

    expect(ids(await t.store.descendants([root.id]))).toEqual([c1.id, c2.id, viaCause.id, fanIn.id]);
    expect(ids(await t.store.descendants([unrelated.id]))).toEqual([viaCause.id, fanIn.id]);
    expect(ids(await t.store.descendants([root.id, unrelated.id]))).toEqual([c1.id, c2.id, viaCause.id, fanIn.id]);
    expect(ids(await t.store.descendants([root.id], { limit: 2 }))).toEqual([c1.id, c2.id]);
    expect(await t.store.descendants([other.id])).toEqual([]);
    expect(await t.store.descendants([])).toEqual([]);
  });

  it('finds a child whose parent was appended after it, and chains through it', async () => {
    const root = t.emit({ primitive: 'spawn', type: 'wake', ts: minute(0), agent_id: 'a' });
    const lateParent = prepare({ primitive: 'bridge', type: 'send', ts: minute(1), agent_id: 'a', target_id: 'c', parent_event_id: root.id, metadata: { content: 'late' } });
    const child = t.emit({ primitive: 'bridge', type: 'recv', ts: minute(2), agent_id: 'b', target_id: 'c', parent_event_id: lateParent.event.id });
    const grandchild = t.emit({ primitive: 'spawn', type: 'sleep', ts: minute(3), agent_id: 'b', parent_event_id: child.id });

    // Before the parent is stored: its id still reaches the child.
    expect(ids(await t.store.descendants([lateParent.event.id]))).toEqual([child.id, grandchild.id]);
    expect(await t.store.descendants([root.id])).toEqual([]);
    expect(await t.store.ancestors(grandchild.id)).toEqual({ chain: [child, grandchild], missingParentId: lateParent.event.id });

    await t.store.append([lateParent]);
    expect(ids(await t.store.descendants([lateParent.event.id]))).toEqual([child.id, grandchild.id]);
    expect(ids(await t.store.descendants([root.id]))).toEqual([lateParent.event.id, child.id, grandchild.id]);
    expect(await t.store.ancestors(grandchild.id)).toEqual({ chain: [root, lateParent.event, child, grandchild], missingParentId: null });
  });

  it('ancestors: the chain root first, ending with the event itself', async () => {
    const root = t.emit({ primitive: 'spawn', type: 'wake', ts: minute(0), agent_id: 'a' });
    const c1 = t.emit({ primitive: 'spawn', type: 'sleep', ts: minute(1), agent_id: 'a', parent_event_id: root.id });
    const side = t.emit({ primitive: 'spawn', type: 'wake', ts: minute(2), agent_id: 'b' });
    // causes are not part of the chain, only parent_event_id is.
    const c2 = t.emit({ primitive: 'spawn', type: 'sleep', ts: minute(3), agent_id: 'a', parent_event_id: c1.id, causes: [side.id] });
    expect(await t.store.ancestors(c2.id)).toEqual({ chain: [root, c1, c2], missingParentId: null });
    expect(await t.store.ancestors(root.id)).toEqual({ chain: [root], missingParentId: null });
    expect(await t.store.ancestors(c2.id, { maxDepth: 1 })).toEqual({ chain: [c1, c2], missingParentId: root.id });
  });

  it('ancestors names a parent that was never stored', async () => {
    const ghost = eventIdAt(minute(0));
    const orphan = t.emit({ primitive: 'spawn', type: 'wake', ts: minute(1), agent_id: 'a', parent_event_id: ghost });
    const child = t.emit({ primitive: 'spawn', type: 'sleep', ts: minute(2), agent_id: 'a', parent_event_id: orphan.id });
    expect(await t.store.ancestors(child.id)).toEqual({ chain: [orphan, child], missingParentId: ghost });
    expect(await t.store.ancestors(eventIdAt(minute(9)))).toEqual({ chain: [], missingParentId: null });
  });
});

describe('descendantTargets and nameUsage', () => {
  it('finds subtasks transitively through ops.create_task parent_task_id', async () => {
    const create = (task: string, parent?: string, ts = 0) =>
      t.emit({ primitive: 'ops', type: 'create_task', ts: minute(ts), agent_id: 'a', target_id: task, metadata: { title: task, ...(parent ? { parent_task_id: parent } : {}) } });
    create('task-root');
    create('task-a', 'task-root', 1);
    create('task-b', 'task-root', 2);
    create('task-a1', 'task-a', 3);
    create('task-a1x', 'task-a1', 4);
    create('task-other', undefined, 5);
    // A subtask created before its parent task still links to it.
    create('task-early', 'task-late', 6);
    create('task-late', undefined, 7);
    // Other event types with a parent_task_id-looking field do not link.
    t.emit({ primitive: 'ops', type: 'claim_task', ts: minute(8), agent_id: 'a', target_id: 'task-b', metadata: { parent_task_id: 'task-other' } });

    expect((await t.store.descendantTargets(['task-root'])).sort()).toEqual(['task-a', 'task-a1', 'task-a1x', 'task-b']);
    expect((await t.store.descendantTargets(['task-a'])).sort()).toEqual(['task-a1', 'task-a1x']);
    expect((await t.store.descendantTargets(['task-a1', 'task-b'])).sort()).toEqual(['task-a1x']);
    expect(await t.store.descendantTargets(['task-late'])).toEqual(['task-early']);
    expect(await t.store.descendantTargets(['task-other'])).toEqual([]);
    expect(await t.store.descendantTargets(['no-such-task'])).toEqual([]);
    expect(await t.store.descendantTargets([])).toEqual([]);
  });

  it('nameUsage tells agents, tasks and channels apart', async () => {
    t.emit({ primitive: 'spawn', type: 'wake', ts: minute(0), agent_id: 'zealot-1' });
    t.emit({ primitive: 'ops', type: 'create_task', ts: minute(1), agent_id: 'zealot-1', target_id: 'task-1', metadata: { title: 'x' } });
    t.emit({ primitive: 'ops', type: 'claim_task', ts: minute(2), agent_id: 'haiku-1', target_id: 'task-1' });
    t.emit({ primitive: 'bridge', type: 'send', ts: minute(3), agent_id: 'haiku-1', target_id: 'payments', metadata: { content: 'hi' } });
    t.emit({ primitive: 'bridge', type: 'note', ts: minute(4), agent_id: 'zealot-1', target_id: 'payments', metadata: { content: 'n' } });
    t.emit({ primitive: 'spawn', type: 'spawn', ts: minute(5), agent_id: 'zealot-1', target_id: 'haiku-1' });

    expect(await t.store.nameUsage('zealot-1')).toEqual({ asAgent: true, asTargetOf: [] });
    expect(await t.store.nameUsage('task-1')).toEqual({ asAgent: false, asTargetOf: ['ops'] });
    expect(await t.store.nameUsage('payments')).toEqual({ asAgent: false, asTargetOf: ['bridge'] });
    expect(await t.store.nameUsage('haiku-1')).toEqual({ asAgent: true, asTargetOf: ['spawn'] });
    expect(await t.store.nameUsage('nobody')).toEqual({ asAgent: false, asTargetOf: [] });
  });
});

describe('stats', () => {
  it('counts by primitive, type and agent, with the time span, size and schema version', async () => {
    t.emit({ primitive: 'spawn', type: 'wake', ts: minute(0), agent_id: 'alice' });
    t.emit({ primitive: 'ops', type: 'create_task', ts: minute(1), agent_id: 'alice', target_id: 'task-1', metadata: { title: 'x' } });
    t.emit({ primitive: 'ops', type: 'claim_task', ts: minute(2), agent_id: 'bob', target_id: 'task-1' });
    t.emit({ primitive: 'ops', type: 'claim_task', ts: minute(3), agent_id: 'bob', target_id: 'task-1' });
    t.emit({ primitive: 'bridge', type: 'send', ts: minute(4), agent_id: 'bob', target_id: 'chan', metadata: { content: 'hi' } });
    t.emit({ primitive: 'spawn', type: 'wake', ts: minute(-3) });

    const stats = await t.store.stats();
    expect(stats.events).toBe(6);
    expect(stats.firstTs).toBe(minute(-3));
    expect(stats.lastTs).toBe(minute(4));
    expect(stats.bytes).toBeGreaterThan(0);
    expect(stats.schemaVersion).toBe(LATEST_STORE_VERSION);
    expect(stats.byPrimitive[0]).toEqual({ primitive: 'ops', count: 3 });
    expect([...stats.byPrimitive].sort((a, b) => a.primitive.localeCompare(b.primitive))).toEqual([
      { primitive: 'bridge', count: 1 },
      { primitive: 'ops', count: 3 },
      { primitive: 'spawn', count: 2 },
    ]);
    expect([...stats.byType].sort((a, b) => `${a.primitive}.${a.type}`.localeCompare(`${b.primitive}.${b.type}`))).toEqual([
      { primitive: 'bridge', type: 'send', count: 1 },
      { primitive: 'ops', type: 'claim_task', count: 2 },
      { primitive: 'ops', type: 'create_task', count: 1 },
      { primitive: 'spawn', type: 'wake', count: 2 },
    ]);
    expect(stats.byAgent[0]).toEqual({ agent: 'bob', count: 3 });
    expect(stats.byAgent).toHaveLength(3);
    expect(stats.byAgent).toEqual(expect.arrayContaining([
      { agent: 'bob', count: 3 },
      { agent: 'alice', count: 2 },
      { agent: null, count: 1 },
    ]));
  });

  it('an empty store has no span', async () => {
    const stats = await t.store.stats();
    expect(stats).toMatchObject({ events: 0, firstTs: null, lastTs: null, byPrimitive: [], byType: [], byAgent: [], schemaVersion: LATEST_STORE_VERSION });
    expect(stats.bytes).toBeGreaterThan(0);
  });
});

describe('append-only', () => {
  it('an UPDATE or DELETE on events through a raw connection is refused', async () => {
    const e = t.emit({ primitive: 'spawn', type: 'wake', ts: minute(0), agent_id: 'a' });
    const raw = new Database(t.path);
    try {
      expect(() => raw.prepare('UPDATE events SET ts = 0').run()).toThrow(/events are append-only/);
      expect(() => raw.prepare('DELETE FROM events').run()).toThrow(/events are append-only/);
    } finally {
      raw.close();
    }
    expect(await t.store.query({})).toEqual([e]);
  });
});
