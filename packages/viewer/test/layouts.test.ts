import { describe, expect, it } from 'vitest';
import type { CausalityNodeJson, TraceEventJson } from '../src/contract.js';
import { EDGE_ABSENT, EDGE_CAUSE, EDGE_DECLARED, EDGE_INFERRED, NODE_FOCUS, NODE_MISSING, NODE_OUTSIDE, NODE_PRUNED, layoutGraph } from '../src/graph-layout.js';
import { indexOfString, stringAt, tableToArray, toStringTable } from '../src/string-table.js';
import { BAR_STATES, layoutWaterfall } from '../src/waterfall-layout.js';

// The viewer's pure layouts, in-process: the browser test covers the demo; these cover the cases
// the demo has none of (missing, pruned and inferred parents, late causes, cycles, agent rows).

let seq = 0;
const id = () => `019a0000-0000-7000-8000-${String(++seq).padStart(12, '0')}`;
function event(fields: Partial<TraceEventJson> & { primitive: string; type: string; at: number }): TraceEventJson {
  const { at, ...rest } = fields;
  return { id: id(), ts: new Date(Date.UTC(2025, 0, 1) + at * 1000).toISOString(), agent_id: null, target_id: null, parent_event_id: null, causes: [], session_id: null, metadata: {}, ...rest };
}
const tsOf = (events: TraceEventJson[]) => Float64Array.from(events, (e) => Date.parse(e.ts));

describe('layoutWaterfall', () => {
  const root = event({ primitive: 'ops', type: 'create_task', target_id: 'root', agent_id: 'lead', at: 0, metadata: { title: 'Root' } });
  const sub = event({ primitive: 'ops', type: 'create_task', target_id: 'sub', agent_id: 'lead', at: 1, parent_event_id: root.id, metadata: { title: 'Sub', parent_task_id: 'root' } });
  const claim = event({ primitive: 'ops', type: 'claim_task', target_id: 'sub', agent_id: 'w1', at: 2, parent_event_id: sub.id });
  // Stored with a later ts than its effect: the note still belongs to sub through it.
  const note = event({ primitive: 'bridge', type: 'note', target_id: 'chan', agent_id: 'w1', at: 3, parent_event_id: '' });
  const send = event({ primitive: 'bridge', type: 'send', target_id: 'chan', agent_id: 'w1', at: 4, parent_event_id: claim.id });
  note.parent_event_id = send.id;
  const block = event({ primitive: 'ops', type: 'block_task', target_id: 'sub', agent_id: 'w1', at: 5, parent_event_id: send.id });
  const done = event({ primitive: 'ops', type: 'complete_task', target_id: 'sub', agent_id: 'w2', at: 8 });
  const stray = event({ primitive: 'memory', type: 'add_entry', agent_id: 'w3', at: 9 });
  const events = [root, sub, claim, note, send, block, done, stray];

  it('nests subtasks, gives caused events their cause’s task, and folds the bars', () => {
    const layout = layoutWaterfall(events, tsOf(events), 'task', 'root');
    expect(layout.rows.map((row) => [row.key, row.depth, row.events])).toEqual([['root', 0, 1], ['sub', 1, 6], ['', 0, 1]]);
    const row = (r: number) => Array.from(layout.markEvent.subarray(layout.rowStart[r]!, layout.rowStart[r + 1]!), (i) => events[i]!.id);
    expect(row(1)).toEqual([sub.id, claim.id, note.id, send.id, block.id, done.id]);
    expect(row(2)).toEqual([stray.id]);
    const bars = Array.from(layout.barRow, (r, b) => [layout.rows[r]!.key, BAR_STATES[layout.barState[b]!], (layout.barEnd[b]! - layout.barStart[b]!) / 1000]);
    expect(bars.filter(([key]) => key === 'sub')).toEqual([['sub', 'open', 1], ['sub', 'claimed', 3], ['sub', 'blocked', 3], ['sub', 'complete', 1]]);
  });

  it('puts a subject with a parent in view first, and rows by agent hold the holder’s bars', () => {
    const bySub = layoutWaterfall(events, tsOf(events), 'task', 'sub');
    expect(bySub.rows.map((row) => row.key)).toEqual(['sub', 'root', '']);
    const byAgent = layoutWaterfall(events, tsOf(events), 'agent');
    expect(byAgent.rows.map((row) => row.key)).toEqual(['lead', 'w1', 'w2', 'w3']);
    // w1 claimed and still holds sub when w2 completes it.
    const states = (agent: string) => Array.from(byAgent.barRow).flatMap((r, b) => (byAgent.rows[r]!.key === agent ? [BAR_STATES[byAgent.barState[b]!]] : []));
    expect(states('w1')).toEqual(['claimed', 'blocked', 'complete']);
    expect(states('w2')).toEqual([]);
  });

  it('survives a cycle of parent_task_id', () => {
    const a = event({ primitive: 'ops', type: 'create_task', target_id: 'a', at: 0, metadata: { parent_task_id: 'b' } });
    const b = event({ primitive: 'ops', type: 'create_task', target_id: 'b', at: 1, metadata: { parent_task_id: 'a' } });
    const layout = layoutWaterfall([a, b], tsOf([a, b]), 'task');
    expect(layout.rows.map((row) => row.key).sort()).toEqual(['a', 'b']);
  });
});

describe('layoutGraph', () => {
  const node = (e: TraceEventJson, children: CausalityNodeJson[] = [], extra: Partial<CausalityNodeJson> = {}): CausalityNodeJson =>
    ({ event: e, children, links: [], missing_parent: null, pruned_parent: null, pruned_links: [], ...extra });

  it('marks a missing parent, pruned and outside causes, inferred edges and the focus', () => {
    const top = event({ primitive: 'ops', type: 'create_task', at: 0 });
    const child = event({ primitive: 'bridge', type: 'send', at: 1, parent_event_id: top.id });
    const guessed = event({ primitive: 'memory', type: 'add_entry', at: 2, parent_event_id: top.id });
    const fanIn = event({ primitive: 'ops', type: 'reduce_task', at: 3, parent_event_id: child.id });
    const outside = id();
    const pruned = id();
    const missing = id();
    const graph = layoutGraph({
      focus: child.id,
      root: node(top, [
        node(child, [node(fanIn, [], { links: [guessed.id, outside, pruned], pruned_links: [pruned] })]),
        node(guessed, [], { inferred: { rule: 'same-agent', confidence: 0.7 } }),
      ], { missing_parent: missing }),
    });
    const ids = tableToArray(graph.ids);
    const flagOf = (x: string) => graph.nodeFlags[ids.indexOf(x)]!;
    expect(flagOf(child.id) & NODE_FOCUS).toBeTruthy();
    expect(flagOf(missing) & NODE_MISSING).toBeTruthy();
    expect(flagOf(pruned) & NODE_PRUNED).toBeTruthy();
    expect(flagOf(outside) & NODE_OUTSIDE).toBeTruthy();
    const edges = Array.from(graph.edgeFrom, (from, e) => [ids[from], ids[graph.edgeTo[e]!], graph.edgeKind[e]]);
    expect(edges).toEqual(expect.arrayContaining([
      [missing, top.id, EDGE_ABSENT],
      [top.id, child.id, EDGE_DECLARED],
      [top.id, guessed.id, EDGE_INFERRED],
      [child.id, fanIn.id, EDGE_DECLARED],
      [guessed.id, fanIn.id, EDGE_CAUSE],
      [outside, fanIn.id, EDGE_CAUSE],
      [pruned, fanIn.id, EDGE_ABSENT],
    ]));
    expect(edges).toHaveLength(7);
    // The fan-in node is drawn once, on the row of the chain it hangs under.
    expect(ids.filter((x) => x === fanIn.id)).toHaveLength(1);
    expect(graph.nodeY[ids.indexOf(fanIn.id)]).toBe(graph.nodeY[ids.indexOf(child.id)]);
    expect(graph.nodeX[ids.indexOf(top.id)]).toBe(1); // the missing parent takes column 0
  });

  it('lays out a 20,000-deep chain without recursion', () => {
    let chain = node(event({ primitive: 'bridge', type: 'note', at: 0 }));
    const leaf = chain;
    for (let i = 0; i < 20_000; i++) chain = node(event({ primitive: 'bridge', type: 'note', at: 0 }), [chain]);
    const graph = layoutGraph({ focus: leaf.event.id, root: chain });
    expect(graph.columns).toBe(20_001);
    expect(graph.rows).toBe(1);
  });
});

describe('string tables', () => {
  it('finds whole entries only', () => {
    const table = toStringTable(['abc', 'bc', 'cab', '']);
    expect(indexOfString(table, 'bc')).toBe(1);
    expect(indexOfString(table, 'ab')).toBe(-1);
    expect(indexOfString(table, 'cab')).toBe(2);
    expect(stringAt(table, 3)).toBe('');
    expect(stringAt(table, 4)).toBeUndefined();
  });
});
