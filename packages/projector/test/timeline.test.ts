import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { timeline, timelineBatches, type Timeline, type TimelineQuery } from '@tracekernel/projector';
import type { TraceEvent } from '@tracekernel/schema';
import { DIALECTS, fixtures, minute, paymentStory, type Fixture, type Story } from './store-fixture.js';

const ids = (t: Timeline) => t.entries.map((entry) => entry.event.id);

describe.each(DIALECTS)('%s', (dialect) => {
  const open = fixtures(dialect);
  let f: Fixture;
  let s: Story;
  beforeEach(async () => {
    f = await open();
    s = await paymentStory(f);
  });
  afterEach(() => f.cleanup());

  describe('timeline for a task', () => {
    it('holds the task, its subtasks (transitively) and every event they caused, oldest first', async () => {
      const t = await timeline(f.store, { task: 'task-abc123' }, f.catalog);
      expect(t.heading).toBe('Timeline for task-abc123 (Build payment system):');
      expect(ids(t)).toEqual([
        s.create.id, ...s.subs.map((e) => e.id).sort(), s.claim1.id, s.subsub.id, s.blockedMsg.id, s.stripeNote.id,
        s.block.id, s.answer.id, s.claim2.id, s.complete.id, s.discovery.id,
      ]);
    });

    it('leaves out causes above the task, unrelated events on the same channel and other tasks', async () => {
      const shown = new Set(ids(await timeline(f.store, { task: 'task-abc123' })));
      for (const event of [s.ask, s.notes, s.wake, s.wake2, s.lunch, s.other]) expect(shown.has(event.id)).toBe(false);
    });

    it('includes events of other targets caused through causes only (fan-in)', async () => {
      const t = await timeline(f.store, { task: 'task-sub1' });
      expect(ids(t)).toContain(s.discovery.id);
      expect(ids(t)).toContain(s.stripeNote.id);
      expect(t.heading).toBe('Timeline for task-sub1 (Part 1):');
    });

    it('describes each event with the catalog', async () => {
      const t = await timeline(f.store, { task: 'task-sub1' }, f.catalog);
      const line = t.entries.find((entry) => entry.event.id === s.block.id)!.description;
      expect(line).toBe('task-sub1 blocked by haiku-1 (reason: need API key)');
    });

    it('filters by primitive and by the window [since, until)', async () => {
      const bridge = await timeline(f.store, { task: 'task-abc123', primitives: ['bridge'] });
      expect(ids(bridge)).toEqual([s.blockedMsg.id, s.answer.id]);
      const window = await timeline(f.store, { task: 'task-abc123', since: minute(10), until: minute(25) });
      expect(ids(window)).toEqual([s.blockedMsg.id, s.stripeNote.id, s.block.id, s.answer.id]);
      const typed = await timeline(f.store, { task: 'task-abc123', primitives: ['ops.claim_task'] });
      expect(ids(typed)).toEqual([s.claim1.id, s.claim2.id]);
    });

    it('keeps events caused by task events that lie before the window', async () => {
      const t = await timeline(f.store, { task: 'task-abc123', since: minute(31) });
      expect(ids(t)).toEqual([s.discovery.id]);
      expect(t.heading).toBe('Timeline for task-abc123 (Build payment system):');
    });

    it('limit keeps the latest N, oldest first', async () => {
      const t = await timeline(f.store, { task: 'task-abc123', limit: 3 });
      expect(ids(t)).toEqual([s.claim2.id, s.complete.id, s.discovery.id]);
    });

    it('an unknown task has an empty timeline without a title', async () => {
      const t = await timeline(f.store, { task: 'task-nope' });
      expect(t.entries).toEqual([]);
      expect(t.heading).toBe('Timeline for task-nope:');
    });
  });

  describe('timeline for an agent, a channel, or filters only', () => {
    it('an agent: the events it emitted', async () => {
      const t = await timeline(f.store, { agent: 'haiku-1' });
      expect(t.heading).toBe('Activity timeline for haiku-1:');
      expect(ids(t)).toEqual([s.claim1.id, s.subsub.id, s.blockedMsg.id, s.stripeNote.id, s.block.id, s.claim2.id, s.complete.id]);
    });

    it('an agent with primitive filter, window and limit', async () => {
      expect(ids(await timeline(f.store, { agent: 'zealot-1', primitives: ['spawn'] }))).toEqual([s.wake.id, s.wake2.id]);
      expect(ids(await timeline(f.store, { agent: 'zealot-1', since: minute(20), until: minute(40) }))).toEqual([s.answer.id, s.discovery.id]);
      expect(ids(await timeline(f.store, { agent: 'haiku-1', limit: 2 }))).toEqual([s.claim2.id, s.complete.id]);
    });

    it('a channel: the bridge events whose target is the channel', async () => {
      await f.emit({ primitive: 'memory', type: 'add_entry', ts: minute(50), agent_id: 'x', target_id: 'payments', metadata: { topic: 't' } });
      const t = await timeline(f.store, { channel: 'payments' });
      expect(t.heading).toBe('Timeline for #payments:');
      expect(ids(t)).toEqual([s.ask.id, s.lunch.id, s.blockedMsg.id, s.answer.id]);
      expect(ids(await timeline(f.store, { channel: 'payments', limit: 1 }))).toEqual([s.answer.id]);
      expect(ids(await timeline(f.store, { channel: 'payments', primitives: ['ops'] }))).toEqual([]);
      expect(ids(await timeline(f.store, { channel: 'payments', agent: 'haiku-9' }))).toEqual([s.lunch.id]);
    });

    it('filters only: the events in the window, latest N', async () => {
      const t = await timeline(f.store, { since: minute(30), until: minute(40) });
      expect(t.heading).toBe('Timeline:');
      expect(ids(t)).toEqual([s.complete.id, s.discovery.id]);
      expect(ids(await timeline(f.store, { limit: 2 }))).toEqual([s.discovery.id, s.wake2.id]);
      expect(ids(await timeline(f.store, { primitives: ['knowledge'] }))).toEqual([s.discovery.id]);
    });

    it('orders events of the same millisecond by id', async () => {
      const a = await f.emit({ primitive: 'spawn', type: 'sleep', ts: minute(60), agent_id: 'tie' });
      const b = await f.emit({ primitive: 'spawn', type: 'sleep', ts: minute(60), agent_id: 'tie' });
      expect(ids(await timeline(f.store, { agent: 'tie' }))).toEqual([a.id, b.id].sort());
    });

    it('rejects a limit that is not a positive integer', async () => {
      await expect(timeline(f.store, { limit: 0 })).rejects.toMatchObject({ code: 'E_USAGE' });
      await expect(timeline(f.store, { limit: 1.5 })).rejects.toMatchObject({ code: 'E_USAGE' });
    });
  });
});

describe.each(DIALECTS)('%s timelineBatches', (dialect) => {
  const open = fixtures(dialect);
  let f: Fixture;
  beforeEach(async () => {
    f = await open();
    await paymentStory(f);
  });
  afterEach(() => f.cleanup());

  const batched = async (query: TimelineQuery) => {
    const batches: TraceEvent[][] = [];
    for await (const batch of timelineBatches(f.store, query)) batches.push(batch);
    expect(batches.every((batch) => batch.length > 0)).toBe(true);
    return batches;
  };
  const byTimeThenId = (a: TraceEvent, b: TraceEvent) => a.ts - b.ts || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

  it('gives the events of timeline, each once, whatever the batches, for every filter', async () => {
    const queries: TimelineQuery[] = [
      { task: 'task-abc123' }, { task: 'task-sub1' }, { task: 'task-abc123', agent: 'zealot-1' }, { task: 'task-abc123', primitives: ['bridge', 'ops.claim_task'] },
      { task: 'task-abc123', since: minute(3), until: minute(30) }, { task: 'task-abc123', includePrivate: true }, { task: 'task-none' },
      { agent: 'zealot-1' }, { channel: 'payments' },
    ];
    for (const query of queries) {
      const expected = (await timeline(f.store, query)).entries.map((entry) => entry.event);
      expect((await batched(query)).flat().sort(byTimeThenId)).toEqual(expected);
    }
  });

  it('sends a task\'s own events first, and a limit as one batch in timeline order', async () => {
    const [own] = await batched({ task: 'task-abc123' });
    expect(own!.every((event) => event.primitive === 'ops')).toBe(true);
    const limited = await batched({ task: 'task-abc123', limit: 3 });
    expect(limited).toEqual([(await timeline(f.store, { task: 'task-abc123', limit: 3 })).entries.map((entry) => entry.event)]);
    await expect(batched({ task: 'task-abc123', limit: 0 })).rejects.toThrow(/limit/);
  });
});
