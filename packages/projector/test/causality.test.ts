import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventIdAt, type TraceEvent } from '@tracekernel/schema';
import { buildCausalityTree, causality, type CausalityNode } from '@tracekernel/projector';
import { DIALECTS, fixtures, minute, paymentStory, type Fixture, type Story } from './store-fixture.js';

/** Every event id in the tree, depth first; duplicates would show up twice. */
function allIds(node: CausalityNode): string[] {
  return [node.event.id, ...node.children.flatMap(allIds)];
}
function find(node: CausalityNode, id: string): CausalityNode | undefined {
  if (node.event.id === id) return node;
  for (const child of node.children) {
    const found = find(child, id);
    if (found) return found;
  }
  return undefined;
}
const childIds = (node: CausalityNode | undefined) => node!.children.map((child) => child.event.id);

describe.each(DIALECTS)('%s', (dialect) => {
  const open = fixtures(dialect);
  let f: Fixture;
  let s: Story;
  beforeEach(async () => {
    f = await open();
    s = await paymentStory(f);
  });
  afterEach(() => f.cleanup());

  describe('inferred causes', () => {
    it('hang an event under its best inferred cause, up and down, and never over a declared parent', async () => {
      const send = (n: number, agent: string, extra: Record<string, unknown> = {}) =>
        f.emit({ primitive: 'bridge', type: 'send', ts: minute(n), agent_id: agent, target_id: 'payments', metadata: { content: `m${n}` }, ...extra });
      const a = await send(0, 'hailot');
      const b = await send(1, 'zealot');
      const c = await send(2, 'kit', { parent_event_id: a.id });
      const d = await send(3, 'hailot');
      await f.store.appendInferred([
        { event_id: b.id, parent_id: a.id, rule: 'reply', confidence: 0.8 },
        { event_id: d.id, parent_id: b.id, rule: 'read-before-act', confidence: 0.7 },
        { event_id: d.id, parent_id: a.id, rule: 'session', confidence: 0.3 },
        { event_id: c.id, parent_id: b.id, rule: 'reply', confidence: 0.9 },
      ]);
      for (const focus of [a.id, b.id, d.id]) {
        const { root } = await causality(f.store, focus, f.catalog);
        expect(root.event.id).toBe(a.id);
        expect(root.inferred).toBeNull();
        // Above the focus only the path is drawn, as with declared causes; below it, everything.
        expect(childIds(root)).toEqual(focus === a.id ? [b.id, c.id] : [b.id]);
        if (focus === a.id) expect(find(root, c.id)!.inferred).toBeNull();
        expect(find(root, b.id)!.inferred).toEqual({ rule: 'reply', confidence: 0.8 });
        expect(childIds(find(root, b.id))).toEqual([d.id]);
        expect(find(root, d.id)!.inferred).toEqual({ rule: 'read-before-act', confidence: 0.7 });
      }
      const declared = await causality(f.store, d.id, f.catalog, { inferred: false });
      expect(declared.root.event.id).toBe(d.id);
      expect(declared.root.children).toEqual([]);
    });
  });

  describe('causality from the store', () => {
    it('for a task: the chain from the root cause to its create_task, then the whole subtree', async () => {
      const c = await causality(f.store, 'task-abc123', f.catalog);
      expect(c.focus).toBe(s.create.id);
      expect(c.heading).toBe('Causality chain for task-abc123:');
      expect(c.root.event.id).toBe(s.ask.id);
      expect(c.root.missingParent).toBeNull();
      expect(c.root.description).toBe('pm posted to #payments: "we need payments"');
      expect(childIds(c.root)).toEqual([s.notes.id]);
      expect(childIds(find(c.root, s.notes.id))).toEqual([s.create.id]);
      expect(childIds(find(c.root, s.create.id))).toEqual(s.subs.map((e) => e.id).sort());
      expect(childIds(find(c.root, s.subs[0]!.id))).toEqual([s.claim1.id]);
      expect(childIds(find(c.root, s.blockedMsg.id))).toEqual([s.stripeNote.id, s.block.id]);
      expect(childIds(find(c.root, s.block.id))).toEqual([s.answer.id]);
      expect(childIds(find(c.root, s.answer.id))).toEqual([s.claim2.id]);
      expect(childIds(find(c.root, s.claim2.id))).toEqual([s.complete.id]);
      expect(childIds(find(c.root, s.complete.id))).toEqual([s.discovery.id]);
    });

    it('shows fan-in as links and never duplicates a subtree', async () => {
      const c = await causality(f.store, 'task-abc123');
      const ids = allIds(c.root);
      expect(new Set(ids).size).toBe(ids.length);
      // The retry hangs under its parent (the answer) and links to the block it also answers.
      expect(find(c.root, s.claim2.id)!.links).toEqual([s.block.id]);
      // The discovery's parent (a wake) is outside the tree: it hangs under its cause and links to the wake.
      expect(find(c.root, s.discovery.id)!.links).toEqual([s.wake.id]);
      expect(find(c.root, s.complete.id)!.links).toEqual([]);
      for (const event of [s.wake, s.wake2, s.lunch, s.other, s.subsub]) expect(ids).not.toContain(event.id);
    });

    it('for an event: its ancestors above and its subtree below, focus on that event', async () => {
      const c = await causality(f.store, s.block.id.toUpperCase());
      expect(c.focus).toBe(s.block.id);
      expect(c.heading).toBe(`Causality chain for ${s.block.id}:`);
      expect(c.root.event.id).toBe(s.ask.id);
      const path = [s.ask, s.notes, s.create, s.subs[0]!, s.claim1, s.blockedMsg, s.block];
      let node = c.root;
      for (const event of path.slice(1)) node = node.children.find((child) => child.event.id === event.id)!;
      expect(node.event.id).toBe(s.block.id);
      // Only the path is shown above the focus: no siblings of the chain.
      expect(childIds(find(c.root, s.create.id))).toEqual([s.subs[0]!.id]);
      expect(childIds(find(c.root, s.blockedMsg.id))).toEqual([s.block.id]);
      expect(allIds(node)).toEqual([s.block.id, s.answer.id, s.claim2.id, s.complete.id, s.discovery.id]);
    });

    it('an event without parent or descendants is a tree of one', async () => {
      const c = await causality(f.store, s.lunch.id);
      expect(c.root).toMatchObject({ children: [], links: [], missingParent: null });
      expect(c.root.event.id).toBe(s.lunch.id);
    });

    it('shows a parent missing from the store on the topmost node, and the parent once it is stored', async () => {
      const parentId = eventIdAt(minute(100));
      const child = await f.emit({ primitive: 'spawn', type: 'wake', ts: minute(101), agent_id: 'late', parent_event_id: parentId });
      const grandchild = await f.emit({ primitive: 'spawn', type: 'sleep', ts: minute(102), agent_id: 'late', parent_event_id: child.id });
      const before = await causality(f.store, grandchild.id);
      expect(before.root.event.id).toBe(child.id);
      expect(before.root.missingParent).toBe(parentId);
      expect(before.root.links).toEqual([]);
      expect(childIds(before.root)).toEqual([grandchild.id]);

      // The parent arrives after its child (another process flushed later).
      const parent = await f.emit({ id: parentId, primitive: 'spawn', type: 'spawn', ts: minute(100), agent_id: 'boss', target_id: 'late' });
      const after = await causality(f.store, grandchild.id);
      expect(after.root.event.id).toBe(parent.id);
      expect(after.root.missingParent).toBeNull();
      expect(allIds(after.root)).toEqual([parent.id, child.id, grandchild.id]);
      const fromParent = await causality(f.store, parent.id);
      expect(allIds(fromParent.root)).toEqual([parent.id, child.id, grandchild.id]);
    });

    it('shows a cause removed by retention as pruned, not missing, and keeps the tree whole', async () => {
      const neverStored = eventIdAt(minute(3));
      const parent = await f.emit({ primitive: 'spawn', type: 'wake', ts: minute(1), agent_id: 'old' });
      const cause = await f.emit({ primitive: 'spawn', type: 'wake', ts: minute(2), agent_id: 'old' });
      const child = await f.emit({ primitive: 'spawn', type: 'sleep', ts: minute(500), agent_id: 'new', parent_event_id: parent.id, causes: [cause.id, neverStored] });
      const effect = await f.emit({ primitive: 'spawn', type: 'wake', ts: minute(501), agent_id: 'new', parent_event_id: child.id });
      await f.store.prune({ olderThan: minute(400), includeRuns: true });

      const tree = await causality(f.store, effect.id);
      expect(tree.root.event.id).toBe(child.id);
      expect(tree.root).toMatchObject({ missingParent: null, prunedParent: parent.id, prunedLinks: [cause.id] });
      expect(tree.root.links).toEqual([cause.id, neverStored]);
      expect(allIds(tree.root)).toEqual([child.id, effect.id]);
    });

    it('focuses a task without create_task on its first ops event', async () => {
      const claim = await f.emit({ primitive: 'ops', type: 'claim_task', ts: minute(70), agent_id: 'a', target_id: 'task-imported' });
      expect((await causality(f.store, 'task-imported')).focus).toBe(claim.id);
    });

    it('rejects an unknown event id and an invalid id', async () => {
      await expect(causality(f.store, eventIdAt(minute(500)))).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
      await expect(causality(f.store, 'not-an-id')).rejects.toMatchObject({ code: 'E_INVALID_ID' });
      await expect(causality(f.store, '')).rejects.toMatchObject({ code: 'E_INVALID_ID' });
      // A name that exists, but not as a task, is not something causality can start from.
      await expect(causality(f.store, 'payments')).rejects.toMatchObject({ code: 'E_INVALID_ID' });
    });
  });
});

describe('buildCausalityTree (pure)', () => {
  let n = 0;
  const ev = (ts: number, parent: string | null = null, causes: string[] = []): TraceEvent => ({
    id: eventIdAt(ts), ts, primitive: 'bridge', type: 'send', agent_id: `a${n++}`, target_id: 'c', session_id: null,
    parent_event_id: parent, causes, idempotency_key: null, schema_version: 1, metadata: {},
  });

  it('hangs fan-in under the parent and links the other causes, each event once', () => {
    const focus = ev(1);
    const m1 = ev(2, focus.id);
    const m2 = ev(3, focus.id);
    const m3 = ev(4, focus.id);
    const act = ev(5, m2.id, [m1.id, m3.id]);
    const root = buildCausalityTree([focus], [m3, act, m1, m2, act], focus.id);
    expect(childIds(root)).toEqual([m1.id, m2.id, m3.id]);
    expect(childIds(find(root, m2.id))).toEqual([act.id]);
    expect(find(root, act.id)!.links).toEqual([m1.id, m3.id]);
    expect(allIds(root)).toHaveLength(5);
  });

  it('without a parent in the tree, hangs an event under its first cause in the tree', () => {
    const focus = ev(1);
    const outside = eventIdAt(0);
    const a = ev(2, outside, [eventIdAt(0), focus.id]);
    const root = buildCausalityTree([focus], [a], focus.id);
    expect(childIds(root)).toEqual([a.id]);
    expect(find(root, a.id)!.links).toEqual([outside, a.causes[0]]);
  });

  it('attaches a child listed before its parent', () => {
    const focus = ev(10);
    const parent = ev(30, focus.id);
    const child = ev(20, parent.id);
    const root = buildCausalityTree([focus], [child, parent], focus.id);
    expect(childIds(root)).toEqual([parent.id]);
    expect(childIds(find(root, parent.id))).toEqual([child.id]);
  });

  it('survives a parent cycle: each event once, and the cycle shows as a link', () => {
    const aId = eventIdAt(1);
    const b = ev(2, aId);
    const a: TraceEvent = { ...ev(1, b.id), id: aId };
    // ancestors() of b walks b -> a -> b -> a ...
    const root = buildCausalityTree([a, b, a, b], [a], b.id);
    expect(allIds(root)).toEqual([a.id, b.id]);
    expect(root.missingParent).toBeNull();
    expect(root.links).toEqual([b.id]);
  });

  it('marks the missing parent of the topmost node only', () => {
    const missing = eventIdAt(0);
    const top = ev(1, missing);
    const focus = ev(2, top.id);
    const root = buildCausalityTree([top, focus], [], focus.id);
    expect(root.missingParent).toBe(missing);
    expect(root.links).toEqual([]);
    expect(root.children[0]!.missingParent).toBeNull();
  });

  it('refuses a chain that does not contain the focus', () => {
    expect(() => buildCausalityTree([ev(1)], [], eventIdAt(5))).toThrow(/focus/);
  });
});
