import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventIdAt, type TraceEvent } from '@tracekernel/schema';
import { foldTaskState, taskState } from '@tracekernel/projector';
import { DIALECTS, fixtures, minute, paymentStory, type Fixture, type Story } from './store-fixture.js';

let ts = 0;
const ops = (type: string, agent: string, target: string, metadata: Record<string, string> = {}): TraceEvent => {
  ts += 1000;
  return {
    id: eventIdAt(ts), ts, primitive: 'ops', type, agent_id: agent, target_id: target, session_id: null,
    parent_event_id: null, causes: [], idempotency_key: null, schema_version: 1, metadata,
  };
};

describe('foldTaskState (pure)', () => {
  it('walks open -> claimed -> blocked -> claimed (retry) -> complete', () => {
    const created = ops('create_task', 'lead', 't', { title: 'Do it', parent_task_id: 'p' });
    const steps: TraceEvent[] = [created];
    expect(foldTaskState('t', steps)).toMatchObject({
      status: 'open', title: 'Do it', parentTask: 'p', createdBy: 'lead', createdAt: created.ts, holder: null, claims: 0,
    });
    steps.push(ops('claim_task', 'w1', 't'));
    expect(foldTaskState('t', steps)).toMatchObject({ status: 'claimed', holder: 'w1', claims: 1 });
    steps.push(ops('block_task', 'w1', 't', { reason: 'need API key' }));
    expect(foldTaskState('t', steps)).toMatchObject({ status: 'blocked', holder: 'w1', blockedReason: 'need API key', claims: 1 });
    steps.push(ops('claim_task', 'w2', 't'));
    expect(foldTaskState('t', steps)).toMatchObject({ status: 'claimed', holder: 'w2', blockedReason: null, claims: 2 });
    const done = ops('complete_task', 'w2', 't');
    steps.push(done);
    expect(foldTaskState('t', steps)).toMatchObject({ status: 'complete', holder: 'w2', claims: 2, updatedAt: done.ts });
  });

  it('is order-independent and ignores other targets, other primitives and a second create_task', () => {
    const created = ops('create_task', 'lead', 't', { title: 'First' });
    const claim = ops('claim_task', 'w1', 't');
    const recreate = ops('create_task', 'other', 't', { title: 'Second' });
    const elsewhere = ops('complete_task', 'w1', 'u');
    const chat: TraceEvent = { ...ops('send', 'w1', 't', { content: 'x' }), primitive: 'bridge' };
    const state = foldTaskState('t', [chat, elsewhere, recreate, claim, created]);
    expect(state).toMatchObject({ status: 'claimed', title: 'First', createdBy: 'lead', holder: 'w1', updatedAt: recreate.ts });
  });

  it('collects direct subtasks from create_task events naming the task as parent', () => {
    const state = foldTaskState('t', [
      ops('create_task', 'lead', 't', { title: 'Parent' }),
      ops('create_task', 'lead', 's1', { title: 'A', parent_task_id: 't' }),
      ops('create_task', 'lead', 's2', { title: 'B', parent_task_id: 't' }),
      ops('create_task', 'lead', 'x', { title: 'C', parent_task_id: 's1' }),
    ]);
    expect(state.subtasks).toEqual(['s1', 's2']);
  });

  it('completing an unclaimed task makes the completer its holder', () => {
    const state = foldTaskState('t', [ops('create_task', 'lead', 't', { title: 'x' }), ops('complete_task', 'lead', 't')]);
    expect(state).toMatchObject({ status: 'complete', holder: 'lead', claims: 0 });
  });

  it('with no events is an open task with nothing known', () => {
    expect(foldTaskState('t', [])).toMatchObject({ task: 't', status: 'open', title: null, createdAt: null, updatedAt: null, subtasks: [] });
  });
});

describe.each(DIALECTS)('%s: taskState from the store', (dialect) => {
  const open = fixtures(dialect);
  let f: Fixture;
  let s: Story;
  beforeEach(async () => {
    f = await open();
    s = await paymentStory(f);
  });
  afterEach(() => f.cleanup());

  it('folds the retried subtask of the story', async () => {
    expect(await taskState(f.store, 'task-sub1')).toMatchObject({
      task: 'task-sub1', title: 'Part 1', parentTask: 'task-abc123', status: 'complete', holder: 'haiku-1',
      blockedReason: null, claims: 2, createdBy: 'zealot-1', createdAt: minute(1), updatedAt: s.complete.ts, subtasks: ['task-sub1a'],
    });
  });

  it('lists direct subtasks only, and leaves untouched tasks open', async () => {
    const parent = await taskState(f.store, 'task-abc123');
    expect(parent).toMatchObject({ status: 'open', title: 'Build payment system', parentTask: null });
    expect(parent!.subtasks.sort()).toEqual(['task-sub1', 'task-sub2', 'task-sub3']);
    expect(await taskState(f.store, 'task-sub2')).toMatchObject({ status: 'open', holder: null, claims: 0 });
  });

  it('shows a blocked task with its reason', async () => {
    await f.emit({ primitive: 'ops', type: 'claim_task', ts: minute(50), agent_id: 'haiku-2', target_id: 'task-sub2' });
    await f.emit({ primitive: 'ops', type: 'block_task', ts: minute(51), agent_id: 'haiku-2', target_id: 'task-sub2', metadata: { reason: 'flaky CI' } });
    expect(await taskState(f.store, 'task-sub2')).toMatchObject({ status: 'blocked', holder: 'haiku-2', blockedReason: 'flaky CI', claims: 1 });
  });

  it('is undefined for a name no ops event targets', async () => {
    expect(await taskState(f.store, 'payments')).toBeUndefined();
    expect(await taskState(f.store, 'task-nope')).toBeUndefined();
  });
});
