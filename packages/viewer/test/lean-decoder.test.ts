import { describe, expect, it } from 'vitest';
import { LeanDecoder } from '../src/contract.js';

// The lines of a view=lean answer after its header (docs/serve.md), decoded to the events they stand for.
describe('LeanDecoder', () => {
  const A = '019a0000-0000-7000-8000-00000000000a';
  const B = '019a0000-0000-7000-8000-00000000000b';
  const C = '019a0000-0000-7000-8000-00000000000c';
  const OUTSIDE = '019a0000-0000-7000-8000-0000000000ff';

  it('resolves dictionary indexes and positions, and fills the defaults a short tuple leaves off', () => {
    const decoder = new LeanDecoder();
    expect(decoder.take({ names: ['lead', 'task-1'], kinds: [['ops', 'create_task']] })).toBe(true);
    expect(decoder.take([[A, 1000, 0, 0, 1, OUTSIDE, [], 0, { title: 'One' }]])).toBe(true);
    expect(decoder.take({ names: ['worker'], kinds: [['bridge', 'send']] })).toBe(true);
    expect(decoder.take([[B, 1001, 1, 2, null, 0], [C, 1002, 1, 2, 1, 1, [0, OUTSIDE], 1]])).toBe(true);
    expect(decoder.events).toEqual([
      { id: A, ms: 1000, primitive: 'ops', type: 'create_task', agent_id: 'lead', target_id: 'task-1', parent_event_id: OUTSIDE, causes: [], metadata: { title: 'One' } },
      { id: B, ms: 1001, primitive: 'bridge', type: 'send', agent_id: 'worker', target_id: null, parent_event_id: A, causes: [], metadata: {} },
      { id: C, ms: 1002, primitive: 'bridge', type: 'send', agent_id: 'worker', target_id: 'task-1', parent_event_id: B, causes: [A, OUTSIDE], metadata: {}, private: true },
    ]);
  });

  it('answers false for a line that is neither, such as the end line', () => {
    expect(new LeanDecoder().take({ end: true, events: 0 })).toBe(false);
  });

  it('refuses a tuple that refers to a name, kind or position the answer has not sent', () => {
    const decoder = new LeanDecoder();
    decoder.take({ names: ['lead'], kinds: [['ops', 'create_task']] });
    expect(() => decoder.take([[A, 1, 1, 0, null, null]])).toThrow(/kind 1/);
    expect(() => decoder.take([[A, 1, 0, 3, null, null]])).toThrow(/name 3/);
    expect(() => decoder.take([[A, 1, 0, 0, null, 0]])).toThrow(/position 0/);
  });
});
