import { createTracer } from '@tracekernel/sdk';

/** The design's story starts at 2025-10-22 14:00:00 UTC; fixed times make the demo's output repeatable. */
const STORY_START = Date.UTC(2025, 9, 22, 14, 0, 0);
const at = (minutes: number, seconds = 0) => STORY_START + minutes * 60_000 + seconds * 1000;

/**
 * A small swarm builds a payment system: zealot-1 decomposes the task, haiku-1 is blocked on a
 * missing API key and says so on #payments, zealot-1 answers, haiku-1 retries and completes.
 * Every event names its real cause, so the causality tree is the story's own.
 *
 * Each event carries an idempotency key, so telling the story twice into one store changes nothing.
 */
export async function tellPaymentStory(db?: string): Promise<void> {
  const agents = ['human', 'zealot-1', 'haiku-1', 'haiku-2', 'haiku-3'] as const;
  const tracers = Object.fromEntries(agents.map((agentId) => [agentId, createTracer({ agentId, ...(db ? { db } : {}) })]));
  const human = tracers.human!;
  const zealot = tracers['zealot-1']!;
  const [haiku1, haiku2, haiku3] = [tracers['haiku-1']!, tracers['haiku-2']!, tracers['haiku-3']!];
  let step = 0;
  const once = () => ({ idempotencyKey: `demo:payment-story:${++step}` });

  const ask = human.bridge.send({ target: 'payments', content: 'We need payments for the marketplace', ts: at(0, -60), parent: null, ...once() });
  const wake = zealot.spawn.wake({ session: '42', ts: at(0), parent: ask, ...once() });
  const read = zealot.bridge.recv({ target: 'payments', count: 1, ts: at(0, 2), parent: wake, ...once() });
  const plan = zealot.memory.addEntry({ target: 'zealot-1:arch-notes', topic: 'payments', content: 'design payment flow', ts: at(0, 5), parent: read, causes: [ask], ...once() });
  const task = zealot.ops.createTask({ target: 'task-abc123', title: 'Build payment system', ts: at(0, 30), parent: plan, ...once() });

  const subtasks = [
    { id: 'task-sub1', title: 'Adyen sandbox client', worker: haiku1 },
    { id: 'task-sub2', title: 'Checkout API', worker: haiku2 },
    { id: 'task-sub3', title: 'Payout ledger', worker: haiku3 },
  ];
  const created = subtasks.map((subtask, i) =>
    zealot.ops.createTask({ target: subtask.id, title: subtask.title, parent_task_id: 'task-abc123', ts: at(1, i), parent: task, ...once() }),
  );
  const spawned = subtasks.map((subtask, i) =>
    zealot.spawn.spawn({ target: subtask.worker.agentId, role: 'hailot', task_id: subtask.id, ts: at(1, 10 + i), parent: created[i]!, ...once() }),
  );
  const claims = subtasks.map((subtask, i) =>
    subtask.worker.ops.claimTask({ target: subtask.id, attempt: 1, ts: at(5, i * 20), parent: spawned[i]!, ...once() }),
  );

  const blocked = haiku1.bridge.send({ target: 'payments', content: 'Blocked on API key: ADYEN_API_KEY is missing from config/sandbox.env', ts: at(10), parent: claims[0]!, ...once() });
  haiku1.memory.addEntry({ target: 'haiku-1:blockers', topic: 'payments', content: 'stripe config issue', ts: at(12), parent: blocked, ...once() });
  const block = haiku1.ops.blockTask({ target: 'task-sub1', reason: 'need API key', ts: at(15), parent: blocked, ...once() });
  const answer = zealot.bridge.send({ target: 'payments', content: 'API key is in .env.example and the vault "Payments Sandbox"', ts: at(20), parent: blocked, ...once() });
  zealot.knowledge.addDiscovery({ target: 'kb-sandbox-keys', domain: 'security', content: 'sandbox credentials live in the vault', confidence: 0.9, ts: at(21), parent: answer, ...once() });
  const retry = haiku1.ops.claimTask({ target: 'task-sub1', attempt: 2, ts: at(25), parent: answer, causes: [block], ...once() });

  const done = [
    haiku1.ops.completeTask({ target: 'task-sub1', result: 'sandbox client passes its tests', ts: at(30), parent: retry, ...once() }),
    haiku2.ops.completeTask({ target: 'task-sub2', result: 'checkout API merged', ts: at(18), parent: claims[1]!, ...once() }),
    haiku3.ops.completeTask({ target: 'task-sub3', result: 'ledger reconciles', ts: at(27), parent: claims[2]!, ...once() }),
  ];
  const reduced = zealot.ops.reduceTask({ target: 'task-abc123', subtask_ids: subtasks.map((subtask) => subtask.id), summary: 'all three subtasks done', ts: at(32), parent: task, causes: done, ...once() });
  zealot.ops.completeTask({ target: 'task-abc123', result: 'payment system done in sandbox', ts: at(33), parent: reduced, ...once() });
  zealot.bridge.send({ target: 'payments', content: 'Build payment system is done in sandbox', ts: at(34), parent: reduced, ...once() });
  for (const [i, worker] of [haiku1, haiku2, haiku3].entries()) worker.spawn.sleep({ ts: at(35, i), parent: done[i]!, ...once() });
  zealot.spawn.sleep({ ts: at(40), parent: wake, ...once() });

  await Promise.all(Object.values(tracers).map((tracer) => tracer.close()));
}
