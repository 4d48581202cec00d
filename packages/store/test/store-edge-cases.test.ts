import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteTraceStore } from '@tracekernel/store';
import { minute, openTempStore, prepare, tempDir, type TempStore } from './temp-store.js';

describe('edge cases', () => {
  let t: TempStore;
  beforeEach(() => {
    t = openTempStore();
  });
  afterEach(() => t.cleanup());

  it('reads more ids and targets than SQLite allows parameters', async () => {
    const events = Array.from({ length: 40_000 }, (_, i) =>
      prepare({ primitive: 'ops', type: 'claim_task', ts: minute(0) + i, agent_id: 'a', target_id: `task-${i}` }),
    );
    t.store.appendSync(events);
    expect(await t.store.get(events.map((prepared) => prepared.event.id))).toHaveLength(40_000);
    expect(await t.store.query({ targets: events.map((prepared) => prepared.event.target_id!) })).toHaveLength(40_000);
  });

  it('ends an ancestor walk at a cycle instead of repeating it', async () => {
    // b is stored after a names it as parent, and b names a: only a late parent can close a loop.
    const a = prepare({ primitive: 'spawn', type: 'wake', ts: minute(1), agent_id: 'x', parent_event_id: '01a20000-0000-7000-8000-000000000001' });
    const b = prepare({ primitive: 'spawn', type: 'sleep', id: '01a20000-0000-7000-8000-000000000001', ts: minute(2), agent_id: 'x', parent_event_id: a.event.id });
    t.store.appendSync([a]);
    t.store.appendSync([b]);
    const { chain, missingParentId } = await t.store.ancestors(a.event.id);
    expect(chain.map((event) => event.id)).toEqual([b.event.id, a.event.id]);
    expect(missingParentId).toBeNull();
  });
});

describe('somebody else\'s database', () => {
  it('is refused without being modified, not even switched to WAL', () => {
    const { dir, cleanup } = tempDir();
    try {
      const path = join(dir, 'app.db');
      const app = new Database(path);
      app.exec("CREATE TABLE users (name TEXT); INSERT INTO users VALUES ('ada')");
      app.close();
      const before = readFileSync(path);
      for (const mode of ['read', 'write'] as const) {
        expect(() => SqliteTraceStore.open({ path, mode })).toThrow(expect.objectContaining({ code: 'E_NOT_A_STORE' }));
      }
      expect(readFileSync(path).equals(before)).toBe(true);
    } finally {
      cleanup();
    }
  });
});
