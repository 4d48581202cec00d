import { existsSync, statSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteTraceStore } from '@tracekernel/store';
import { idIntoBlob, idToBlob } from '../src/sqlite/sqlite-id-codec.js';
import { minute, openTempStore, prepare, type TempStore } from './temp-store.js';

/** What the writer keeps between batches (the seqs of recent ids) and how it writes the WAL. */

let temp: TempStore;
beforeEach(() => {
  temp = openTempStore();
});
afterEach(() => temp.cleanup());

const wake = (at: number, agent = 'alice') => prepare({ primitive: 'spawn', type: 'wake', ts: minute(at), agent_id: agent });

describe('the seqs the writer remembers', () => {
  it('forgets a rolled-back batch: a later child of its events keeps their id, not the seq another row took', async () => {
    const parent = wake(1);
    const child = prepare({ primitive: 'spawn', type: 'sleep', ts: minute(2), agent_id: 'alice', parent_event_id: parent.event.id });
    const refused = wake(3);
    (refused.event as { ts: unknown }).ts = null; // a NOT NULL column: the batch fails after parent and child went in
    expect(() => temp.store.appendSync([parent, child, refused])).toThrow('could not be stored');

    // These take the seqs that parent and child had inside the rolled-back transaction.
    const others = [wake(4, 'bob'), wake(5, 'bob')];
    expect(temp.store.appendSync(others).every((result) => result.inserted)).toBe(true);
    const orphan = prepare({ primitive: 'spawn', type: 'sleep', ts: minute(6), agent_id: 'carol', parent_event_id: parent.event.id });
    expect(temp.store.appendSync([orphan])).toEqual([{ id: orphan.event.id, inserted: true }]);

    const [stored] = await temp.store.query({ agent: 'carol' });
    expect(stored!.parent_event_id).toBe(parent.event.id);
    // Stored late, the parent is found by its id, and the child then finds it.
    temp.store.appendSync([parent]);
    expect((await temp.store.descendants([parent.event.id])).map((event) => event.id)).toEqual([orphan.event.id]);
  });

  it('finds a parent in the same batch and in an earlier one, past the bound of what it remembers', async () => {
    // 140,000 events: more than the 131,072 recent ids, so the map is emptied on the way.
    const events = Array.from({ length: 140_000 }, (_, i) => wake(10 + i, `agent-${i % 5}`));
    for (let i = 1; i < events.length; i++) {
      const parent = events[i - 1]!.event.id;
      events[i] = prepare({ primitive: 'spawn', type: 'wake', ts: minute(10 + i), agent_id: `agent-${i % 5}`, parent_event_id: i % 3 === 0 ? events[i - 3]!.event.id : parent });
    }
    for (let from = 0; from < events.length; from += 16_384) temp.store.appendSync(events.slice(from, from + 16_384));
    const stored = await temp.store.query({ since: minute(10) });
    expect(stored).toHaveLength(events.length);
    const expected = new Map(events.map(({ event }) => [event.id, event.parent_event_id]));
    const wrong = stored.filter((event) => expected.get(event.id) !== event.parent_event_id);
    expect(wrong).toEqual([]);
  });
});

describe('ids as blobs', () => {
  it('writes the 16 bytes of an id in either case, as its hex digits say', () => {
    const ids = ['019a0b3c-4d5e-7f60-8a1b-2c3d4e5f6071', '019A0B3C-4D5E-7F60-8A1B-2C3D4E5F6071', 'ffffffff-ffff-7fff-bfff-ffffffffffff', '00000000-0000-7000-8000-000000000000'];
    for (const id of ids) expect(idToBlob(id).toString('hex')).toBe(id.replaceAll('-', '').toLowerCase());
    const scratch = Buffer.alloc(16, 0xaa);
    expect(idIntoBlob(ids[0]!, scratch)).toBe(scratch);
    expect(scratch.toString('hex')).toBe('019a0b3c4d5e7f608a1b2c3d4e5f6071');
  });
});

describe('the WAL of a long ingest', () => {
  it('grows past SQLite’s 1,000 pages before a commit checkpoints it, and is gone once the writer closes', async () => {
    const walPath = `${temp.path}-wal`;
    const content = 'x'.repeat(1_000);
    // About 40 MB of WAL: SQLite's default (1,000 pages of 16 KiB) would have checkpointed it and
    // started the file over, so it would stay near 16 MiB and one commit.
    for (let batch = 0; batch < 32; batch++) {
      const events = Array.from({ length: 1_000 }, (_, i) =>
        prepare({ primitive: 'memory', type: 'add_entry', ts: minute(batch * 1_000 + i), agent_id: 'alice', target_id: `entry-${batch}-${i}`, metadata: { topic: 'load', content } }));
      temp.store.appendSync(events);
    }
    expect(statSync(walPath).size).toBeGreaterThan(32 * 1024 * 1024);
    await temp.store.close();
    expect(existsSync(walPath)).toBe(false);
    temp.store = SqliteTraceStore.open({ path: temp.path, mode: 'read' });
    expect((await temp.store.stats()).events).toBe(32_000);
  });
});
