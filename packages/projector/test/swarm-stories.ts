import { eventIdAt, runEndEventKey, runStartEventKey, type EventInput, type TraceEvent } from '@tracekernel/schema';
import { T0, type Fixture } from './store-fixture.js';

const DAY = 86_400_000;
const runner = { name: 'scheduler', version: '1.0.0', pid: 351425, host: 'd-vps' };

export interface PaymentRunOptions {
  /** Which night the run is: its times start `day` days after T0, and its task ids carry the prefix. */
  day: number;
  prefix: string;
  config: string;
  /** The payout ledger is blocked once and retried. */
  retryLedger?: boolean;
  /** The checkout API subtask is never created. */
  dropCheckout?: boolean;
  /** The Adyen client is never reclaimed after its block, so nothing completes. */
  stuck?: boolean;
}

/**
 * One nightly run of the payment story, as a run record whose start causes the swarm's work:
 * a request on #payments, a root task and its subtasks, a block on an API key answered on the
 * channel, a retry, completions, and the run's end. Times are fixed, so durations are known.
 */
export async function paymentRun(f: Fixture, options: PaymentRunOptions) {
  const base = T0 + options.day * DAY;
  const at = (minutes: number) => base + minutes * 60_000;
  const task = (name: string) => `${options.prefix}-${name}`;
  const emit = (input: EventInput) => f.emit(input);
  const startId = eventIdAt(at(-2));
  const key = `payments-nightly-${options.day}`;
  const start = await emit({
    primitive: 'run', type: 'start', id: startId, ts: at(-2), agent_id: 'scheduler', target_id: 'payments-nightly',
    idempotency_key: runStartEventKey(key),
    metadata: {
      schema_version: 1, task_id: 'payments-nightly', task_slug: 'payments', trigger: 'scheduled', idempotency_key: key,
      trace_id: startId, span_id: startId, attempt: 1, retry_of: null, runner,
      config_digest: options.config, input_digest: 'sha256:inputs-1',
    },
  });
  const ask = await emit({ primitive: 'bridge', type: 'send', ts: at(-1), agent_id: 'pm', target_id: 'payments', parent_event_id: start.id, metadata: { content: 'we need payments' } });
  const root = await emit({ primitive: 'ops', type: 'create_task', ts: at(0), agent_id: 'zealot-1', target_id: task('abc'), parent_event_id: ask.id, metadata: { title: 'Build payment system' } });
  const subtasks = [
    { name: 'sub1', title: 'Adyen sandbox client', worker: 'haiku-1' },
    ...(options.dropCheckout ? [] : [{ name: 'sub2', title: 'Checkout API', worker: 'haiku-2' }]),
    { name: 'sub3', title: 'Payout ledger', worker: 'haiku-3' },
  ];
  const created = new Map<string, TraceEvent>();
  const claims = new Map<string, TraceEvent>();
  for (const [i, sub] of subtasks.entries()) {
    created.set(sub.name, await emit({
      primitive: 'ops', type: 'create_task', ts: at(1) + i, agent_id: 'zealot-1', target_id: task(sub.name), parent_event_id: root.id,
      metadata: { title: sub.title, parent_task_id: task('abc') },
    }));
  }
  for (const [i, sub] of subtasks.entries()) {
    claims.set(sub.name, await emit({ primitive: 'ops', type: 'claim_task', ts: at(5) + i, agent_id: sub.worker, target_id: task(sub.name), parent_event_id: created.get(sub.name)!.id }));
  }
  const asked = await emit({ primitive: 'bridge', type: 'send', ts: at(10), agent_id: 'haiku-1', target_id: 'payments', parent_event_id: claims.get('sub1')!.id, metadata: { content: 'Blocked on API key' } });
  const block = await emit({ primitive: 'ops', type: 'block_task', ts: at(15), agent_id: 'haiku-1', target_id: task('sub1'), parent_event_id: asked.id, metadata: { reason: 'need API key' } });
  const answer = await emit({ primitive: 'bridge', type: 'send', ts: at(20), agent_id: 'zealot-1', target_id: 'payments', parent_event_id: asked.id, metadata: { content: 'API key in .env.example' } });
  const done: TraceEvent[] = [];
  if (!options.stuck) {
    const retry = await emit({ primitive: 'ops', type: 'claim_task', ts: at(25), agent_id: 'haiku-1', target_id: task('sub1'), parent_event_id: answer.id, causes: [block.id], metadata: { attempt: 2 } });
    done.push(await emit({ primitive: 'ops', type: 'complete_task', ts: at(30), agent_id: 'haiku-1', target_id: task('sub1'), parent_event_id: retry.id }));
  }
  if (!options.dropCheckout) {
    done.push(await emit({ primitive: 'ops', type: 'complete_task', ts: at(18), agent_id: 'haiku-2', target_id: task('sub2'), parent_event_id: claims.get('sub2')!.id }));
  }
  let ledgerCause = claims.get('sub3')!;
  let ledgerDone = at(27);
  if (options.retryLedger) {
    const ledgerBlock = await emit({ primitive: 'ops', type: 'block_task', ts: at(22), agent_id: 'haiku-3', target_id: task('sub3'), parent_event_id: ledgerCause.id, metadata: { reason: 'ledger migration pending' } });
    ledgerCause = await emit({ primitive: 'ops', type: 'claim_task', ts: at(30), agent_id: 'haiku-3', target_id: task('sub3'), parent_event_id: ledgerBlock.id, metadata: { attempt: 2 } });
    ledgerDone = at(37);
  }
  done.push(await emit({ primitive: 'ops', type: 'complete_task', ts: ledgerDone, agent_id: 'haiku-3', target_id: task('sub3'), parent_event_id: ledgerCause.id }));
  const last = Math.max(...done.map((event) => event.ts));
  let end: TraceEvent | null = null;
  if (!options.stuck) {
    const reduced = await emit({ primitive: 'ops', type: 'reduce_task', ts: last + 120_000, agent_id: 'zealot-1', target_id: task('abc'), parent_event_id: root.id, causes: done.map((event) => event.id) });
    await emit({ primitive: 'ops', type: 'complete_task', ts: last + 180_000, agent_id: 'zealot-1', target_id: task('abc'), parent_event_id: reduced.id });
    end = await emit({
      primitive: 'run', type: 'end', ts: last + 240_000, agent_id: 'scheduler', target_id: 'payments-nightly', parent_event_id: start.id,
      idempotency_key: runEndEventKey(startId),
      metadata: { schema_version: 1, span_id: startId, status: 'success', duration_ms: last + 240_000 - at(-2) },
    });
  }
  return { start, ask, root, created, claims, asked, block, answer, end, task };
}

/**
 * Tasks blocked on each other, 10 minutes after T0: a two-task deadlock (A waits on B's output,
 * B on A's), a three-task one through an agent and a channel (X waits on the agent holding Y, Y on
 * #ledger where Z's holder posts, Z on X), and two blocked tasks that are no deadlock: V waits on A
 * (stuck behind the cycle, not in it) and W waits on a task that is still being worked on.
 */
export async function deadlockStories(f: Fixture) {
  const at = (minutes: number) => T0 + minutes * 60_000;
  const emit = (input: EventInput) => f.emit(input);
  const blocks = new Map<string, TraceEvent>();
  const task = async (id: string, holder: string, minute: number, waitingOn: Record<string, string>) => {
    await emit({ primitive: 'ops', type: 'create_task', ts: at(minute), agent_id: 'planner', target_id: id, metadata: { title: id } });
    await emit({ primitive: 'ops', type: 'claim_task', ts: at(minute + 1), agent_id: holder, target_id: id });
    blocks.set(id, await emit({
      primitive: 'ops', type: 'block_task', ts: at(minute + 5), agent_id: holder, target_id: id,
      metadata: { reason: `waiting for ${Object.values(waitingOn)[0]}`, waiting_on: waitingOn },
    }));
  };
  await task('dl2-a', 'alice', 0, { task: 'dl2-b' });
  await task('dl2-b', 'bob', 0, { task: 'dl2-a' });
  await emit({ primitive: 'bridge', type: 'send', ts: at(2), agent_id: 'zed', target_id: 'ledger', metadata: { content: 'ledger schema coming' } });
  await task('dl3-x', 'xavier', 1, { agent: 'yvonne' });
  await task('dl3-y', 'yvonne', 1, { channel: 'ledger' });
  await task('dl3-z', 'zed', 1, { task: 'dl3-x' });
  await task('dl-v', 'victor', 2, { task: 'dl2-a' });
  await emit({ primitive: 'ops', type: 'create_task', ts: at(2), agent_id: 'planner', target_id: 'busy', metadata: { title: 'busy' } });
  await emit({ primitive: 'ops', type: 'claim_task', ts: at(3), agent_id: 'bea', target_id: 'busy' });
  await task('dl-w', 'walter', 2, { task: 'busy' });
  return blocks;
}

/**
 * A retry loop: `loop-1` claimed and blocked three times by worker-9 and never completed; `loop-2`
 * the same three times, then completed (no loop); and a wake loop: `sleepy` waking three times,
 * each session posting on #status, without progress.
 */
export async function loopStories(f: Fixture) {
  const at = (minutes: number) => T0 + minutes * 60_000;
  const emit = (input: EventInput) => f.emit(input);
  const retries: TraceEvent[] = [];
  for (const id of ['loop-1', 'loop-2']) {
    await emit({ primitive: 'ops', type: 'create_task', ts: at(0), agent_id: 'planner', target_id: id, metadata: { title: id } });
    for (let i = 0; i < 3; i++) {
      const claim = await emit({ primitive: 'ops', type: 'claim_task', ts: at(10 * i + 1), agent_id: 'worker-9', target_id: id });
      const block = await emit({ primitive: 'ops', type: 'block_task', ts: at(10 * i + 2), agent_id: 'worker-9', target_id: id, parent_event_id: claim.id, metadata: { reason: 'flaky upstream' } });
      if (id === 'loop-1') retries.push(claim, block);
    }
  }
  await emit({ primitive: 'ops', type: 'claim_task', ts: at(40), agent_id: 'worker-9', target_id: 'loop-2' });
  await emit({ primitive: 'ops', type: 'complete_task', ts: at(45), agent_id: 'worker-9', target_id: 'loop-2' });
  const wakes: TraceEvent[] = [];
  for (let i = 0; i < 3; i++) {
    const wake = await emit({ primitive: 'spawn', type: 'wake', ts: at(50 + 5 * i), agent_id: 'sleepy', session_id: `s${i}` });
    wakes.push(wake);
    await emit({ primitive: 'bridge', type: 'send', ts: at(51 + 5 * i), agent_id: 'sleepy', target_id: 'status', parent_event_id: wake.id, metadata: { content: 'still waiting' } });
    await emit({ primitive: 'spawn', type: 'sleep', ts: at(52 + 5 * i), agent_id: 'sleepy', parent_event_id: wake.id });
  }
  return { retries, wakes };
}
