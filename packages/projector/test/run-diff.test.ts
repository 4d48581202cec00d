import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventIdAt } from '@tracekernel/schema';
import { diffRuns, type DiffTask } from '@tracekernel/projector';
import { DIALECTS, T0, fixtures, type Fixture } from './store-fixture.js';
import { paymentRun } from './swarm-stories.js';

const MIN = 60_000;
const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();
const stripChildren = ({ children: _children, ...task }: DiffTask) => task;

describe.each(DIALECTS)('%s', (dialect) => {
  const open = fixtures(dialect);
  let f: Fixture;
  beforeEach(async () => {
    f = await open();
  });
  afterEach(() => f.cleanup());

  describe('two nightly payment runs: a new config, a retry of the ledger, no checkout subtask', () => {
    let a: Awaited<ReturnType<typeof paymentRun>>;
    let b: Awaited<ReturnType<typeof paymentRun>>;
    beforeEach(async () => {
      a = await paymentRun(f, { day: 0, prefix: 'mon', config: 'sha256:config-a' });
      b = await paymentRun(f, { day: 1, prefix: 'tue', config: 'sha256:config-b', retryLedger: true, dropCheckout: true });
    });

    it('given as runs: every task, run, agent and the first divergence', async () => {
      const diff = await diffRuns(f.store, a.start.id, f.store, 'payments-nightly-1');
      expect(diff.identical).toBe(false);
      expect(diff.threshold).toBe(0.2);
      expect(diff.a).toEqual({
        ref: a.start.id, kind: 'run', task: 'payments-nightly', title: null, span_id: a.start.id, store: f.store.location,
        events: 19, started_at: iso(T0 - 2 * MIN), ended_at: iso(T0 + 34 * MIN), duration_ms: 36 * MIN,
      });
      expect(diff.b).toEqual({
        ref: 'payments-nightly-1', kind: 'run', task: 'payments-nightly', title: null, span_id: b.start.id, store: f.store.location,
        events: 18, started_at: iso(T0 + DAY - 2 * MIN), ended_at: iso(T0 + DAY + 41 * MIN), duration_ms: 43 * MIN,
      });

      expect(diff.tasks.map(stripChildren)).toEqual([
        {
          path: ['Build payment system'], change: 'changed', differences: ['duration'], duration_ratio: 1.212,
          a: {
            task: 'mon-abc', title: 'Build payment system', status: 'complete', holder: 'zealot-1', claims: 0, blocks: 0, agents: ['zealot-1'],
            created_at: iso(T0), completed_at: iso(T0 + 33 * MIN), duration_ms: 33 * MIN,
          },
          b: {
            task: 'tue-abc', title: 'Build payment system', status: 'complete', holder: 'zealot-1', claims: 0, blocks: 0, agents: ['zealot-1'],
            created_at: iso(T0 + DAY), completed_at: iso(T0 + DAY + 40 * MIN), duration_ms: 40 * MIN,
          },
        },
        {
          path: ['Build payment system', 'Payout ledger'], change: 'changed', differences: ['claims', 'blocks', 'duration'],
          duration_ratio: Math.round(((36 * MIN - 1) / (26 * MIN - 2)) * 1000) / 1000,
          a: {
            task: 'mon-sub3', title: 'Payout ledger', status: 'complete', holder: 'haiku-3', claims: 1, blocks: 0, agents: ['haiku-3', 'zealot-1'],
            created_at: iso(T0 + MIN + 2), completed_at: iso(T0 + 27 * MIN), duration_ms: 26 * MIN - 2,
          },
          b: {
            task: 'tue-sub3', title: 'Payout ledger', status: 'complete', holder: 'haiku-3', claims: 2, blocks: 1, agents: ['haiku-3', 'zealot-1'],
            created_at: iso(T0 + DAY + MIN + 1), completed_at: iso(T0 + DAY + 37 * MIN), duration_ms: 36 * MIN - 1,
          },
        },
        {
          path: ['Build payment system', 'Checkout API'], change: 'removed', differences: [], duration_ratio: null, b: null,
          a: {
            task: 'mon-sub2', title: 'Checkout API', status: 'complete', holder: 'haiku-2', claims: 1, blocks: 0, agents: ['haiku-2', 'zealot-1'],
            created_at: iso(T0 + MIN + 1), completed_at: iso(T0 + 18 * MIN), duration_ms: 17 * MIN - 1,
          },
        },
      ]);
      // The tree keeps the unchanged subtask, so the text form can draw it.
      expect(diff.tree).toHaveLength(1);
      expect(diff.tree[0]!.children.map((child) => [child.path.at(-1), child.change])).toEqual([
        ['Adyen sandbox client', 'same'], ['Payout ledger', 'changed'], ['Checkout API', 'removed'],
      ]);

      // 43 min against 36 is ×1.194: within the 20% threshold, so only the digest changed.
      expect(diff.runs).toEqual([{
        path: ['payments-nightly'], attempt: 1, change: 'changed', differences: ['config_digest'], duration_ratio: 1.194,
        a: { span_id: a.start.id, task_id: 'payments-nightly', attempt: 1, status: 'success', config_digest: 'sha256:config-a', input_digest: 'sha256:inputs-1', duration_ms: 36 * MIN, started_at: iso(T0 - 2 * MIN) },
        b: { span_id: b.start.id, task_id: 'payments-nightly', attempt: 1, status: 'success', config_digest: 'sha256:config-b', input_digest: 'sha256:inputs-1', duration_ms: 43 * MIN, started_at: iso(T0 + DAY - 2 * MIN) },
      }]);
      expect(diff.agents).toEqual({ added: [], removed: ['haiku-2'] });
      expect(diff.first_divergence).toEqual({
        side: 'b', change: 'changed', event: b.start, counterpart: a.start, differences: ['metadata.config_digest'], causes: [],
      });
    });

    it('a lower threshold reports the run duration too', async () => {
      const diff = await diffRuns(f.store, a.start.id, f.store, b.start.id, { threshold: 0.1 });
      expect(diff.runs[0]!.differences).toEqual(['config_digest', 'duration']);
    });

    it('given as root tasks: the first divergence is the ledger block, with its chain of causes', async () => {
      const diff = await diffRuns(f.store, 'mon-abc', f.store, 'tue-abc');
      expect(diff.a).toMatchObject({ kind: 'task', task: 'mon-abc', title: 'Build payment system', span_id: null });
      expect(diff.runs).toEqual([]);
      expect(diff.tasks.map((task) => [task.path.at(-1), task.change])).toEqual([
        ['Build payment system', 'changed'], ['Payout ledger', 'changed'], ['Checkout API', 'removed'],
      ]);
      const ledgerBlock = (await f.store.query({ targets: ['tue-sub3'], kinds: ['ops.block_task'] }))[0]!;
      const divergence = diff.first_divergence!;
      expect(divergence).toMatchObject({ side: 'b', change: 'added', counterpart: null, differences: [] });
      expect(divergence.event).toEqual(ledgerBlock);
      expect(divergence.causes.map((event) => event.id)).toEqual([b.start.id, b.ask.id, b.root.id, b.created.get('sub3')!.id, b.claims.get('sub3')!.id]);
      expect(diff.agents).toEqual({ added: [], removed: ['haiku-2'] });
    });
  });

  it('two runs that did the same: identical, and nothing listed', async () => {
    const a = await paymentRun(f, { day: 0, prefix: 'mon', config: 'sha256:config-a' });
    const b = await paymentRun(f, { day: 3, prefix: 'thu', config: 'sha256:config-a' });
    const diff = await diffRuns(f.store, a.start.id, f.store, b.start.id);
    expect(diff).toMatchObject({ identical: true, first_divergence: null, tasks: [], runs: [], agents: { added: [], removed: [] } });
    expect(diff.tree[0]!.change).toBe('same');
  });

  it('a run that got stuck: completed → blocked, and the run still running', async () => {
    const a = await paymentRun(f, { day: 0, prefix: 'mon', config: 'sha256:config-a' });
    const c = await paymentRun(f, { day: 2, prefix: 'wed', config: 'sha256:config-a', stuck: true });
    const diff = await diffRuns(f.store, a.start.id, f.store, c.start.id);
    const adyen = diff.tasks.find((task) => task.path.at(-1) === 'Adyen sandbox client')!;
    expect(adyen).toMatchObject({ change: 'changed', differences: ['status', 'claims'] });
    expect([adyen.a!.status, adyen.b!.status]).toEqual(['complete', 'blocked']);
    expect(diff.tasks[0]).toMatchObject({ path: ['Build payment system'], differences: ['status', 'holder'] });
    expect(diff.runs).toEqual([expect.objectContaining({ change: 'changed', differences: ['status'] })]);
    expect(diff.runs[0]!.b!.status).toBe('running');
  });

  it('a run that only dropped a subtask: the first divergence is the subtask A created and B did not', async () => {
    const a = await paymentRun(f, { day: 0, prefix: 'mon', config: 'sha256:config-a' });
    const b = await paymentRun(f, { day: 1, prefix: 'tue', config: 'sha256:config-a', dropCheckout: true });
    const diff = await diffRuns(f.store, a.start.id, f.store, b.start.id);
    expect(diff.tasks.map((task) => [task.path.at(-1), task.change])).toEqual([['Checkout API', 'removed']]);
    expect(diff.runs).toEqual([]);
    expect(diff.first_divergence).toEqual({
      side: 'a', change: 'removed', event: a.created.get('sub2'), counterpart: null, differences: [], causes: [a.start, a.ask, a.root],
    });
  });

  it('B from another store (--db-b): the same ids in both, matched all the same', async () => {
    const other = await open();
    try {
      const a = await paymentRun(f, { day: 0, prefix: 'pay', config: 'sha256:config-a' });
      const b = await paymentRun(other, { day: 1, prefix: 'pay', config: 'sha256:config-a', stuck: true });
      const diff = await diffRuns(f.store, 'pay-abc', other.store, 'pay-abc');
      expect(diff.a.store).toBe(f.store.location);
      expect(diff.b.store).toBe(other.store.location);
      expect(diff.tasks.map((task) => [task.path.at(-1), task.change, task.differences])).toEqual([
        ['Build payment system', 'changed', ['status', 'holder']],
        ['Adyen sandbox client', 'changed', ['status', 'claims']],
      ]);
      // Every event of B has its counterpart: the divergence is A's retry, which B never made, with causes from A's store.
      const retry = (await f.store.query({ targets: ['pay-sub1'], kinds: ['ops.claim_task'] }))[1]!;
      expect(diff.first_divergence).toMatchObject({ side: 'a', change: 'removed', event: retry, counterpart: null });
      expect(diff.first_divergence!.causes).toEqual([a.start, a.ask, a.root, a.created.get('sub1'), a.claims.get('sub1'), a.asked, a.answer]);
      expect(b.end).toBeNull();
    } finally {
      await other.cleanup();
    }
  });

  it('a renamed task is matched by the idempotency key of its create_task (keys are unique per store: across two)', async () => {
    const other = await open();
    try {
      const create = (into: Fixture, target: string, title: string, ts: number, key: string | null, parent?: string) => into.emit({
        primitive: 'ops', type: 'create_task', ts, agent_id: 'zealot-1', target_id: target, idempotency_key: key,
        metadata: { title, ...(parent ? { parent_task_id: parent } : {}) },
      });
      await create(f, 'release', 'Release', T0, null);
      await create(f, 'notes', 'Write notes', T0 + MIN, 'notes-task', 'release');
      await create(f, 'tests', 'Run tests', T0 + 2 * MIN, 'tests-task', 'release');
      await create(other, 'release', 'Release', T0 + DAY, null);
      await create(other, 'notes', 'Write the release notes', T0 + DAY + MIN, 'notes-task', 'release');
      await create(other, 'tests', 'Run all tests', T0 + DAY + 2 * MIN, 'tests-task-2', 'release');
      const diff = await diffRuns(f.store, 'release', other.store, 'release');
      expect(diff.tasks.map((task) => [task.path, task.change, task.differences])).toEqual([
        [['Release', 'Write the release notes'], 'changed', ['title']],
        [['Release', 'Run all tests'], 'added', []],
        [['Release', 'Run tests'], 'removed', []],
      ]);
    } finally {
      await other.cleanup();
    }
  });

  it('a duration changed by exactly the threshold is not beyond it (10 min → 11 min at 10%), one ms more is', async () => {
    const story = async (prefix: string, start: number, minutes: number, extraMs = 0) => {
      const created = await f.emit({ primitive: 'ops', type: 'create_task', ts: start, agent_id: 'lead', target_id: `${prefix}-job`, metadata: { title: 'Job' } });
      await f.emit({ primitive: 'ops', type: 'complete_task', ts: start + minutes * MIN + extraMs, agent_id: 'lead', target_id: `${prefix}-job`, parent_event_id: created.id });
    };
    await story('mon', T0, 10);
    await story('tue', T0 + DAY, 11);
    await story('wed', T0 + 2 * DAY, 11, 1);
    const exact = await diffRuns(f.store, 'mon-job', f.store, 'tue-job', { threshold: 0.1 });
    expect(exact).toMatchObject({ identical: true, tasks: [] });
    expect(exact.tree[0]).toMatchObject({ change: 'same', duration_ratio: 1.1 });
    const beyond = await diffRuns(f.store, 'mon-job', f.store, 'wed-job', { threshold: 0.1 });
    expect(beyond.tasks.map((task) => [task.change, task.differences])).toEqual([['changed', ['duration']]]);
  });

  it('two runs in one store that block on their own sibling and note on their task: identical, though the task ids differ', async () => {
    for (const prefix of ['mon', 'tue']) {
      const start = prefix === 'mon' ? T0 : T0 + DAY;
      const ev = (type: string, target: string, minutes: number, parent: string | null, metadata: Record<string, unknown> = {}, primitive = 'ops') =>
        f.emit({ primitive, type, ts: start + minutes * MIN, agent_id: 'ann', target_id: target, parent_event_id: parent, metadata });
      const root = await ev('create_task', `${prefix}-root`, 0, null, { title: 'Root' });
      const build = await ev('create_task', `${prefix}-build`, 1, root.id, { title: 'Build', parent_task_id: `${prefix}-root` });
      await ev('create_task', `${prefix}-test`, 1, root.id, { title: 'Test', parent_task_id: `${prefix}-root` });
      const claim = await ev('claim_task', `${prefix}-build`, 2, build.id);
      const block = await ev('block_task', `${prefix}-build`, 3, claim.id, { reason: 'needs Test', waiting_on: { task: `${prefix}-test` } });
      await ev('add_entry', `${prefix}-build`, 4, block.id, { topic: 'notes', content: 'waiting' }, 'memory');
    }
    const diff = await diffRuns(f.store, 'mon-root', f.store, 'tue-root');
    expect(diff.first_divergence).toBeNull();
    expect(diff.identical).toBe(true);
  });

  it('a renamed task (matched by its idempotency key) diverges in its title, not as a new event', async () => {
    const other = await open();
    try {
      for (const [into, title, day] of [[f, 'Write notes', 0], [other, 'Write the release notes', 1]] as const) {
        const root = await into.emit({ primitive: 'ops', type: 'create_task', ts: T0 + day * DAY, agent_id: 'zed', target_id: 'release', metadata: { title: 'Release' } });
        const notes = await into.emit({
          primitive: 'ops', type: 'create_task', ts: T0 + day * DAY + MIN, agent_id: 'zed', target_id: 'notes', idempotency_key: 'notes-task',
          parent_event_id: root.id, metadata: { title, parent_task_id: 'release' },
        });
        await into.emit({ primitive: 'ops', type: 'claim_task', ts: T0 + day * DAY + 2 * MIN, agent_id: 'zed', target_id: 'notes', parent_event_id: notes.id });
      }
      const diff = await diffRuns(f.store, 'release', other.store, 'release');
      expect(diff.first_divergence).toMatchObject({ side: 'b', change: 'changed', differences: ['metadata.title'] });
      expect(diff.first_divergence!.event.target_id).toBe('notes');
    } finally {
      await other.cleanup();
    }
  });

  it('a run outside the task tree matches the other side\'s by its task slug when its task id carries the date', async () => {
    const runs = new Map<string, string>();
    for (const [prefix, day, config] of [['mon', 0, 'sha256:lint-a'], ['tue', 1, 'sha256:lint-b']] as const) {
      const start = T0 + day * DAY;
      const root = await f.emit({ primitive: 'ops', type: 'create_task', ts: start, agent_id: 'ci', target_id: `${prefix}-root`, metadata: { title: 'Release' } });
      const claim = await f.emit({ primitive: 'ops', type: 'claim_task', ts: start + MIN, agent_id: 'ci', target_id: `${prefix}-root`, parent_event_id: root.id });
      const spanId = eventIdAt(start + 2 * MIN);
      runs.set(prefix, spanId);
      await f.emit({
        primitive: 'run', type: 'start', id: spanId, ts: start + 2 * MIN, agent_id: 'ci', target_id: `lint-${prefix}`, parent_event_id: claim.id,
        metadata: {
          schema_version: 1, task_id: `lint-${prefix}`, task_slug: 'lint', trigger: 'manual', idempotency_key: `lint-${prefix}-1`, trace_id: spanId, span_id: spanId,
          attempt: 1, retry_of: null, runner: { name: 'ci', version: '1', pid: 1, host: 'h' }, config_digest: config, input_digest: null,
        },
      });
    }
    const diff = await diffRuns(f.store, 'mon-root', f.store, 'tue-root');
    expect(diff.runs.map((run) => [run.path, run.change, run.differences, run.a?.span_id, run.b?.span_id])).toEqual([
      [['lint'], 'changed', ['config_digest'], runs.get('mon'), runs.get('tue')],
    ]);
    expect(diff.first_divergence).toMatchObject({ side: 'b', change: 'changed', differences: ['metadata.config_digest'] });
  });

  it('a reference that is neither a task nor a run is E_NOT_FOUND; a negative threshold is E_USAGE', async () => {
    await paymentRun(f, { day: 0, prefix: 'mon', config: 'sha256:config-a' });
    await expect(diffRuns(f.store, 'mon-abc', f.store, 'no-such-thing')).rejects.toMatchObject({ code: 'E_NOT_FOUND', message: expect.stringContaining('"no-such-thing"') });
    await expect(diffRuns(f.store, 'mon-abc', f.store, 'mon-abc', { threshold: -1 })).rejects.toMatchObject({ code: 'E_USAGE' });
  });
});
