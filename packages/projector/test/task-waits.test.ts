import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { storeWaits, taskWaits } from '@tracekernel/projector';
import { DIALECTS, T0, fixtures, type Fixture } from './store-fixture.js';
import { deadlockStories, loopStories, paymentRun } from './swarm-stories.js';

const MIN = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();
const share = (ms: number, total: number) => Math.round((ms / total) * 10_000) / 10_000;

describe.each(DIALECTS)('%s', (dialect) => {
  const open = fixtures(dialect);
  let f: Fixture;
  beforeEach(async () => {
    f = await open();
  });
  afterEach(() => f.cleanup());

  describe('a payment run: the critical path runs through a reply and a blocked wait', () => {
    let run: Awaited<ReturnType<typeof paymentRun>>;
    beforeEach(async () => {
      run = await paymentRun(f, { day: 0, prefix: 'mon', config: 'sha256:config-a' });
    });

    it('of the blocked subtask: queue, work, reply, blocked, work', async () => {
      const waits = await taskWaits(f.store, 'mon-sub1');
      const retry = (await f.store.query({ targets: ['mon-sub1'], kinds: ['ops.claim_task'] }))[1]!;
      const done = (await f.store.query({ targets: ['mon-sub1'], kinds: ['ops.complete_task'] }))[0]!;
      const total = 29 * MIN;
      expect(waits).toMatchObject({
        task: 'mon-sub1', title: 'Adyen sandbox client', status: 'complete',
        created_at: iso(T0 + MIN), ended_at: iso(T0 + 30 * MIN), total_ms: total, deadlocks: [], loops: [],
      });
      expect(waits.critical_path).toEqual([
        { event: run.claims.get('sub1'), from: run.created.get('sub1')!.id, kind: 'queue', ms: 4 * MIN, share: share(4 * MIN, total) },
        { event: run.asked, from: run.claims.get('sub1')!.id, kind: 'work', ms: 5 * MIN, share: share(5 * MIN, total) },
        { event: run.answer, from: run.asked.id, kind: 'reply', ms: 10 * MIN, share: share(10 * MIN, total) },
        { event: retry, from: run.answer.id, kind: 'blocked', ms: 5 * MIN, share: share(5 * MIN, total) },
        { event: done, from: retry.id, kind: 'work', ms: 5 * MIN, share: share(5 * MIN, total) },
      ]);
      expect(waits.blocked).toEqual([{
        task: 'mon-sub1', agent: 'haiku-1', reason: 'need API key', waiting_on: null, block: run.block.id, ended: retry.id,
        from: iso(T0 + 15 * MIN), until: iso(T0 + 25 * MIN), ms: 10 * MIN, ended_by: run.answer,
      }]);
      expect(waits.blocked_totals).toEqual({ by_task: [{ task: 'mon-sub1', ms: 10 * MIN }], by_agent: [{ agent: 'haiku-1', ms: 10 * MIN }] });
    });

    it('of the root task: through the subtask that finished last, to the reduce and the completion', async () => {
      const waits = await taskWaits(f.store, 'mon-abc');
      expect(waits.total_ms).toBe(33 * MIN);
      expect(waits.critical_path.map((step) => [step.event!.target_id, step.event!.type, step.kind, step.ms / MIN])).toEqual([
        ['mon-sub1', 'create_task', 'work', 1],
        ['mon-sub1', 'claim_task', 'queue', 4],
        ['payments', 'send', 'work', 5],
        ['payments', 'send', 'reply', 10],
        ['mon-sub1', 'claim_task', 'blocked', 5],
        ['mon-sub1', 'complete_task', 'work', 5],
        ['mon-abc', 'reduce_task', 'work', 2],
        ['mon-abc', 'complete_task', 'work', 1],
      ]);
      expect(waits.critical_path.reduce((sum, step) => sum + step.ms, 0)).toBe(waits.total_ms);
      expect(waits.blocked.map((span) => span.task)).toEqual(['mon-sub1']);
    });

    it('an unknown task is E_NOT_FOUND; a loop threshold of 0 is E_USAGE', async () => {
      await expect(taskWaits(f.store, 'nope')).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
      await expect(taskWaits(f.store, 'mon-abc', { loopThreshold: 0 })).rejects.toMatchObject({ code: 'E_USAGE' });
    });
  });

  describe('deadlocks', () => {
    it('a two-task and a three-task cycle, and nothing for tasks that only wait behind one', async () => {
      const blocks = await deadlockStories(f);
      const member = (task: string, holder: string, waitingOn: Record<string, string>) => ({
        task, holder, reason: `waiting for ${Object.values(waitingOn)[0]}`, waiting_on: waitingOn, block: blocks.get(task)!.id,
      });
      const all = await storeWaits(f.store);
      expect(all).toEqual({
        open_tasks: 8,
        blocked_tasks: 7,
        deadlocks: [
          [member('dl2-a', 'alice', { task: 'dl2-b' }), member('dl2-b', 'bob', { task: 'dl2-a' })],
          [member('dl3-x', 'xavier', { agent: 'yvonne' }), member('dl3-y', 'yvonne', { channel: 'ledger' }), member('dl3-z', 'zed', { task: 'dl3-x' })],
        ],
        loops: [],
      });

      const now = T0 + 20 * MIN;
      const waits = await taskWaits(f.store, 'dl3-y', { now });
      expect(waits.deadlocks).toEqual([all.deadlocks[1]]);
      expect(waits.status).toBe('blocked');
      expect(waits.ended_at).toBeNull();
      // Events without causes follow their task's order; still blocked, the path ends with a blocked step to now.
      expect(waits.critical_path.map((step) => [step.event?.type ?? null, step.kind, step.ms / MIN])).toEqual([
        ['claim_task', 'queue', 1], ['block_task', 'work', 4], [null, 'blocked', 14],
      ]);
      expect(waits.critical_path.at(-1)).toEqual({ event: null, from: blocks.get('dl3-y')!.id, kind: 'blocked', ms: now - (T0 + 6 * MIN), share: share(now - (T0 + 6 * MIN), now - (T0 + MIN)) });
      expect(waits.blocked).toEqual([expect.objectContaining({ task: 'dl3-y', waiting_on: { channel: 'ledger' }, ended: null, until: null, ms: 14 * MIN, ended_by: null })]);
      expect((await taskWaits(f.store, 'dl-v', { now })).deadlocks).toEqual([]);
    });
  });

  it('a block ended by a claim that names the block (or the creation) as its cause is ended by that claim', async () => {
    const ev = (type: string, minutes: number, parent: string | null, metadata: Record<string, unknown> = {}) =>
      f.emit({ primitive: 'ops', type, ts: T0 + minutes * MIN, agent_id: 'ann', target_id: 'retry-me', parent_event_id: parent, metadata });
    const created = await ev('create_task', 0, null, { title: 'Retry me' });
    const claim = await ev('claim_task', 1, created.id);
    const block = await ev('block_task', 2, claim.id, { reason: 'flaky' });
    const retry = await ev('claim_task', 5, block.id);
    const block2 = await ev('block_task', 6, retry.id, { reason: 'flaky again' });
    const retry2 = await ev('claim_task', 8, created.id);
    const waits = await taskWaits(f.store, 'retry-me');
    expect(waits.blocked.map((span) => [span.block, span.ended, span.ended_by?.id])).toEqual([
      [block.id, retry.id, retry.id],
      [block2.id, retry2.id, retry2.id],
    ]);
  });

  describe('loops', () => {
    it('a task claimed and blocked three times without completing, and an agent waking on the same channel', async () => {
      const { retries, wakes } = await loopStories(f);
      const all = await storeWaits(f.store);
      expect(all.loops).toEqual([
        { kind: 'retry', target: 'loop-1', agents: ['worker-9'], count: 3, events: retries.map((event) => event.id) },
        { kind: 'wake', target: 'status', agents: ['sleepy'], count: 3, events: wakes.map((event) => event.id) },
      ]);
      expect(all.deadlocks).toEqual([]);
      expect((await storeWaits(f.store, { loopThreshold: 4 })).loops).toEqual([]);
      expect((await taskWaits(f.store, 'loop-1')).loops).toEqual([all.loops[0]]);
      expect((await taskWaits(f.store, 'loop-2')).loops).toEqual([]);
    });

    it('an agent that posts on a channel each session but completes a task each time is progressing; one that only posts is not', async () => {
      for (let i = 0; i < 3; i++) {
        const ts = T0 + 10 * i * MIN;
        const ev = (agent: string, primitive: string, type: string, target: string | null, minutes: number, metadata: Record<string, unknown> = {}) =>
          f.emit({ primitive, type, ts: ts + minutes * MIN, agent_id: agent, target_id: target, session_id: `${agent}-${i}`, metadata });
        await ev('builder', 'ops', 'create_task', `job-${i}`, 0, { title: `Job ${i}` });
        for (const agent of ['builder', 'poster']) {
          await ev(agent, 'spawn', 'wake', null, 1);
          await ev(agent, 'bridge', 'send', 'ci', 2, { content: 'on it' });
          if (agent === 'builder') await ev(agent, 'ops', 'complete_task', `job-${i}`, 3);
          await ev(agent, 'spawn', 'sleep', null, 4);
        }
      }
      const { loops } = await storeWaits(f.store);
      expect(loops.map((loop) => [loop.kind, loop.target, loop.agents])).toEqual([['wake', 'ci', ['poster']]]);
    });
  });
});
