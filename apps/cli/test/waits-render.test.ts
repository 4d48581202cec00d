import { describe, expect, it } from 'vitest';
import type { TraceEvent } from '@tracekernel/schema';
import type { TaskWaits } from '@tracekernel/projector';
import { palette } from '../src/render/palette.js';
import { formatDuration } from '../src/render/run-records-text.js';
import { taskWaitsText } from '../src/render/waits-text.js';

const plain = palette({ isTTY: false } as NodeJS.WriteStream, {});
const T0 = Date.UTC(2025, 9, 22, 14);
const MIN = 60_000;

function event(id: string, primitive: string, minutes: number): TraceEvent {
  return {
    id, ts: T0 + minutes * MIN, primitive, type: 'x', agent_id: null, target_id: null, session_id: null, parent_event_id: null,
    causes: [], idempotency_key: null, schema_version: 1, metadata: {},
  };
}

describe('taskWaitsText', () => {
  it('the path step by step with share and kind, the blocks with what ended them, deadlocks and loops', () => {
    const answer = event('answer', 'bridge', 20);
    const waits: TaskWaits = {
      task: 'task-a', title: 'Build A', status: 'blocked', created_at: new Date(T0).toISOString(), ended_at: null, total_ms: 40 * MIN,
      critical_path: [
        { event: event('claim', 'ops', 10), from: 'create', kind: 'queue', ms: 10 * MIN, share: 0.25 },
        { event: answer, from: 'claim', kind: 'reply', ms: 10 * MIN, share: 0.25 },
        { event: null, from: 'answer', kind: 'blocked', ms: 20 * MIN, share: 0.5 },
      ],
      blocked: [
        { task: 'task-a', agent: 'alice', reason: 'needs B', waiting_on: { task: 'task-b' }, block: 'b1', ended: 'c2', from: new Date(T0 + 12 * MIN).toISOString(), until: new Date(T0 + 25 * MIN).toISOString(), ms: 13 * MIN, ended_by: answer },
        { task: 'task-a', agent: 'alice', reason: 'needs B', waiting_on: { task: 'task-b' }, block: 'b2', ended: null, from: new Date(T0 + 30 * MIN).toISOString(), until: null, ms: 10 * MIN, ended_by: null },
      ],
      blocked_totals: { by_task: [{ task: 'task-a', ms: 23 * MIN }], by_agent: [{ agent: 'alice', ms: 23 * MIN }] },
      deadlocks: [[
        { task: 'task-a', holder: 'alice', reason: 'needs B', waiting_on: { task: 'task-b' }, block: 'b2' },
        { task: 'task-b', holder: 'bob', reason: 'needs A', waiting_on: { channel: 'a-out' }, block: 'b3' },
      ]],
      loops: [{ kind: 'retry', target: 'task-a', agents: ['alice'], count: 3, events: [] }],
    };
    expect(taskWaitsText(waits, (e) => `event ${e.id}`, plain)).toEqual([
      'Waits for task-a (Build A): blocked, 40m00s from creation to now',
      'Critical path:',
      '  2025-10-22 14:10:00   10m00s  25.0%  queue    ops event claim',
      '  2025-10-22 14:20:00   10m00s  25.0%  reply    bridge event answer',
      '  now                   20m00s  50.0%  blocked  (still waiting)',
      'Blocked:',
      '  task-a by alice: 13m00s, 2025-10-22 14:12:00 → 2025-10-22 14:25:00 (needs B, waiting on task task-b); ended by bridge event answer',
      '  task-a by alice: 10m00s, 2025-10-22 14:30:00 → now (needs B, waiting on task task-b); still blocked',
      '  per task: task-a 23m00s',
      '  per agent: alice 23m00s',
      'Deadlocks: 1',
      '  1. task-a (alice) waits on task task-b → task-b (bob) waits on #a-out → back to task-a',
      'Loops: 1',
      '  retry task-a: claimed and blocked 3 times by alice, never completed',
    ]);
  });

  it('durations round before they split (never 1m60s) and a wait of days reads in days and hours', () => {
    expect([999.6, 59_960, 119_700, 3_599_600, 3_600_000, 5 * 3_600_000 + 29 * MIN + 31_000, 86_400_000 - 20_000, 331 * 86_400_000 + 7 * 3_600_000].map(formatDuration))
      .toEqual(['1.0 s', '1m00s', '2m00s', '1h00m', '1h00m', '5h30m', '1d00h', '331d07h']);
    const waits: TaskWaits = {
      task: 'task-u', title: null, status: 'claimed', created_at: new Date(T0).toISOString(), ended_at: null, total_ms: 400 * 86_400_000,
      critical_path: [
        { event: event('claim', 'ops', 1), from: 'create', kind: 'queue', ms: MIN, share: 0 },
        { event: null, from: 'claim', kind: 'work', ms: 400 * 86_400_000 - MIN, share: 1 },
      ],
      blocked: [], blocked_totals: { by_task: [], by_agent: [] }, deadlocks: [], loops: [],
    };
    expect(taskWaitsText(waits, (e) => `event ${e.id}`, plain).slice(0, 4)).toEqual([
      'Waits for task-u: claimed, 400d00h from creation to now',
      'Critical path:',
      '  2025-10-22 14:01:00    1m00s   0.0%  queue    ops event claim',
      '  now                  400d00h 100.0%  work     (still waiting)',
    ]);
  });
});
