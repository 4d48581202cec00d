import Database from 'better-sqlite3';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DIALECTS, dialectStores, type DialectStore } from './dialects.js';
import { minute } from './temp-store.js';

// Inferred causes are part of the TraceStore contract: stored apart from the events, append-only, on every dialect.

describe.each(DIALECTS)('%s store: inferred edges', (dialect) => {
  const stores = dialectStores(dialect);
  let t: DialectStore;
  beforeEach(async () => {
    t = await stores.fresh();
  });
  afterEach(() => t.cleanup());

  const three = async () => {
    const a = await t.emit({ primitive: 'bridge', type: 'send', ts: minute(0), agent_id: 'alice', target_id: 'payments', metadata: { content: 'blocked' } });
    const b = await t.emit({ primitive: 'bridge', type: 'send', ts: minute(1), agent_id: 'bob', target_id: 'payments', metadata: { content: 'the key is in the vault' } });
    const c = await t.emit({ primitive: 'bridge', type: 'send', ts: minute(2), agent_id: 'alice', target_id: 'payments', metadata: { content: 'unblocked' } });
    return { a, b, c };
  };

  it('stores edges once, and reads them by event (parents) or by parent (children), best first', async () => {
    const { a, b, c } = await three();
    const edges = [
      { event_id: c.id, parent_id: a.id, rule: 'session', confidence: 0.3 },
      { event_id: c.id, parent_id: b.id, rule: 'read-before-act', confidence: 0.7 },
      { event_id: b.id, parent_id: a.id, rule: 'reply', confidence: 0.8 },
    ];
    expect(await t.store.appendInferred(edges)).toBe(3);
    expect(await t.store.appendInferred(edges)).toBe(0);
    expect(await t.store.inferredEdges([c.id], 'parents')).toEqual([edges[1], edges[0]]);
    const children = await t.store.inferredEdges([a.id], 'children');
    expect(children.map((edge) => edge.event_id).sort()).toEqual([b.id, c.id].sort());
    expect(await t.store.inferredEdges([], 'parents')).toEqual([]);
    // Inferred edges are not declared causes: the events are unchanged.
    const [stored] = await t.store.get([c.id]);
    expect(stored!.parent_event_id).toBeNull();
    expect(await t.store.descendants([a.id])).toEqual([]);
  });

  it('refuses an edge with a bad id, rule or confidence, and stores none of the batch', async () => {
    const { a, b } = await three();
    const good = { event_id: b.id, parent_id: a.id, rule: 'reply', confidence: 0.8 };
    await expect(t.store.appendInferred([good, { ...good, rule: 'Bad Rule' }])).rejects.toMatchObject({ code: 'E_SCHEMA' });
    await expect(t.store.appendInferred([good, { ...good, confidence: 1.5 }])).rejects.toMatchObject({ code: 'E_SCHEMA' });
    await expect(t.store.appendInferred([good, { ...good, parent_id: 'nope' }])).rejects.toMatchObject({ code: 'E_INVALID_ID' });
    expect(await t.store.inferredEdges([b.id], 'parents')).toEqual([]);
  });

  it('refuses UPDATE and DELETE at the SQL level, like the events', async () => {
    const { a, b } = await three();
    await t.store.appendInferred([{ event_id: b.id, parent_id: a.id, rule: 'reply', confidence: 0.8 }]);
    if (dialect === 'sqlite') {
      const raw = new Database(t.location);
      try {
        expect(() => raw.prepare('UPDATE inferred_edges SET confidence = 1').run()).toThrow(/append-only/);
        expect(() => raw.prepare('DELETE FROM inferred_edges').run()).toThrow(/append-only/);
      } finally {
        raw.close();
      }
    } else {
      const client = new pg.Client({ connectionString: t.location });
      await client.connect();
      try {
        await expect(client.query('UPDATE inferred_edges SET confidence = 1')).rejects.toThrow(/append-only/);
        await expect(client.query('DELETE FROM inferred_edges')).rejects.toThrow(/append-only/);
      } finally {
        await client.end();
      }
    }
    expect(await t.store.inferredEdges([b.id], 'parents')).toHaveLength(1);
  });

  it('is refused on a store opened for reading', async () => {
    const { a, b } = await three();
    const reader = await t.open('read');
    await expect(reader.appendInferred([{ event_id: b.id, parent_id: a.id, rule: 'reply', confidence: 0.8 }])).rejects.toMatchObject({ code: 'E_STORE' });
  });
});
