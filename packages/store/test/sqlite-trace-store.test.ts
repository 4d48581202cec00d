import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import Database from 'better-sqlite3';
import type { TraceEvent } from '@tracekernel/schema';
import { SqliteTraceStore } from '@tracekernel/store';
import { minute, openTempStore, prepare, type TempStore } from './temp-store.js';

// What only the SQLite dialect can show: its dictionaries and triggers, seen through a raw
// connection. Everything a TraceStore promises is in trace-store.test.ts, on every dialect.

const ids = (events: readonly TraceEvent[]) => events.map((event) => event.id);

let t: TempStore;
beforeEach(() => {
  t = openTempStore();
});
afterEach(() => t.cleanup());

describe('dictionaries', () => {
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

  it('more distinct names than the store keeps in memory: each is stored once and read back as itself', async () => {
    // One target per task, past the 65,536 names a store caches, then the first tasks again:
    // their ids come back from the table, not from a second row.
    const tasks = 70_000;
    const event = (i: number, task: number) => prepare({ primitive: 'spawn', type: 'wake', ts: minute(0) + i, agent_id: `agent-${i % 7}`, target_id: `task-${task}` });
    for (let from = 0; from < tasks; from += 10_000) {
      t.store.appendSync(Array.from({ length: 10_000 }, (_, i) => event(from + i, from + i)));
    }
    const again = Array.from({ length: 100 }, (_, i) => event(tasks + i, i));
    t.store.appendSync(again);

    const read = await t.store.query({ targets: ['task-0', 'task-69999', 'task-99'] });
    expect(read.map((e) => [e.target_id, e.agent_id])).toEqual([
      ['task-0', 'agent-0'], ['task-99', 'agent-1'], ['task-69999', 'agent-6'], ['task-0', 'agent-0'], ['task-99', 'agent-1'],
    ]);
    const latest = await t.store.query({ order: 'desc', limit: 3 });
    expect(latest.map((e) => e.target_id)).toEqual(['task-99', 'task-98', 'task-97']);
    const raw = new Database(t.path, { readonly: true });
    try {
      expect(raw.prepare('SELECT count(*), count(DISTINCT name) FROM names').raw().get()).toEqual([tasks + 7, tasks + 7]);
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

});

describe('query plans', () => {
  /** The plan of every statement the store prepares while `work` runs, read on a raw connection. */
  const plansOf = async (work: () => Promise<unknown>) => {
    const prepare = vi.spyOn(Database.prototype, 'prepare');
    let sources: string[];
    try {
      await work();
    } finally {
      // Restoring the spy clears its calls.
      sources = prepare.mock.calls.map(([source]) => source);
      prepare.mockRestore();
    }
    const statements = sources.filter((source) => /FROM events e/.test(source));
    const raw = new Database(t.path, { readonly: true });
    try {
      // The plan is made when the statement is prepared, whatever the values bound.
      const nulls = (source: string) => Array.from(source.matchAll(/\?/g), () => null);
      return statements.map((source) => (raw.prepare(`EXPLAIN QUERY PLAN ${source}`).all(...nulls(source)) as Array<{ detail: string }>).map((row) => row.detail));
    } finally {
      raw.close();
    }
  };

  it('an agent\'s latest events since a time come from events_by_agent in its order: no temporary b-tree, no scan', async () => {
    for (let i = 0; i < 50; i++) t.emit({ primitive: 'spawn', type: 'wake', ts: minute(i % 10), agent_id: `agent-${i % 3}` });
    // A fresh connection: its statement cache is empty, so every statement it runs is prepared.
    await t.store.close();
    t.store = SqliteTraceStore.open({ path: t.path, mode: 'read' });
    const asks = [
      { statements: 1, query: { agent: 'agent-1', since: minute(2), limit: 3, order: 'desc' as const } },
      { statements: 1, query: { agent: 'agent-1', since: minute(2), until: minute(8), limit: 3 } },
      // Its limit ends inside a run of events at one ts (two at minute 8), which is then read whole.
      { statements: 2, query: { agent: 'agent-2', limit: 2, order: 'desc' as const } },
    ];
    for (const ask of asks) {
      const plans = await plansOf(() => t.store.query(ask.query));
      expect(plans).toHaveLength(ask.statements);
      for (const plan of plans) {
        expect(plan.some((detail) => detail.startsWith('SEARCH e USING INDEX events_by_agent (agent=?'))).toBe(true);
        // A bounded read is a subquery (a co-routine) whose rows the outer query scans, in order.
        const scans = plan.includes('CO-ROUTINE e') ? plan.filter((detail) => detail !== 'SCAN e') : plan;
        expect(scans.filter((detail) => /TEMP B-TREE|^SCAN/.test(detail))).toEqual([]);
      }
    }
  });
});

describe('bounded reads', () => {
  it('a query with a limit (one JSON text) returns exactly what the same query without one (raw tuples) does', async () => {
    const laterParent = prepare({ primitive: 'spawn', type: 'wake', ts: minute(50), agent_id: 'a' });
    const events: TraceEvent[] = [];
    for (let i = 0; i < 400; i++) {
      const previous = events[i - 1];
      events.push(t.emit({
        primitive: i % 3 === 0 ? 'memory' : 'spawn',
        type: i % 3 === 0 ? 'add_entry' : 'wake',
        // Runs of ties on ts, which the limit cuts through.
        ts: minute(Math.floor(i / 7)),
        agent_id: i % 2 === 0 ? 'a' : 'b',
        target_id: i % 5 === 0 ? `task-${i}` : null,
        session_id: i % 4 === 0 ? 'session-é' : null,
        parent_event_id: i === 13 ? laterParent.event.id : i % 3 === 1 ? previous!.id : null,
        causes: i % 11 === 0 && i > 0 ? [events[i - 2]!.id, events[i - 1]!.id] : [],
        idempotency_key: i % 17 === 0 ? `key-${i}` : null,
        private: i % 13 === 0,
        metadata: i % 3 === 0 ? { topic: `t-${i}`, content: 'naïve 🚀 "quoted" \\ back', nested: { n: i, list: [1, 'x', null] } } : {},
      }));
    }
    t.store.appendSync([laterParent]);
    for (const includePrivate of [false, true]) {
      for (const agent of [undefined, 'a']) {
        const all = await t.store.query({ includePrivate, ...(agent ? { agent } : {}) });
        for (const limit of [1, 6, 7, 100, 256, 257, 1000]) {
          expect(await t.store.query({ includePrivate, limit, ...(agent ? { agent } : {}) })).toEqual(all.slice(0, limit));
          const latest = await t.store.query({ includePrivate, limit, order: 'desc', ...(agent ? { agent } : {}) });
          expect(latest).toEqual(all.slice(-limit).reverse());
        }
      }
    }
    // What the fixture is for: each kind of column a read decodes is there.
    const read = await t.store.query({ includePrivate: true, limit: 256 });
    expect(read.some((event) => event.parent_event_id === laterParent.event.id)).toBe(true);
    expect(read.some((event) => event.causes.length === 2 && event.private === true)).toBe(true);
    expect(read.filter((event) => event.parent_event_id === null).length).toBeGreaterThan(0);
  });
});

describe('append-only', () => {
  it('an UPDATE or DELETE on events through a raw connection is refused', async () => {
    const e = t.emit({ primitive: 'spawn', type: 'wake', ts: minute(0), agent_id: 'a' });
    const raw = new Database(t.path);
    try {
      expect(() => raw.prepare('UPDATE events SET ts = 0').run()).toThrow(/events are append-only/);
      // The delete trigger asks trace_pruning(), which only a tracekernel connection defines (for
      // prune): anywhere else the DELETE fails before it can run.
      expect(() => raw.prepare('DELETE FROM events').run()).toThrow(/events are append-only|no such function: trace_pruning/);
    } finally {
      raw.close();
    }
    expect(await t.store.query({})).toEqual([e]);
  });
});

describe('prune', () => {
  // The chain is rebuilt in batches of 4096 events; a batch's row used to be written while the
  // read over the kept events was still open, which better-sqlite3 refuses ("connection is busy").
  it('rebuilds the chain over more kept events than one chain batch holds', async () => {
    t.emit({ primitive: 'spawn', type: 'wake', ts: minute(0), agent_id: 'old' });
    const kept = Array.from({ length: 4100 }, (_, i) => prepare({ primitive: 'spawn', type: 'wake', ts: minute(10) + i, agent_id: 'a' }));
    t.store.appendSync(kept);

    const report = await t.store.prune({ olderThan: minute(5) });
    expect(report).toMatchObject({ removed: 1, remaining: 4100 });
    expect((await t.store.verify()).filter((check) => !check.ok)).toEqual([]);
  });
});
