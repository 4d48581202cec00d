import { describe, expect, it } from 'vitest';
import type { TraceEvent } from '@tracekernel/schema';
import type { Causality, CausalityNode, Timeline } from '@tracekernel/projector';
import { causalityText } from '../src/render/causality-text.js';
import { palette } from '../src/render/palette.js';
import { timelineText } from '../src/render/timeline-text.js';

const plain = palette({ isTTY: false } as NodeJS.WriteStream, {});

function event(id: string, primitive: string, ts = Date.UTC(2025, 9, 22, 14)): TraceEvent {
  return {
    id, ts, primitive, type: 'x', agent_id: null, target_id: null, session_id: null, parent_event_id: null,
    causes: [], idempotency_key: null, schema_version: 1, metadata: {},
  };
}

function node(description: string, primitive: string, children: CausalityNode[] = [], links: string[] = []): CausalityNode {
  return { event: event(`01a20000-0000-7000-8000-${description.length.toString().padStart(12, '0')}`, primitive), description, children, links, missingParent: null, prunedParent: null, prunedLinks: [], inferred: null } as CausalityNode;
}

describe('causalityText', () => {
  it('draws the design example exactly', () => {
    const root = node('message #payments:42 ("we need payments")', 'bridge', [
      node('entry zealot-1:arch-notes ("design payment flow")', 'memory', [
        node('task-abc123 created', 'ops', [
          node('task-sub1 (claimed by haiku-1)', 'ops', [node('message #payments:43 ("blocked")', 'bridge', [node('task-sub1 blocked', 'ops')])]),
          node('task-sub2 (claimed by haiku-2)', 'ops', [node('task-sub2 completed', 'ops')]),
          node('task-sub3 (claimed by haiku-3)', 'ops', [node('task-sub3 completed', 'ops')]),
        ]),
      ]),
    ]);
    const causality: Causality = { focus: root.event.id, heading: 'Causality chain for task-abc123:', root, unreached: [] };
    expect(causalityText(causality, plain)).toEqual([
      'Causality chain for task-abc123:',
      '[root] 00000000 bridge message #payments:42 ("we need payments") (focus)',
      '  └─> 00000000 memory entry zealot-1:arch-notes ("design payment flow")',
      '      └─> 00000000 ops task-abc123 created',
      '          ├─> 00000000 ops task-sub1 (claimed by haiku-1)',
      '          │   └─> 00000000 bridge message #payments:43 ("blocked")',
      '          │       └─> 00000000 ops task-sub1 blocked',
      '          ├─> 00000000 ops task-sub2 (claimed by haiku-2)',
      '          │   └─> 00000000 ops task-sub2 completed',
      '          └─> 00000000 ops task-sub3 (claimed by haiku-3)',
      '              └─> 00000000 ops task-sub3 completed',
    ]);
  });

  it('draws an inferred cause as ┄> with its rule and confidence, a declared one as ─>', () => {
    const answer = { ...node('zealot-3 posted the vault', 'bridge', [node('done', 'ops')]), inferred: { rule: 'read-before-act', confidence: 0.7 } };
    const root = node('hailot-2 posted blocked', 'bridge', [answer]);
    expect(causalityText({ focus: root.event.id, heading: 'Causality chain for blocked:', root, unreached: [] }, plain)).toEqual([
      'Causality chain for blocked:',
      '[root] 00000000 bridge hailot-2 posted blocked (focus)',
      '  └┄> 00000000 bridge zealot-3 posted the vault (inferred: read-before-act 0.7)',
      '      └─> 00000000 ops done',
    ]);
  });

  it('shows fan-in as links by short id and a missing parent above the root', () => {
    const root = { ...node('orphan created', 'ops', [node('claimed', 'ops', [], ['01a20000-0000-7000-8000-deadbeef0000'])]), missingParent: '01a20000-0000-7000-8000-000000000abc' };
    expect(causalityText({ focus: root.event.id, heading: 'Causality chain for orphan:', root, unreached: [] }, plain)).toEqual([
      'Causality chain for orphan:',
      '[root] (missing parent 01a20000-0000-7000-8000-000000000abc)',
      '  └─> 00000000 ops orphan created (focus)',
      '      └─> 00000000 ops claimed (also caused by deadbeef)',
    ]);
  });
});

describe('causalityText after retention', () => {
  it('shows a pruned parent above the root and marks pruned links, the way a missing parent shows', () => {
    const pruned = '01a20000-0000-7000-8000-deadbeef0000';
    const claimed = { ...node('claimed', 'ops', [], [pruned, '01a20000-0000-7000-8000-0000cafe0000']), prunedLinks: [pruned] };
    const root = { ...node('survivor created', 'ops', [claimed]), prunedParent: '01a20000-0000-7000-8000-000000000abc' };
    expect(causalityText({ focus: root.event.id, heading: 'Causality chain for survivor:', root, unreached: [] }, plain)).toEqual([
      'Causality chain for survivor:',
      '[root] (pruned parent 01a20000-0000-7000-8000-000000000abc)',
      '  └─> 00000000 ops survivor created (focus)',
      '      └─> 00000000 ops claimed (also caused by deadbeef [pruned], 0000cafe)',
    ]);
  });
});

describe('timelineText', () => {
  const timeline: Timeline = {
    query: { agent: 'zealot-1' },
    heading: 'Activity timeline for zealot-1:',
    entries: [
      { event: event('01a20000-0000-7000-8000-000000000001', 'spawn'), description: 'zealot-1 woke (session 42)' },
      { event: event('01a20000-0000-7000-8000-000000000002', 'knowledge', Date.UTC(2025, 9, 22, 14, 15)), description: 'zealot-1 added discovery domain=architecture' },
    ],
  };

  it('prints UTC seconds marked Z and the short id, and pads the primitive to 9', () => {
    expect(timelineText(timeline, plain)).toEqual([
      'Activity timeline for zealot-1:',
      '2025-10-22 14:00:00Z | 00000000 | spawn     | zealot-1 woke (session 42)',
      '2025-10-22 14:15:00Z | 00000000 | knowledge | zealot-1 added discovery domain=architecture',
    ]);
  });

  it('says plainly when there is nothing', () => {
    expect(timelineText({ ...timeline, entries: [] }, plain)).toEqual(['Activity timeline for zealot-1:', 'No events.']);
  });

  it('colours only a TTY without NO_COLOR', () => {
    const tty = { isTTY: true } as NodeJS.WriteStream;
    expect(timelineText(timeline, palette(tty, {}))[1]).toBe('\u001B[2m2025-10-22 14:00:00Z\u001B[22m | \u001B[2m00000000\u001B[22m | \u001B[35mspawn    \u001B[39m | zealot-1 woke (session 42)');
    expect(timelineText(timeline, palette(tty, { NO_COLOR: '1' }))[1]).toBe('2025-10-22 14:00:00Z | 00000000 | spawn     | zealot-1 woke (session 42)');
  });
});
