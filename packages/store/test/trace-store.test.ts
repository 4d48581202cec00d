import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventIdAt, eventIdTime, type TraceEvent } from '@tracekernel/schema';
import { LATEST_POSTGRES_VERSION, LATEST_STORE_VERSION } from '@tracekernel/store';
import { DIALECTS, dialectStores, type DialectStore } from './dialects.js';
import { minute, prepare } from './temp-store.js';

// The contract every TraceStore keeps, run on every dialect (Emmett's eventStoreContract, kysely's DIALECTS).

const ids = (events: readonly TraceEvent[]) => events.map((event) => event.id);
const byTsThenId = (a: TraceEvent, b: TraceEvent) => a.ts - b.ts || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

describe.each(DIALECTS)('%s store', (dialect) => {
  const stores = dialectStores(dialect);
  const latest = dialect === 'sqlite' ? LATEST_STORE_VERSION : LATEST_POSTGRES_VERSION;
  let t: DialectStore;
  beforeEach(async () => {
    t = await stores.fresh();
  });
  afterEach(() => t.cleanup());
  /** descendantBatches' events, put in descendants' order: the same walk, whatever the batches. */
  const batched = async (seeds: readonly string[], options: { includePrivate?: boolean } = {}) => {
    const batches: TraceEvent[][] = [];
    for await (const batch of t.store.descendantBatches(seeds, options)) batches.push(batch);
    expect(batches.every((batch) => batch.length > 0)).toBe(true);
    return { events: batches.flat().sort(byTsThenId), batches: batches.length };
  };

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

    it('round-trips names and metadata holding tabs, line breaks, backslashes and \\N (COPY\'s text format escapes them)', async () => {
      const awkward = 'a\tb\nc\rd\\e \\N \\t é 🙂';
      const event = prepare({
        primitive: 'ops', type: 'create_task', ts: minute(0), agent_id: awkward, target_id: `task ${awkward}`, session_id: '\\N',
        idempotency_key: `key ${awkward}`, metadata: { title: awkward, parent_task_id: `parent ${awkward}`, path: 'C:\\temp\\new' },
      });
      await t.store.append([event]);
      const [stored] = await t.store.get([event.event.id]);
      expect(stored).toEqual(event.event);
      expect((await t.store.getByIdempotencyKey(`key ${awkward}`))?.id).toBe(event.event.id);
      expect(await t.store.descendantTargets([`parent ${awkward}`])).toEqual([`task ${awkward}`]);
      expect((await t.store.query({ agent: awkward })).map((e) => e.id)).toEqual([event.event.id]);
    });

    it('keeps an explicit ts, and an event without one has the time of its id', async () => {
      const explicit = await t.emit({ primitive: 'spawn', type: 'wake', agent_id: 'a', ts: minute(-100) });
      const implicit = await t.emit({ primitive: 'spawn', type: 'wake', agent_id: 'a' });
      const [first, second] = await t.store.get([explicit.id, implicit.id]);
      expect(first!.ts).toBe(minute(-100));
      expect(eventIdTime(first!.id)).toBe(minute(-100));
      expect(second!.ts).toBe(eventIdTime(implicit.id));
    });

    it('get ignores unknown ids and returns [] for none', async () => {
      const e = await t.emit({ primitive: 'spawn', type: 'wake', ts: minute(0) });
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

    it('a batch mixing new and skipped events reports each, and keeps no cause or task link of a skipped one', async () => {
      const root = prepare({ primitive: 'ops', type: 'create_task', ts: minute(0), agent_id: 'a', target_id: 'task-root', metadata: { title: 'root' } });
      const keyed = prepare({ primitive: 'spawn', type: 'wake', ts: minute(1), agent_id: 'a', idempotency_key: 'k' });
      await t.store.append([root, keyed]);
      // A copy of root's id that names a cause and a parent task, and a new id under a stored key that does too.
      const copy = prepare({
        primitive: 'ops', type: 'create_task', id: root.event.id, ts: minute(0), agent_id: 'b', target_id: 'task-copy',
        causes: [keyed.event.id], metadata: { title: 'copy', parent_task_id: 'task-root' },
      });
      const rekeyed = prepare({
        primitive: 'ops', type: 'create_task', ts: minute(2), agent_id: 'b', target_id: 'task-rekeyed', idempotency_key: 'k',
        causes: [root.event.id], metadata: { title: 'rekeyed', parent_task_id: 'task-root' },
      });
      const fresh = prepare({
        primitive: 'ops', type: 'create_task', ts: minute(3), agent_id: 'b', target_id: 'task-fresh',
        causes: [keyed.event.id], metadata: { title: 'fresh', parent_task_id: 'task-root' },
      });
      const twice = prepare({ primitive: 'spawn', type: 'sleep', ts: minute(4), agent_id: 'b' });
      expect(await t.store.append([copy, rekeyed, fresh, twice, twice])).toEqual([
        { id: root.event.id, inserted: false },
        { id: keyed.event.id, inserted: false },
        { id: fresh.event.id, inserted: true },
        { id: twice.event.id, inserted: true },
        { id: twice.event.id, inserted: false },
      ]);
      expect(ids(await t.store.query({}))).toEqual([root.event.id, keyed.event.id, fresh.event.id, twice.event.id]);
      expect(await t.store.descendantTargets(['task-root'])).toEqual(['task-fresh']);
      expect(ids(await t.store.descendants([keyed.event.id]))).toEqual([fresh.event.id]);
      expect(ids(await t.store.descendants([root.event.id]))).toEqual([]);
    });

    it('reuses names and kinds after the store is reopened', async () => {
      const before = await t.emit({ primitive: 'ops', type: 'create_task', ts: minute(0), agent_id: 'a', target_id: 'task-1', session_id: 's', metadata: { title: 'x' } });
      await t.store.close();
      t.store = await t.open('write');
      const after = await t.emit({ primitive: 'ops', type: 'create_task', ts: minute(1), agent_id: 'a', target_id: 'task-1', session_id: 's', metadata: { title: 'y' } });
      const claim = await t.emit({ primitive: 'ops', type: 'claim_task', ts: minute(2), agent_id: 'task-1', target_id: 'a' });

      expect(await t.store.query({})).toEqual([before, after, claim]);
      expect(ids(await t.store.query({ agent: 'a' }))).toEqual([before.id, after.id]);
      expect(ids(await t.store.query({ kinds: ['ops.create_task'] }))).toEqual([before.id, after.id]);
    });

    it('a batch that fails part-way stores nothing, and the same events go in afterwards', async () => {
      const known = await t.emit({ primitive: 'spawn', type: 'wake', ts: minute(0), agent_id: 'known' });
      const good = prepare({ primitive: 'spawn', type: 'wake', ts: minute(1), agent_id: 'new-agent', session_id: 'new-session' });
      // A NOT NULL violation on the second event stands in for any failure inside the transaction.
      const bad = { ...prepare({ primitive: 'spawn', type: 'wake', ts: minute(2) }), metadataJson: null as unknown as string };
      await expect(t.store.append([good, bad])).rejects.toMatchObject({ code: 'E_STORE' });
      expect(await t.store.query({})).toEqual([known]);
      expect(await t.store.append([good])).toEqual([{ id: good.event.id, inserted: true }]);
      expect(await t.store.query({})).toEqual([known, good.event]);
      expect(ids(await t.store.query({ agent: 'new-agent' }))).toEqual([good.event.id]);
    });

    it('a store opened for reading refuses to append', async () => {
      await t.emit({ primitive: 'spawn', type: 'wake', ts: minute(0) });
      const reader = await t.open('read');
      await expect(reader.append([prepare({ primitive: 'spawn', type: 'wake', ts: minute(1) })])).rejects.toMatchObject({ code: 'E_STORE' });
      expect(await reader.query({})).toHaveLength(1);
    });
  });

  describe('matchShortId', () => {
    // Ids built with a chosen last group, so that two of them share a short prefix.
    const withTail = (ts: number, tail: string) => `${eventIdAt(ts).slice(0, 24)}${tail}`;

    it('finds ids by the start of their last group, in (ts, id) order, hiding private events', async () => {
      const a = await t.emit({ id: withTail(minute(2), '1d7050d7aa01'), primitive: 'spawn', type: 'wake', ts: minute(2) });
      const b = await t.emit({ id: withTail(minute(1), '1d7050d7bb02'), primitive: 'spawn', type: 'wake', ts: minute(1) });
      const c = await t.emit({ id: withTail(minute(3), 'ffff0000cc03'), primitive: 'spawn', type: 'wake', ts: minute(3), private: true });
      await t.emit({ id: withTail(minute(4), '1d7051000000'), primitive: 'spawn', type: 'wake', ts: minute(4) });
      expect(await t.store.matchShortId('1d7050d7')).toEqual([b.id, a.id]);
      expect(await t.store.matchShortId('1D7050D7AA')).toEqual([a.id]);
      expect(await t.store.matchShortId('1d7050d7aa01')).toEqual([a.id]);
      expect(await t.store.matchShortId('1d7050d7', { limit: 1 })).toEqual([b.id]);
      expect(await t.store.matchShortId('1d705')).toHaveLength(3);
      // The time at the head of an id is no short id: the same digits elsewhere do not match.
      expect(await t.store.matchShortId(a.id.slice(0, 8))).toEqual([]);
      expect(await t.store.matchShortId('ffff0000')).toEqual([]);
      expect(await t.store.matchShortId('ffff0000', { includePrivate: true })).toEqual([c.id]);
    });

    it('refuses anything but 4 to 12 hex digits', async () => {
      for (const bad of ['abc', '1d7050d7aa01f', "1d70' OR 1=1", '1d7_', '%%%%']) {
        await expect(t.store.matchShortId(bad)).rejects.toMatchObject({ code: 'E_INVALID_ID' });
      }
    });
  });

  describe('query', () => {
    let e: Record<string, TraceEvent>;
    beforeEach(async () => {
      e = {
        aliceWake: await t.emit({ primitive: 'spawn', type: 'wake', ts: minute(0), agent_id: 'alice' }),
        create: await t.emit({ primitive: 'ops', type: 'create_task', ts: minute(1), agent_id: 'alice', target_id: 'task-1', metadata: { title: 'x' } }),
        claim: await t.emit({ primitive: 'ops', type: 'claim_task', ts: minute(2), agent_id: 'bob', target_id: 'task-1' }),
        send: await t.emit({ primitive: 'bridge', type: 'send', ts: minute(3), agent_id: 'bob', target_id: 'chan-1', metadata: { content: 'hi' } }),
        complete: await t.emit({ primitive: 'ops', type: 'complete_task', ts: minute(4), agent_id: 'bob', target_id: 'task-2' }),
        bobWake: await t.emit({ primitive: 'spawn', type: 'wake', ts: minute(5), agent_id: 'bob' }),
        aliceSleep: await t.emit({ primitive: 'spawn', type: 'sleep', ts: minute(6), agent_id: 'alice' }),
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

    it('orders events tied on ts by id, and a limit inside a run of ties takes the run in that order', async () => {
      // Six of bob's events at one ts, stored in the reverse of their id order, one of them private.
      const tiedIds = Array.from({ length: 6 }, () => eventIdAt(minute(3))).sort().reverse();
      const tied: TraceEvent[] = [];
      for (const [i, id] of tiedIds.entries()) {
        tied.push(await t.emit({ id, primitive: 'bridge', type: 'send', ts: minute(3), agent_id: 'bob', target_id: 'chan-1', metadata: { content: `tie ${i}` }, ...(i === 2 ? { private: true } : {}) }));
      }
      const visible = [e.claim!, e.send!, ...tied.filter((event) => !event.private), e.complete!, e.bobWake!].sort(byTsThenId);
      const all = [e.claim!, e.send!, ...tied, e.complete!, e.bobWake!].sort(byTsThenId);
      expect(ids(await t.store.query({ agent: 'bob' }))).toEqual(ids(visible));
      // Every limit, so that each falls before, inside and after the run.
      for (let limit = 1; limit <= all.length + 1; limit++) {
        expect(ids(await t.store.query({ agent: 'bob', limit }))).toEqual(ids(visible.slice(0, limit)));
        expect(ids(await t.store.query({ agent: 'bob', limit, order: 'desc' }))).toEqual(ids([...visible].reverse().slice(0, limit)));
        expect(ids(await t.store.query({ agent: 'bob', since: minute(3), limit, order: 'desc', includePrivate: true })))
          .toEqual(ids(all.filter((event) => event.ts >= minute(3)).reverse().slice(0, limit)));
        expect(ids(await t.store.query({ kinds: ['bridge'], limit }))).toEqual(ids(visible.filter((event) => event.primitive === 'bridge').slice(0, limit)));
      }
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
    it('walks a chain deeper than the levels read one statement each, with fan-in on the way', async () => {
      const root = await t.emit({ primitive: 'spawn', type: 'wake', ts: minute(0), agent_id: 'a' });
      const chain = [root];
      for (let i = 1; i <= 150; i++) {
        const previous = chain[chain.length - 1]!;
        // Every tenth link also names its grandparent as a cause: reached twice, kept once.
        const causes = i % 10 === 0 && chain.length > 1 ? [chain[chain.length - 2]!.id] : [];
        chain.push(await t.emit({ primitive: 'spawn', type: 'sleep', ts: minute(0) + i, agent_id: 'a', parent_event_id: previous.id, causes }));
      }
      expect(ids(await t.store.descendants([root.id]))).toEqual(ids(chain.slice(1)));
      expect(ids(await t.store.descendants([chain[100]!.id]))).toEqual(ids(chain.slice(101)));
      expect((await batched([root.id])).events).toEqual(await t.store.descendants([root.id]));
    });

    it('walks parent_event_id and causes, each event once (fan-in), oldest first', async () => {
      const unrelated = await t.emit({ primitive: 'spawn', type: 'wake', ts: minute(-1), agent_id: 'u' });
      const root = await t.emit({ primitive: 'spawn', type: 'wake', ts: minute(0), agent_id: 'a' });
      const c1 = await t.emit({ primitive: 'spawn', type: 'sleep', ts: minute(1), agent_id: 'a', parent_event_id: root.id });
      const c2 = await t.emit({ primitive: 'spawn', type: 'sleep', ts: minute(2), agent_id: 'a', parent_event_id: c1.id });
      // Caused by c1 only through causes; its primary parent is unrelated.
      const viaCause = await t.emit({ primitive: 'spawn', type: 'sleep', ts: minute(3), agent_id: 'a', parent_event_id: unrelated.id, causes: [c1.id] });
      // Fan-in: reachable through its parent and through two causes.
      const fanIn = await t.emit({ primitive: 'spawn', type: 'sleep', ts: minute(4), agent_id: 'a', parent_event_id: c2.id, causes: [c1.id, viaCause.id] });
      const other = await t.emit({ primitive: 'spawn', type: 'wake', ts: minute(5), agent_id: 'z' });

      expect(ids(await t.store.descendants([root.id]))).toEqual([c1.id, c2.id, viaCause.id, fanIn.id]);
      expect(ids(await t.store.descendants([unrelated.id]))).toEqual([viaCause.id, fanIn.id]);
      expect(ids(await t.store.descendants([root.id, unrelated.id]))).toEqual([c1.id, c2.id, viaCause.id, fanIn.id]);
      expect(ids(await t.store.descendants([root.id], { limit: 2 }))).toEqual([c1.id, c2.id]);
      expect(await t.store.descendants([other.id])).toEqual([]);
      expect(await t.store.descendants([])).toEqual([]);
      for (const seeds of [[root.id], [unrelated.id], [root.id, unrelated.id], [other.id], []]) {
        expect((await batched(seeds)).events).toEqual(await t.store.descendants(seeds));
      }
    });

    it('finds effects through causes alike before and after a large walk stops probing the causes index', async () => {
      // 200 chains of 25 links under one root, every fifth link also causing a side event
      // parented elsewhere: past its 20th level the walk has probed more than twice as many ids
      // as event_causes has rows, and reads the rest of the fan-in from memory.
      const elsewhere = prepare({ primitive: 'spawn', type: 'wake', ts: minute(0), agent_id: 'x' });
      const root = prepare({ primitive: 'spawn', type: 'wake', ts: minute(1), agent_id: 'a' });
      const events = [elsewhere, root];
      for (let chain = 0; chain < 200; chain++) {
        let link = root;
        for (let depth = 0; depth < 25; depth++) {
          link = prepare({ primitive: 'spawn', type: 'sleep', ts: minute(2) + depth * 1_000 + chain, agent_id: 'a', parent_event_id: link.event.id });
          events.push(link);
          if (depth % 5 !== 0) continue;
          events.push(prepare({ primitive: 'spawn', type: 'sleep', ts: minute(2) + depth * 1_000 + chain, agent_id: 'b', parent_event_id: elsewhere.event.id, causes: [link.event.id] }));
        }
      }
      await t.store.append(events);
      const expected = events.slice(2).map((p) => p.event).sort(byTsThenId);
      expect(await t.store.descendants([root.event.id.toUpperCase()])).toEqual(expected);
      expect((await batched([root.event.id.toUpperCase()])).events).toEqual(expected);
    });

    it('finds a child whose parent was appended after it, and chains through it', async () => {
      const root = await t.emit({ primitive: 'spawn', type: 'wake', ts: minute(0), agent_id: 'a' });
      const lateParent = prepare({ primitive: 'bridge', type: 'send', ts: minute(1), agent_id: 'a', target_id: 'c', parent_event_id: root.id, metadata: { content: 'late' } });
      const child = await t.emit({ primitive: 'bridge', type: 'recv', ts: minute(2), agent_id: 'b', target_id: 'c', parent_event_id: lateParent.event.id });
      const grandchild = await t.emit({ primitive: 'spawn', type: 'sleep', ts: minute(3), agent_id: 'b', parent_event_id: child.id });

      // Before the parent is stored: its id still reaches the child.
      expect(ids(await t.store.descendants([lateParent.event.id]))).toEqual([child.id, grandchild.id]);
      expect(await t.store.descendants([root.id])).toEqual([]);
      expect((await batched([lateParent.event.id])).events).toEqual([child, grandchild]);
      expect(await t.store.ancestors(grandchild.id)).toEqual({ chain: [child, grandchild], missingParentId: lateParent.event.id });

      await t.store.append([lateParent]);
      expect(ids(await t.store.descendants([lateParent.event.id]))).toEqual([child.id, grandchild.id]);
      expect(ids(await t.store.descendants([root.id]))).toEqual([lateParent.event.id, child.id, grandchild.id]);
      expect((await batched([root.id])).events).toEqual(await t.store.descendants([root.id]));
      expect(await t.store.ancestors(grandchild.id)).toEqual({ chain: [root, lateParent.event, child, grandchild], missingParentId: null });
    });

    it('a walk of 10,000 events returns each once, whole, in (ts, id) order, however it was appended', async () => {
      // More events than the SQLite store reads in one piece (8,192); times not in append order and
      // often equal (the id breaks the tie); fan-in across branches; metadata and keys that need
      // escaping; a late parent; private events.
      const seeds = [prepare({ primitive: 'ops', type: 'create_task', ts: minute(0), agent_id: 'lead', target_id: 'task-big', metadata: { title: 'big' } })];
      const events = [...seeds];
      const late = prepare({ primitive: 'spawn', type: 'wake', ts: minute(1), agent_id: 'a', parent_event_id: seeds[0]!.event.id });
      for (let i = 0; i < 10_000; i++) {
        const parent = i < 50 ? seeds[0]! : events[1 + Math.floor((i * 7919) % Math.min(i, 5_000))]!;
        const cause = i % 97 === 0 && i > 100 ? [events[1 + ((i * 31) % (i - 1))]!.event.id] : [];
        events.push(prepare({
          primitive: 'bridge', type: 'send', ts: minute(2) + ((i * 104_729) % 3_000), agent_id: `agent-${i % 13}`, target_id: `chan-${i % 5}`,
          parent_event_id: i === 7 ? late.event.id : parent.event.id, causes: cause,
          idempotency_key: i % 1_000 === 0 ? `key "${i}" \\ ü` : null,
          ...(i % 4_001 === 0 ? { private: true } : {}),
          metadata: { content: `line ${i}\n"quoted" \\ \u00e9 \ud83d\ude00`, n: i, nested: { list: [i, null, true, 1.5] } },
        }));
      }
      await t.store.append(events.slice(0, 6_000));
      await t.store.append(events.slice(6_000));
      await t.store.append([late]);

      const expected = [late, ...events.slice(1)].map((p) => p.event).sort(byTsThenId);
      const walked = await t.store.descendants([seeds[0]!.event.id], { includePrivate: true });
      expect(walked).toHaveLength(expected.length);
      expect(walked).toEqual(expected);
      // Without includePrivate, a private event keeps its place as a placeholder.
      const hidden = await t.store.descendants([seeds[0]!.event.id]);
      expect(ids(hidden)).toEqual(ids(expected));
      // In batches: the same events, and a SQLite walk hands them out a level at a time.
      const inBatches = await batched([seeds[0]!.event.id], { includePrivate: true });
      expect(inBatches.events).toEqual(expected);
      if (dialect === 'sqlite') expect(inBatches.batches).toBeGreaterThan(2);
      expect((await batched([seeds[0]!.event.id])).events).toEqual(hidden);
      const secret = expected.filter((event) => event.private);
      expect(secret.length).toBeGreaterThan(1);
      expect(hidden.filter((event) => event.private).map((event) => [event.id, event.metadata])).toEqual(secret.map((event) => [event.id, {}]));
    });

    it('ancestors: the chain root first, ending with the event itself', async () => {
      const root = await t.emit({ primitive: 'spawn', type: 'wake', ts: minute(0), agent_id: 'a' });
      const c1 = await t.emit({ primitive: 'spawn', type: 'sleep', ts: minute(1), agent_id: 'a', parent_event_id: root.id });
      const side = await t.emit({ primitive: 'spawn', type: 'wake', ts: minute(2), agent_id: 'b' });
      // causes are not part of the chain, only parent_event_id is.
      const c2 = await t.emit({ primitive: 'spawn', type: 'sleep', ts: minute(3), agent_id: 'a', parent_event_id: c1.id, causes: [side.id] });
      expect(await t.store.ancestors(c2.id)).toEqual({ chain: [root, c1, c2], missingParentId: null });
      expect(await t.store.ancestors(root.id)).toEqual({ chain: [root], missingParentId: null });
      expect(await t.store.ancestors(c2.id, { maxDepth: 1 })).toEqual({ chain: [c1, c2], missingParentId: root.id });
    });

    it('ancestors names a parent that was never stored', async () => {
      const ghost = eventIdAt(minute(0));
      const orphan = await t.emit({ primitive: 'spawn', type: 'wake', ts: minute(1), agent_id: 'a', parent_event_id: ghost });
      const child = await t.emit({ primitive: 'spawn', type: 'sleep', ts: minute(2), agent_id: 'a', parent_event_id: orphan.id });
      expect(await t.store.ancestors(child.id)).toEqual({ chain: [orphan, child], missingParentId: ghost });
      expect(await t.store.ancestors(eventIdAt(minute(9)))).toEqual({ chain: [], missingParentId: null });
    });
  });

  describe('descendantTargets and nameUsage', () => {
    it('finds subtasks transitively through ops.create_task parent_task_id', async () => {
      const create = async (task: string, parent?: string, ts = 0) =>
        await t.emit({ primitive: 'ops', type: 'create_task', ts: minute(ts), agent_id: 'a', target_id: task, metadata: { title: task, ...(parent ? { parent_task_id: parent } : {}) } });
      await create('task-root');
      await create('task-a', 'task-root', 1);
      await create('task-b', 'task-root', 2);
      await create('task-a1', 'task-a', 3);
      await create('task-a1x', 'task-a1', 4);
      await create('task-other', undefined, 5);
      // A subtask created before its parent task still links to it.
      await create('task-early', 'task-late', 6);
      await create('task-late', undefined, 7);
      // Other event types with a parent_task_id-looking field do not link.
      await t.emit({ primitive: 'ops', type: 'claim_task', ts: minute(8), agent_id: 'a', target_id: 'task-b', metadata: { parent_task_id: 'task-other' } });

      expect((await t.store.descendantTargets(['task-root'])).sort()).toEqual(['task-a', 'task-a1', 'task-a1x', 'task-b']);
      expect((await t.store.descendantTargets(['task-a'])).sort()).toEqual(['task-a1', 'task-a1x']);
      expect((await t.store.descendantTargets(['task-a1', 'task-b'])).sort()).toEqual(['task-a1x']);
      expect(await t.store.descendantTargets(['task-late'])).toEqual(['task-early']);
      expect(await t.store.descendantTargets(['task-other'])).toEqual([]);
      expect(await t.store.descendantTargets(['no-such-task'])).toEqual([]);
      expect(await t.store.descendantTargets([])).toEqual([]);
    });

    it('nameUsage tells agents, tasks and channels apart', async () => {
      await t.emit({ primitive: 'spawn', type: 'wake', ts: minute(0), agent_id: 'zealot-1' });
      await t.emit({ primitive: 'ops', type: 'create_task', ts: minute(1), agent_id: 'zealot-1', target_id: 'task-1', metadata: { title: 'x' } });
      await t.emit({ primitive: 'ops', type: 'claim_task', ts: minute(2), agent_id: 'haiku-1', target_id: 'task-1' });
      await t.emit({ primitive: 'bridge', type: 'send', ts: minute(3), agent_id: 'haiku-1', target_id: 'payments', metadata: { content: 'hi' } });
      await t.emit({ primitive: 'bridge', type: 'note', ts: minute(4), agent_id: 'zealot-1', target_id: 'payments', metadata: { content: 'n' } });
      await t.emit({ primitive: 'spawn', type: 'spawn', ts: minute(5), agent_id: 'zealot-1', target_id: 'haiku-1' });

      expect(await t.store.nameUsage('zealot-1')).toEqual({ asAgent: true, asTargetOf: [] });
      expect(await t.store.nameUsage('task-1')).toEqual({ asAgent: false, asTargetOf: ['ops'] });
      expect(await t.store.nameUsage('payments')).toEqual({ asAgent: false, asTargetOf: ['bridge'] });
      expect(await t.store.nameUsage('haiku-1')).toEqual({ asAgent: true, asTargetOf: ['spawn'] });
      expect(await t.store.nameUsage('nobody')).toEqual({ asAgent: false, asTargetOf: [] });
    });
  });

  describe('stats', () => {
    it('counts by primitive, type and agent, with the time span, size and schema version', async () => {
      await t.emit({ primitive: 'spawn', type: 'wake', ts: minute(0), agent_id: 'alice' });
      await t.emit({ primitive: 'ops', type: 'create_task', ts: minute(1), agent_id: 'alice', target_id: 'task-1', metadata: { title: 'x' } });
      await t.emit({ primitive: 'ops', type: 'claim_task', ts: minute(2), agent_id: 'bob', target_id: 'task-1' });
      await t.emit({ primitive: 'ops', type: 'claim_task', ts: minute(3), agent_id: 'bob', target_id: 'task-1' });
      await t.emit({ primitive: 'bridge', type: 'send', ts: minute(4), agent_id: 'bob', target_id: 'chan', metadata: { content: 'hi' } });
      await t.emit({ primitive: 'spawn', type: 'wake', ts: minute(-3) });

      const stats = await t.store.stats();
      expect(stats.events).toBe(6);
      expect(stats.firstTs).toBe(minute(-3));
      expect(stats.lastTs).toBe(minute(4));
      expect(stats.bytes).toBeGreaterThan(0);
      expect(stats.schemaVersion).toBe(latest);
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
      expect(stats).toMatchObject({ events: 0, firstTs: null, lastTs: null, byPrimitive: [], byType: [], byAgent: [], schemaVersion: latest });
      expect(stats.bytes).toBeGreaterThan(0);
    });
  });

  describe('changes and follow', () => {
    it('delivers every event once in commit order, resumes from a cursor, and filters', async () => {
      // Commit order, not ts order: the second event is older.
      const a = await t.emit({ primitive: 'spawn', type: 'wake', ts: minute(5), agent_id: 'a' });
      const b = await t.emit({ primitive: 'ops', type: 'claim_task', ts: minute(1), agent_id: 'b', target_id: 'task-1' });
      const first = await t.store.changes({});
      expect(ids(first.events)).toEqual([a.id, b.id]);
      expect(first.cursor).not.toBeNull();
      const idle = await t.store.changes({}, { after: first.cursor });
      expect(idle).toEqual({ events: [], cursors: [], cursor: first.cursor });
      // Each event's own cursor resumes right after it.
      expect(first.cursors).toHaveLength(2);
      expect(first.cursors[1]).toBe(first.cursor);
      expect(ids((await t.store.changes({}, { after: first.cursors[0]! })).events)).toEqual([b.id]);

      const c = await t.emit({ primitive: 'ops', type: 'complete_task', ts: minute(2), agent_id: 'a', target_id: 'task-1' });
      const d = await t.emit({ primitive: 'spawn', type: 'sleep', ts: minute(3), agent_id: 'b' });
      const next = await t.store.changes({}, { after: first.cursor });
      expect(ids(next.events)).toEqual([c.id, d.id]);

      // A filter skips events but the cursor still moves past them.
      const tasks = await t.store.changes({ targets: ['task-1'] }, { after: first.cursor });
      expect(ids(tasks.events)).toEqual([c.id]);
      expect(tasks.cursor).toBe(next.cursor);
      expect(ids((await t.store.changes({ agent: 'b', kinds: ['spawn'] })).events)).toEqual([d.id]);
      expect((await t.store.changes({ agent: 'nobody' })).events).toEqual([]);

      // Paging by limit.
      const page1 = await t.store.changes({}, { limit: 3 });
      const page2 = await t.store.changes({}, { after: page1.cursor, limit: 3 });
      expect([...ids(page1.events), ...ids(page2.events)]).toEqual([a.id, b.id, c.id, d.id]);
    });

    it('refuses a cursor that is not one of this store\'s', async () => {
      await expect(t.store.changes({}, { after: 'not-a-cursor' })).rejects.toMatchObject({ code: 'E_USAGE' });
    });

    it('follow yields events appended by another store while it runs, until aborted', async () => {
      const before = await t.emit({ primitive: 'spawn', type: 'wake', ts: minute(0), agent_id: 'a' });
      const start = (await t.store.changes({})).cursor;
      const writer = await t.open('write');
      const controller = new AbortController();
      const seen: string[] = [];
      const appended: string[] = [];
      const following = (async () => {
        for await (const batch of t.store.follow({ agent: 'w' }, { after: start, pollMs: 20, signal: controller.signal })) {
          seen.push(...ids(batch.events));
          if (seen.length >= 30) controller.abort();
        }
      })();
      for (let i = 0; i < 3; i++) {
        const batch = Array.from({ length: 10 }, (_, j) => prepare({ primitive: 'spawn', type: 'wake', ts: minute(10 + i * 10 + j), agent_id: 'w' }));
        await writer.append(batch);
        appended.push(...batch.map((p) => p.event.id));
      }
      await following;
      expect(seen).toEqual(appended);
      expect(seen).not.toContain(before.id);
    });
  });

  describe('private events', () => {
    it('are stored but hidden from every read unless asked for; trees keep a placeholder', async () => {
      const root = await t.emit({ primitive: 'spawn', type: 'wake', ts: minute(0), agent_id: 'a' });
      const secret = await t.emit({
        primitive: 'bridge', type: 'send', ts: minute(1), agent_id: 'a', target_id: 'chan', parent_event_id: root.id,
        metadata: { content: 'the password is swordfish' }, private: true,
      });
      const effect = await t.emit({ primitive: 'spawn', type: 'sleep', ts: minute(2), agent_id: 'b', parent_event_id: secret.id });
      expect(secret.private).toBe(true);

      expect(ids(await t.store.query({}))).toEqual([root.id, effect.id]);
      expect(ids(await t.store.query({ targets: ['chan'] }))).toEqual([]);
      expect(ids(await t.store.query({ includePrivate: true }))).toEqual([root.id, secret.id, effect.id]);
      expect(await t.store.get([secret.id])).toEqual([]);
      expect(await t.store.get([secret.id], { includePrivate: true })).toEqual([secret]);
      expect(ids((await t.store.changes({})).events)).toEqual([root.id, effect.id]);
      expect(ids((await t.store.changes({ includePrivate: true })).events)).toEqual([root.id, secret.id, effect.id]);

      const tree = await t.store.descendants([root.id]);
      expect(ids(tree)).toEqual([secret.id, effect.id]);
      expect(tree[0]).toMatchObject({ id: secret.id, private: true, agent_id: null, target_id: null, metadata: {}, parent_event_id: root.id });
      expect(JSON.stringify(tree)).not.toContain('swordfish');
      expect((await t.store.descendants([root.id], { includePrivate: true }))[0]).toEqual(secret);
      const up = await t.store.ancestors(effect.id);
      expect(ids(up.chain)).toEqual([root.id, secret.id, effect.id]);
      expect(JSON.stringify(up)).not.toContain('swordfish');
    });
  });

  describe('prune', () => {
    const runEvent = (type: 'start' | 'end', ts: number) => {
      // The store does not read run metadata; only the primitive marks what a run record needs.
      const { event } = prepare({ primitive: 'spawn', type: 'wake', ts, target_id: 'task-r' });
      return { event: { ...event, primitive: 'run', type }, metadataJson: '{}' };
    };

    it('removes old events, keeps what run records need, and reports both; dry runs remove nothing', async () => {
      const old = await t.emit({ primitive: 'spawn', type: 'wake', ts: minute(0), agent_id: 'a' });
      const oldChild = await t.emit({ primitive: 'spawn', type: 'sleep', ts: minute(1), agent_id: 'a', parent_event_id: old.id, causes: [old.id] });
      const [runStart] = await t.store.append([runEvent('start', minute(2))]);
      const recent = await t.emit({ primitive: 'spawn', type: 'sleep', ts: minute(100), agent_id: 'a', parent_event_id: oldChild.id, causes: [old.id] });

      const dry = await t.store.prune({ olderThan: minute(50), dryRun: true });
      expect(dry).toEqual({ removed: 2, kept: 1, remaining: 4, dryRun: true });
      expect((await t.store.stats()).events).toBe(4);

      expect(await t.store.prune({ olderThan: minute(50) })).toEqual({ removed: 2, kept: 1, remaining: 2, dryRun: false });
      expect(ids(await t.store.query({}))).toEqual([runStart!.id, recent.id]);

      // The survivor still names its pruned parent and cause, and reads of it do not break.
      const [stored] = await t.store.get([recent.id]);
      expect(stored).toEqual(recent);
      expect(await t.store.ancestors(recent.id)).toEqual({ chain: [recent], missingParentId: oldChild.id });
      // Its surviving effects are still found from the pruned id.
      expect(ids(await t.store.descendants([old.id]))).toEqual([recent.id]);

      expect(await t.store.prune({ olderThan: minute(50), includeRuns: true })).toEqual({ removed: 1, kept: 0, remaining: 1, dryRun: false });
      expect(ids(await t.store.query({}))).toEqual([recent.id]);
    });

    it('remembers which pruned events kept ones still name, so readers can tell pruned from missing', async () => {
      const parent = await t.emit({ primitive: 'spawn', type: 'wake', ts: minute(0), agent_id: 'a' });
      const cause = await t.emit({ primitive: 'spawn', type: 'wake', ts: minute(1), agent_id: 'b' });
      const lonely = await t.emit({ primitive: 'spawn', type: 'wake', ts: minute(2), agent_id: 'c' });
      const neverStored = prepare({ primitive: 'spawn', type: 'wake', ts: minute(3) }).event.id;
      const kept = await t.emit({ primitive: 'spawn', type: 'sleep', ts: minute(100), agent_id: 'a', parent_event_id: parent.id, causes: [cause.id, neverStored] });
      expect(await t.store.pruned([parent.id, cause.id])).toEqual([]);

      await t.store.prune({ olderThan: minute(50) });
      // Not `lonely`: nothing kept names it. Not the id that was never stored, nor a malformed id.
      expect(await t.store.pruned([neverStored, parent.id, 'not-an-id', cause.id, lonely.id, kept.id])).toEqual([parent.id, cause.id]);
      expect(await t.store.pruned([])).toEqual([]);
    });

    it('a store opened for reading refuses to prune, but may dry-run', async () => {
      await t.emit({ primitive: 'spawn', type: 'wake', ts: minute(0), agent_id: 'a' });
      await t.emit({ primitive: 'spawn', type: 'wake', ts: minute(9), agent_id: 'a' });
      const reader = await t.open('read');
      await expect(reader.prune({ olderThan: minute(5) })).rejects.toMatchObject({ code: 'E_STORE' });
      expect(await reader.prune({ olderThan: minute(5), dryRun: true })).toMatchObject({ removed: 1 });
    });
  });
});
