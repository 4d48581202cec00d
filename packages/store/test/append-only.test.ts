import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { LATEST_STORE_VERSION, SqliteTraceStore } from '@tracekernel/store';
import { minute, openTempStore, prepare, tempDir, type TempStore } from './temp-store.js';

/**
 * The append-only promise at the SQL level, with a second real SQLite connection as the attacker:
 * someone who runs SQL against the file (the sqlite3 shell, a script) rather than through the store.
 */

type Row = Record<string, unknown>;

let temp: TempStore;
beforeEach(() => {
  temp = openTempStore();
  const create = temp.emit({ primitive: 'ops', type: 'create_task', ts: minute(0), agent_id: 'alice', target_id: 'task-1', metadata: { title: 'Payroll' } });
  temp.emit({
    primitive: 'ops',
    type: 'create_task',
    ts: minute(1),
    agent_id: 'alice',
    target_id: 'task-2',
    parent_event_id: create.id,
    causes: [create.id],
    idempotency_key: 'sub-1',
    metadata: { title: 'Sub', parent_task_id: 'task-1' },
  });
});
afterEach(() => temp.cleanup());

function snapshot(db: Database.Database): Record<string, Row[]> {
  const tables = ['events', 'names', 'kinds', 'event_causes', 'target_links', 'trace_meta', 'event_chain'];
  return Object.fromEntries(tables.map((table) => [table, db.prepare(`SELECT * FROM ${table} ORDER BY 1, 2`).all() as Row[]]));
}

/** The attacks on each table: a REPLACE of an existing row, an UPDATE and a DELETE. */
const ATTACKS: Record<string, { replace: string; update: string; remove: string }> = {
  events: {
    replace: `REPLACE INTO events (seq, id, ts, kind, agent, target, session, parent, parent_id, causes, idempotency_key, schema_version, metadata)
      SELECT seq, id, ts, kind, agent, target, session, parent, parent_id, causes, idempotency_key, schema_version, '{"title":"forged"}' FROM events WHERE seq = 1`,
    update: `UPDATE events SET metadata = '{"title":"forged"}'`,
    remove: 'DELETE FROM events',
  },
  names: {
    replace: `REPLACE INTO names (id, name) SELECT id, 'mallory' FROM names WHERE name = 'alice'`,
    update: `UPDATE names SET name = 'mallory' WHERE name = 'alice'`,
    remove: 'DELETE FROM names',
  },
  kinds: {
    replace: `REPLACE INTO kinds (id, primitive, type) SELECT id, 'ops', 'complete_task' FROM kinds`,
    update: `UPDATE kinds SET type = 'complete_task'`,
    remove: 'DELETE FROM kinds',
  },
  event_causes: {
    replace: 'REPLACE INTO event_causes (cause, seq) SELECT cause, seq FROM event_causes',
    update: 'UPDATE event_causes SET seq = seq + 100',
    remove: 'DELETE FROM event_causes',
  },
  target_links: {
    replace: 'REPLACE INTO target_links (parent, child) SELECT parent, child FROM target_links',
    update: 'UPDATE target_links SET child = parent',
    remove: 'DELETE FROM target_links',
  },
  trace_meta: {
    replace: `REPLACE INTO trace_meta (key, value) VALUES ('format', 'forged')`,
    update: `UPDATE trace_meta SET value = 'forged'`,
    remove: 'DELETE FROM trace_meta',
  },
  event_chain: {
    replace: 'REPLACE INTO event_chain (batch, last_seq, hash) SELECT batch, last_seq, zeroblob(32) FROM event_chain',
    update: 'UPDATE event_chain SET hash = zeroblob(32)',
    remove: 'DELETE FROM event_chain',
  },
};

describe.each([
  // The sqlite3 shell's default: REPLACE deletes the old row without firing DELETE triggers.
  { recursiveTriggers: false },
  // better-sqlite3's default.
  { recursiveTriggers: true },
])('another connection (recursive_triggers $recursiveTriggers)', ({ recursiveTriggers }) => {
  let attacker: Database.Database;
  beforeEach(() => {
    attacker = new Database(temp.path);
    attacker.pragma(`recursive_triggers = ${recursiveTriggers ? 'ON' : 'OFF'}`);
  });
  afterEach(() => attacker.close());

  it.each(Object.keys(ATTACKS))('cannot replace, update or delete rows of %s', async (table) => {
    const before = snapshot(attacker);
    expect(before[table]!.length).toBeGreaterThan(0);
    const { replace, update, remove } = ATTACKS[table]!;
    // REPLACE is skipped: the conflicting row stays and nothing is added. (Where every column is
    // the key, REPLACE could only put back the same row; with recursive triggers its delete raises.)
    try {
      attacker.exec(replace);
    } catch (error) {
      expect(recursiveTriggers && ['event_causes', 'target_links'].includes(table)).toBe(true);
      expect((error as Error).message).toBe(`${table} are append-only`);
    }
    expect(() => attacker.exec(update)).toThrow(`${table} are append-only`);
    expect(() => attacker.exec(remove)).toThrow(`${table} are append-only`);
    // INSERT OR REPLACE and an upsert are REPLACE under other names.
    if (table === 'names') {
      attacker.exec(`INSERT OR REPLACE INTO names (id, name) SELECT id, 'mallory' FROM names WHERE name = 'alice'`);
      attacker.exec(`INSERT INTO names (name) VALUES ('alice') ON CONFLICT (name) DO UPDATE SET name = 'mallory'`);
    }
    expect(snapshot(attacker)).toEqual(before);
    // And the events read as they were written.
    const events = await temp.store.query({});
    expect(events.map((event) => [event.agent_id, event.type, event.metadata.title])).toEqual([
      ['alice', 'create_task', 'Payroll'],
      ['alice', 'create_task', 'Sub'],
    ]);
  });

  it('a trace_maintenance row inside the same transaction is the sanctioned way around the triggers', () => {
    const prune = attacker.transaction(() => {
      attacker.prepare("INSERT INTO trace_maintenance (reason, started_at) VALUES ('retention', ?)").run(Date.now());
      attacker.exec('DELETE FROM event_causes; DELETE FROM target_links; DELETE FROM events WHERE seq = 2');
      attacker.exec('DELETE FROM trace_maintenance');
    });
    prune();
    expect(attacker.prepare('SELECT count(*) FROM events').pluck().get()).toBe(1);
    // Once the row is gone, the triggers hold again.
    expect(() => attacker.exec('DELETE FROM events')).toThrow('events are append-only');
  });
});

describe('the store itself', () => {
  it('still skips a repeated id and a repeated idempotency key without an error', async () => {
    const event = prepare({ primitive: 'spawn', type: 'wake', ts: minute(5), agent_id: 'bob' });
    expect(await temp.store.append([event])).toEqual([{ id: event.event.id, inserted: true }]);
    expect(await temp.store.append([event])).toEqual([{ id: event.event.id, inserted: false }]);
    const [first] = await temp.store.query({ agent: 'alice', limit: 2 }).then((events) => events.filter((e) => e.idempotency_key));
    const repeat = prepare({ primitive: 'ops', type: 'create_task', ts: minute(6), agent_id: 'carol', target_id: 'task-9', idempotency_key: 'sub-1', metadata: { title: 'again' } });
    expect(await temp.store.append([repeat])).toEqual([{ id: first!.id, inserted: false }]);
    expect((await temp.store.query({})).length).toBe(3);
  });

  // A batch of 1,024 or more lifts the events' INSERT trigger inside its own transaction (it costs the
  // store's own inserts a statement journal); these hold that to what the trigger promised.
  describe('a large batch', () => {
    const guardSql = (db: Database.Database) =>
      db.prepare("SELECT sql FROM sqlite_schema WHERE type = 'trigger' AND name = 'events_keep_existing_rows'").pluck().get();
    const batch = (n: number, from: number) =>
      Array.from({ length: n }, (_, i) => prepare({ primitive: 'spawn', type: 'wake', ts: minute(from + i), agent_id: `agent-${i % 7}` }));

    it('skips repeats as a small one does, and leaves the trigger as it was', async () => {
      const raw = new Database(temp.path, { readonly: true });
      try {
        const before = guardSql(raw);
        expect(before).toContain('RAISE(IGNORE)');
        // The schema's version moves only when the trigger was lifted: this batch takes that path.
        const schemaVersion = () => raw.pragma('schema_version', { simple: true }) as number;
        const version = schemaVersion();
        const events = batch(1_100, 10);
        const [first] = (await temp.store.query({ agent: 'alice', limit: 2 })).filter((e) => e.idempotency_key);
        const repeatKey = prepare({ primitive: 'ops', type: 'create_task', ts: minute(5_000), agent_id: 'carol', target_id: 'task-9', idempotency_key: 'sub-1', metadata: { title: 'again' } });
        const results = await temp.store.append([...events, events[3]!, repeatKey]);
        expect(results.filter((result) => result.inserted)).toHaveLength(1_100);
        expect(results.slice(1_100)).toEqual([{ id: events[3]!.event.id, inserted: false }, { id: first!.id, inserted: false }]);
        expect(schemaVersion()).toBeGreaterThan(version);
        expect(await temp.store.append(events)).toEqual(events.map((e) => ({ id: e.event.id, inserted: false })));
        expect(guardSql(raw)).toBe(before);
        expect(raw.prepare('SELECT count(*) FROM events').pluck().get()).toBe(1_102);
      } finally {
        raw.close();
      }
      // And after it, another connection's REPLACE is still skipped.
      const attacker = new Database(temp.path);
      try {
        const before = snapshot(attacker);
        attacker.exec(ATTACKS.events!.replace);
        expect(snapshot(attacker)).toEqual(before);
      } finally {
        attacker.close();
      }
    });

    it('that fails half-way stores nothing and leaves the trigger in place', async () => {
      const raw = new Database(temp.path, { readonly: true });
      try {
        const before = guardSql(raw);
        const events = batch(1_100, 10);
        // A row the table refuses (its ts is NOT NULL) fails the batch after the trigger is dropped.
        (events[550]!.event as { ts: unknown }).ts = null;
        expect(() => temp.store.appendSync(events)).toThrow('could not be stored');
        expect(guardSql(raw)).toBe(before);
        expect(raw.prepare('SELECT count(*) FROM events').pluck().get()).toBe(2);
      } finally {
        raw.close();
      }
      expect(temp.store.appendSync(batch(1_100, 2_000)).every((result) => result.inserted)).toBe(true);
    });
  });

  it('records one chain link per batch that stored events', () => {
    const raw = new Database(temp.path, { readonly: true });
    try {
      // Batch 0 starts the chain; then one link per append above.
      expect(raw.prepare('SELECT batch, last_seq, length(hash) AS bytes FROM event_chain ORDER BY batch').all()).toEqual([
        { batch: 0, last_seq: 0, bytes: 32 },
        { batch: 1, last_seq: 1, bytes: 32 },
        { batch: 2, last_seq: 2, bytes: 32 },
      ]);
    } finally {
      raw.close();
    }
  });
});

describe('a version 1 store', () => {
  it('is protected once a writer opens it, and its earlier events stay readable', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const path = join(dir, 'trace.db');
      const v1 = new Database(path);
      v1.pragma('journal_mode = WAL');
      v1.exec(readFileSync(new URL('./fixtures/v1-schema.sql', import.meta.url), 'utf8'));
      v1.pragma('user_version = 1');
      v1.exec(`INSERT INTO names (name) VALUES ('alice'); INSERT INTO kinds (primitive, type) VALUES ('spawn', 'wake');
        INSERT INTO events (id, ts, kind, agent, schema_version, metadata) VALUES (randomblob(16), 1, 1, 1, 1, '{}')`);
      // Version 1 protected events against UPDATE and DELETE, and nothing else.
      v1.exec(`UPDATE names SET name = 'alice' WHERE id = 1`);
      v1.close();

      const store = SqliteTraceStore.open({ path, mode: 'write' });
      expect(store.version).toBe(LATEST_STORE_VERSION);
      expect((await store.query({})).map((event) => event.agent_id)).toEqual(['alice']);
      await store.close();
      const attacker = new Database(path);
      try {
        expect(() => attacker.exec(`UPDATE names SET name = 'mallory'`)).toThrow('names are append-only');
        expect(attacker.prepare('SELECT batch, last_seq FROM event_chain').all()).toEqual([{ batch: 0, last_seq: 1 }]);
      } finally {
        attacker.close();
      }
    } finally {
      cleanup();
    }
  });
});
