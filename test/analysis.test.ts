import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTracer } from '@tracekernel/sdk';
import { openStoreAt } from '@tracekernel/store';
import { tellPaymentStory } from '../apps/cli/src/demo/payment-story.js';
import { errorLine, shell, tempDirs, trace, withoutShortIds } from './helpers/trace-cli.js';

const STORY_START = Date.UTC(2025, 9, 22, 14, 0, 0);
const at = (minutes: number) => STORY_START + minutes * 60_000;

/**
 * The demo's payment story, told through the SDK into three stores: A, B (the same story again,
 * so identical) and C, where the checkout API is blocked and retried once and a fourth subtask,
 * fraud checks, is added for a new agent.
 */
async function tellChangedStory(db: string): Promise<void> {
  await tellPaymentStory(db);
  const store = await openStoreAt(db);
  const [root] = await store.query({ targets: ['task-abc123'], kinds: ['ops.create_task'] });
  await store.close();
  const zealot = createTracer({ agentId: 'zealot-1', db });
  const haiku2 = createTracer({ agentId: 'haiku-2', db });
  const haiku4 = createTracer({ agentId: 'haiku-4', db });
  const created = zealot.ops.createTask({ target: 'task-sub4', title: 'Fraud checks', parent_task_id: 'task-abc123', ts: at(2), parent: root!.id });
  const claim = haiku4.ops.claimTask({ target: 'task-sub4', ts: at(6), parent: created });
  haiku4.ops.completeTask({ target: 'task-sub4', ts: at(16), parent: claim });
  const block = haiku2.ops.blockTask({ target: 'task-sub2', reason: 'flaky sandbox', ts: at(12), parent: null });
  haiku2.ops.claimTask({ target: 'task-sub2', attempt: 2, ts: at(16), parent: block });
  await Promise.all([zealot.close(), haiku2.close(), haiku4.close()]);
}

describe('trace diff and trace waits, end to end', () => {
  const dirs = tempDirs();
  let cwd: string;
  let dbB: string;
  let dbC: string;
  beforeAll(async () => {
    cwd = dirs.make();
    const other = dirs.make();
    mkdirSync(join(cwd, '.trace'));
    mkdirSync(join(other, 'b'));
    mkdirSync(join(other, 'c'));
    dbB = join(other, 'b', 'trace.db');
    dbC = join(other, 'c', 'trace.db');
    await Promise.all([tellPaymentStory(join(cwd, '.trace', 'trace.db')), tellPaymentStory(dbB), tellChangedStory(dbC)]);
  });
  afterAll(() => dirs.cleanup());

  it('the same story twice diffs empty and exits 0', async () => {
    const result = await trace(['diff', 'task-abc123', 'task-abc123', '--db-b', dbB], { cwd });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      'Diff of task task-abc123 (Build payment system) → task task-abc123 (Build payment system):\nNo differences (25 and 25 events).\n',
    );
  });

  it('a changed story: a --causality-shaped tree marked + and ~, the new agent and the first divergence; exit 1', async () => {
    const [text, json] = await Promise.all([
      trace(['diff', 'task-abc123', 'task-abc123', '--db-b', dbC], { cwd }),
      trace(['diff', 'task-abc123', 'task-abc123', '--db-b', dbC, '--json'], { cwd }),
    ]);
    expect(text.code).toBe(1);
    const lines = text.stdout.trimEnd().split('\n');
    expect(lines.slice(0, 7)).toEqual([
      'Diff of task task-abc123 (Build payment system) → task task-abc123 (Build payment system):',
      '[root]   Build payment system',
      '  ├─>   Adyen sandbox client',
      '  ├─> ~ Checkout API: claims 1 → 2, blocks 0 → 1',
      '  ├─>   Payout ledger',
      '  └─> + Fraud checks (complete, held by haiku-4)',
      'Agents: + haiku-4',
    ]);
    expect(lines[7]).toMatch(/^First divergence \(b\): \+ 2025-10-22 14:02:00 [0-9a-f-]{36} has no counterpart in a$/);
    // Each cause carries its short id, as --causality's nodes do.
    for (const line of lines.slice(8)) expect(line).toMatch(/(\[root\]|└─>) [0-9a-f]{8} /);
    expect(lines.slice(8).map(withoutShortIds)).toEqual([
      '  [root] bridge human posted to #payments: "We need payments for the marketplace"',
      '    └─> spawn zealot-1 woke (session 42)',
      '        └─> bridge zealot-1 read #payments (1 message)',
      '            └─> memory zealot-1 added memory "design payment flow" (topic: payments)',
      '                └─> ops task-abc123 (Build payment system) created by zealot-1',
      '                    └─> ops task-sub4 (Fraud checks) created by zealot-1, subtask of task-abc123',
    ]);

    expect(json.code).toBe(1);
    const diff = JSON.parse(json.stdout);
    expect(Object.keys(diff)).toEqual(['a', 'b', 'threshold', 'identical', 'first_divergence', 'tasks', 'runs', 'agents']);
    expect(diff.a).toMatchObject({ ref: 'task-abc123', kind: 'task', store: join(cwd, '.trace', 'trace.db'), events: 25 });
    expect(diff.b).toMatchObject({ ref: 'task-abc123', kind: 'task', store: dbC, events: 30 });
    expect(diff).toMatchObject({ threshold: 0.2, identical: false, runs: [], agents: { added: ['haiku-4'], removed: [] } });
    expect(diff.tasks.map((task: any) => [task.path, task.change, task.differences])).toEqual([
      [['Build payment system', 'Checkout API'], 'changed', ['claims', 'blocks']],
      [['Build payment system', 'Fraud checks'], 'added', []],
    ]);
    expect(diff.tasks[1].a).toBeNull();
    expect(diff.tasks[1].b).toEqual({
      task: 'task-sub4', title: 'Fraud checks', status: 'complete', holder: 'haiku-4', claims: 1, blocks: 0, agents: ['haiku-4', 'zealot-1'],
      created_at: '2025-10-22T14:02:00.000Z', completed_at: '2025-10-22T14:16:00.000Z', duration_ms: 14 * 60_000,
    });
    const divergence = diff.first_divergence;
    expect(divergence).toMatchObject({ side: 'b', change: 'added', counterpart: null, differences: [] });
    expect(divergence.event).toMatchObject({ type: 'create_task', target_id: 'task-sub4', ts: '2025-10-22T14:02:00.000Z' });
    expect(divergence.causes.map((event: any) => `${event.primitive}.${event.type}`)).toEqual(['bridge.send', 'spawn.wake', 'bridge.recv', 'memory.add_entry', 'ops.create_task']);
  });

  it('bad input exits 2 with one line: an unknown run, a bad threshold, a missing --db-b store', async () => {
    const results = await Promise.all([
      trace(['diff', 'task-abc123', 'nope'], { cwd }),
      trace(['diff', 'task-abc123', 'task-abc123', '--threshold', 'lots'], { cwd }),
      trace(['diff', 'task-abc123', 'task-abc123', '--db-b', join(cwd, 'missing.db'), '--json'], { cwd }),
    ]);
    expect(results.map((result) => result.code)).toEqual([2, 2, 2]);
    expect(errorLine(results[0]!)).toBe(`trace: diff: no task or run "nope" in ${join(cwd, '.trace', 'trace.db')}`);
    expect(errorLine(results[1]!)).toBe('trace: --threshold: expected a percentage such as 20% or 50, got "lots"');
    expect(JSON.parse(results[2]!.stdout).error).toEqual({ code: 'E_NO_STORE', message: `--db-b: no trace store at ${join(cwd, 'missing.db')}` });
    expect(existsSync(join(cwd, 'missing.db'))).toBe(false);
  });

  it('waits: the critical path of the story, and --all exits 1 on a deadlock emitted with trace emit', async () => {
    const waits = await trace(['waits', 'task-sub1', '--json'], { cwd });
    expect(waits.code).toBe(0);
    const body = JSON.parse(waits.stdout);
    expect(Object.keys(body)).toEqual(['task', 'title', 'status', 'created_at', 'ended_at', 'total_ms', 'critical_path', 'blocked', 'blocked_totals', 'deadlocks', 'loops']);
    expect(body.critical_path.map((step: any) => [step.kind, step.ms / 1000])).toEqual([
      ['work', 10], ['queue', 230], ['work', 300], ['reply', 600], ['blocked', 300], ['work', 300],
    ]);
    expect(body.blocked[0]).toMatchObject({ task: 'task-sub1', ms: 600_000, ended_by: { agent_id: 'zealot-1', type: 'send' } });

    const deadlocked = dirs.make();
    const emitted = await shell(`
set -e
trace emit ops block_task --agent alice --target task-a --meta '{"reason":"needs B","waiting_on":{"task":"task-b"}}' >/dev/null
trace emit ops block_task --agent bob --target task-b --meta '{"reason":"needs A","waiting_on":{"task":"task-a"}}' >/dev/null
trace emit ops block_task --agent bob --target task-c --meta '{"reason":"x","waiting_on":{"task":"a","agent":"b"}}'
`, { cwd: deadlocked });
    // The third block names two things to wait on: refused by the catalog, nothing stored.
    expect(emitted.code).toBe(1);
    expect(emitted.stderr).toContain('waiting_on');
    const [all, allText, healthy] = await Promise.all([
      trace(['waits', '--all', '--json'], { cwd: deadlocked }),
      trace(['waits', '--all'], { cwd: deadlocked }),
      trace(['waits', '--all'], { cwd }),
    ]);
    expect(all.code).toBe(1);
    const report = JSON.parse(all.stdout);
    expect(report).toMatchObject({ task: null, open_tasks: 2, blocked_tasks: 2, loops: [] });
    expect(report.deadlocks.map((cycle: any[]) => cycle.map((member) => [member.task, member.holder, member.waiting_on]))).toEqual([
      [['task-a', 'alice', { task: 'task-b' }], ['task-b', 'bob', { task: 'task-a' }]],
    ]);
    expect(allText.stdout).toContain('  1. task-a (alice) waits on task task-b → task-b (bob) waits on task task-a → back to task-a\n');
    expect(healthy.code).toBe(0);
    expect(healthy.stdout).toBe('Checked 0 open tasks (0 blocked): no deadlock, no loop\nDeadlocks: none\nLoops: none\n');
  });
});
