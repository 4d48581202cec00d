import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PRIVATE_EVENT_LABEL, causality, resolveSubject, timeline, type CausalityNode } from '@tracekernel/projector';
import { DIALECTS, fixtures, minute, type Fixture } from './store-fixture.js';

let f: Fixture;

/** root → private design note → task (created by the note) → claim; plus a private claim of the task. */
async function story() {
  const ask = await f.emit({ primitive: 'bridge', type: 'send', ts: minute(0), agent_id: 'pm', target_id: 'payments', metadata: { content: 'we need payments' } });
  const note = await f.emit({
    primitive: 'memory', type: 'add_entry', ts: minute(1), agent_id: 'zealot-1', target_id: 'notes', parent_event_id: ask.id,
    metadata: { topic: 'payments', content: 'the vault password is hunter2' }, private: true,
  });
  const create = await f.emit({ primitive: 'ops', type: 'create_task', ts: minute(2), agent_id: 'zealot-1', target_id: 'task-1', parent_event_id: note.id, metadata: { title: 'Build payments' } });
  const privateClaim = await f.emit({ primitive: 'ops', type: 'claim_task', ts: minute(3), agent_id: 'ghost', target_id: 'task-1', parent_event_id: create.id, private: true });
  const effect = await f.emit({ primitive: 'bridge', type: 'send', ts: minute(4), agent_id: 'haiku-1', target_id: 'payments', parent_event_id: privateClaim.id, metadata: { content: 'on it' } });
  return { ask, note, create, privateClaim, effect };
}

const shape = (node: CausalityNode): unknown => ({ id: node.event.id, hidden: node.hidden, children: node.children.map(shape) });

describe.each(DIALECTS)('%s', (dialect) => {
  const open = fixtures(dialect);
  beforeEach(async () => {
    f = await open();
  });
  afterEach(() => f.cleanup());

  describe('private events in a causality tree', () => {
    it('are placeholders that keep their effects attached to their cause', async () => {
      const s = await story();
      const tree = await causality(f.store, 'task-1', f.catalog);
      expect(shape(tree.root)).toEqual({
        id: s.ask.id, hidden: false, children: [{
          id: s.note.id, hidden: true, children: [{
            id: s.create.id, hidden: false, children: [{
              id: s.privateClaim.id, hidden: true, children: [{ id: s.effect.id, hidden: false, children: [] }],
            }],
          }],
        }],
      });
      const placeholder = tree.root.children[0]!;
      expect(placeholder.description).toBe(PRIVATE_EVENT_LABEL);
      expect(placeholder.event).toMatchObject({ id: s.note.id, private: true, agent_id: null, target_id: null, metadata: {}, parent_event_id: null });
      expect(JSON.stringify(tree)).not.toContain('hunter2');
      expect(JSON.stringify(tree)).not.toContain('ghost');
    });

    it('are shown as they are with includePrivate', async () => {
      const s = await story();
      const tree = await causality(f.store, 'task-1', f.catalog, { includePrivate: true });
      const note = tree.root.children[0]!;
      expect(note.hidden).toBe(false);
      expect(note.event).toEqual(s.note);
      expect(note.description).toContain('hunter2');
    });

    it('a private event is found by its id, and its own tree draws it as a placeholder', async () => {
      const s = await story();
      expect(await resolveSubject(f.store, s.note.id)).toEqual([{ kind: 'event', id: s.note.id }]);
      const tree = await causality(f.store, s.note.id, f.catalog);
      expect(tree.focus).toBe(s.note.id);
      expect(tree.root.children[0]!.hidden).toBe(true);
      expect(tree.root.children[0]!.children[0]!.event.id).toBe(s.create.id);
    });
  });

  describe('private events in a timeline', () => {
    it('are left out, and a task still shows what its private events caused', async () => {
      const s = await story();
      const task = await timeline(f.store, { task: 'task-1' }, f.catalog);
      expect(task.entries.map((entry) => entry.event.id)).toEqual([s.create.id, s.effect.id]);
      const all = await timeline(f.store, { task: 'task-1', includePrivate: true }, f.catalog);
      expect(all.entries.map((entry) => entry.event.id)).toEqual([s.create.id, s.privateClaim.id, s.effect.id]);
    });

    it('are left out of agent and channel timelines and of the latest N', async () => {
      const s = await story();
      expect((await timeline(f.store, { agent: 'zealot-1' }, f.catalog)).entries.map((entry) => entry.event.id)).toEqual([s.create.id]);
      expect((await timeline(f.store, { agent: 'ghost' }, f.catalog)).entries).toEqual([]);
      expect((await timeline(f.store, { limit: 2 }, f.catalog)).entries.map((entry) => entry.event.id)).toEqual([s.create.id, s.effect.id]);
      expect((await timeline(f.store, { agent: 'ghost', includePrivate: true }, f.catalog)).entries.map((entry) => entry.event.id)).toEqual([s.privateClaim.id]);
    });

    it("a private create_task's title stays out of the heading", async () => {
      await f.emit({ primitive: 'ops', type: 'create_task', ts: minute(0), agent_id: 'a', target_id: 'task-x', metadata: { title: 'Secret project' }, private: true });
      await f.emit({ primitive: 'ops', type: 'claim_task', ts: minute(1), agent_id: 'b', target_id: 'task-x' });
      expect((await timeline(f.store, { task: 'task-x' }, f.catalog)).heading).toBe('Timeline for task-x:');
      expect((await timeline(f.store, { task: 'task-x', includePrivate: true }, f.catalog)).heading).toBe('Timeline for task-x (Secret project):');
    });

    it('a name used only by private events resolves to nothing unless includePrivate', async () => {
      await story();
      expect(await resolveSubject(f.store, 'ghost')).toEqual([]);
      expect(await resolveSubject(f.store, 'ghost', { includePrivate: true })).toEqual([{ kind: 'agent', id: 'ghost' }]);
    });
  });
});
