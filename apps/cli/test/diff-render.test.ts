import { describe, expect, it } from 'vitest';
import type { TraceEvent } from '@tracekernel/schema';
import type { DiffTask, DiffTaskSnapshot, RunDiff } from '@tracekernel/projector';
import { palette } from '../src/render/palette.js';
import { diffText } from '../src/render/diff-text.js';

const plain = palette({ isTTY: false } as NodeJS.WriteStream, {});
const T0 = Date.UTC(2025, 9, 22, 14);
const MIN = 60_000;

/** An event named `label`: its id ends in the label's length and char codes, so its short id is stable. */
function event(label: string, primitive: string, minutes: number): TraceEvent {
  const tail = Array.from(label, (char) => char.charCodeAt(0).toString(16)).join('').padEnd(12, '0').slice(0, 12);
  return {
    id: `01a20000-0000-7000-8000-${tail}`, ts: T0 + minutes * MIN, primitive, type: 'x', agent_id: null, target_id: null, session_id: null, parent_event_id: null,
    causes: [], idempotency_key: null, schema_version: 1, metadata: { label },
  };
}

const snap = (task: string, fields: Partial<DiffTaskSnapshot> = {}): DiffTaskSnapshot => ({
  task, title: task, status: 'complete', holder: 'h', claims: 1, blocks: 0, agents: ['h'], created_at: null, completed_at: null, duration_ms: null, ...fields,
});
const node = (path: string[], change: DiffTask['change'], a: DiffTaskSnapshot | null, b: DiffTaskSnapshot | null, extra: Partial<DiffTask> = {}): DiffTask => ({
  path, change, a, b, differences: [], duration_ratio: null, children: [], ...extra,
});

describe('diffText', () => {
  it('a removed subtask under a changed root, a changed run, agents, and a divergence on side a with its causes', () => {
    const removed = node(['Root', 'Gone'], 'removed', snap('gone', { holder: 'haiku-2' }), null);
    const kept = node(['Root', 'Kept'], 'same', snap('kept'), snap('kept'));
    const root = node(['Root'], 'changed', snap('root', { duration_ms: 30 * MIN }), snap('root', { duration_ms: 45 * MIN }), {
      differences: ['duration'], duration_ratio: 1.5, children: [kept, removed],
    });
    const side = { kind: 'run' as const, task: 'nightly', title: null, span_id: 's', store: 'x', events: 3, started_at: null, ended_at: null, duration_ms: null };
    const diff: RunDiff = {
      a: { ...side, ref: 'nightly-0' },
      b: { ...side, ref: 'nightly-1' },
      threshold: 0.2,
      identical: false,
      tree: [root],
      tasks: [root, removed],
      runs: [{
        path: ['nightly'], attempt: 1, change: 'changed', differences: ['config_digest'], duration_ratio: 1,
        a: { span_id: 'span-a', task_id: 'nightly', attempt: 1, status: 'success', config_digest: 'sha256:aa', input_digest: null, duration_ms: 1, started_at: '' },
        b: { span_id: 'span-b', task_id: 'nightly', attempt: 1, status: 'success', config_digest: 'sha256:bb', input_digest: null, duration_ms: 1, started_at: '' },
      }],
      agents: { added: [], removed: ['haiku-2'] },
      first_divergence: { side: 'a', change: 'removed', event: event('gone-create', 'ops', 1), counterpart: null, differences: [], causes: [event('ask', 'bridge', 0), event('root-create', 'ops', 0.5)] },
    };
    expect(diffText(diff, (e) => `event ${String(e.metadata.label)}`, plain)).toEqual([
      'Diff of run nightly-0 → run nightly-1:',
      '[root] ~ Root: duration 30m00s → 45m00s (×1.50)',
      '  ├─>   Kept',
      '  └─> - Gone (complete, held by haiku-2)',
      'Runs:',
      '  ~ nightly attempt 1: config_digest sha256:aa → sha256:bb (span span-a → span-b)',
      'Agents: - haiku-2',
      'First divergence (a): - 2025-10-22 14:01:00 01a20000-0000-7000-8000-676f6e652d63 is missing from b',
      '  [root] 61736b00 bridge event ask',
      '    └─> 726f6f74 ops event root-create',
      '        └─> 676f6e65 ops event gone-create',
    ]);
  });
});
