import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { eventIdAt } from '@tracekernel/schema';
import { LATEST_STORE_VERSION, SqliteTraceStore } from '@tracekernel/store';
import { minute, prepare, tempDir } from './temp-store.js';

// Ids built with a chosen last group, so that several share a short prefix.
const withTail = (ts: number, tail: string) => `${eventIdAt(ts).slice(0, 24)}${tail}`;

/** The query matchShortId runs on a version 7 store. */
const MATCH_SQL = `SELECT lower(hex(e.id)) AS id FROM event_short_ids s JOIN events e ON e.seq = s.seq
  WHERE s.short BETWEEN unhex(?) AND unhex(?) AND e.private IS NULL ORDER BY e.ts, e.id LIMIT 10`;

describe('short ids in their own table (version 7)', () => {
  let dir: string;
  let cleanup: () => void;
  let path: string;
  beforeEach(() => {
    ({ dir, cleanup } = tempDir());
    path = join(dir, 'trace.db');
  });
  afterEach(() => cleanup());

  const writeEvents = (store: SqliteTraceStore) => {
    const tails = ['1d7050d7aa01', '1d7050d7bb02', '1d7051000000', 'ffff0000cc03', '00000000dd04'];
    const events = tails.map((tail, i) => prepare({ id: withTail(minute(i), tail), primitive: 'spawn', type: 'wake', ts: minute(i) }));
    store.appendSync(events.slice(0, 3));
    store.appendSync(events.slice(3));
    return events.map((p) => p.event.id);
  };

  /**
   * A store as version 6 left it: version 7's table and triggers gone, version 5's expression
   * index in their place. Version 7 changes nothing else, so this is the schema version 6 wrote.
   */
  const asVersion6 = () => {
    const raw = new Database(path);
    raw.exec(`DROP TABLE event_short_ids; CREATE INDEX events_by_short_id ON events (substr(id, 11, 6)); PRAGMA user_version = 6;`);
    raw.close();
  };

  it('the writer adds one short-id row per stored event, duplicates none', async () => {
    const store = SqliteTraceStore.open({ path, mode: 'write' });
    const ids = writeEvents(store);
    // The same events again: skipped as duplicates, and so are their short ids.
    store.appendSync(ids.map((id, i) => prepare({ id, primitive: 'spawn', type: 'wake', ts: minute(i) })));
    const raw = new Database(path, { readonly: true });
    expect(raw.prepare('SELECT count(*) FROM event_short_ids').pluck().get()).toBe(ids.length);
    expect(raw.prepare('SELECT count(*) FROM events e JOIN event_short_ids s ON s.seq = e.seq AND s.short = substr(e.id, 11, 6)').pluck().get()).toBe(ids.length);
    expect(raw.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'events_by_short_id'").pluck().get()).toBe(0);
    raw.close();
    expect((await store.verify()).every((check) => check.ok)).toBe(true);
    await store.close();
  });

  it('matchShortId searches the short-id table, it never scans', () => {
    const store = SqliteTraceStore.open({ path, mode: 'write' });
    writeEvents(store);
    void store.close();
    const raw = new Database(path, { readonly: true });
    const plan = (raw.prepare(`EXPLAIN QUERY PLAN ${MATCH_SQL}`).all('1d7050000000', '1d7050ffffff') as Array<{ detail: string }>).map((row) => row.detail);
    expect(plan.some((detail) => /^SEARCH s USING PRIMARY KEY \(short>\? AND short<\?\)/.test(detail))).toBe(true);
    expect(plan.some((detail) => detail.startsWith('SCAN'))).toBe(false);
    raw.close();
  });

  it('migrates a version 6 store: the same ids match, an ambiguous prefix gives every candidate, verify passes', async () => {
    const writer = SqliteTraceStore.open({ path, mode: 'write' });
    const [a, b, c, d] = writeEvents(writer);
    await writer.close();
    asVersion6();
    const raw = new Database(path, { readonly: true });
    const v6Ambiguous = raw.prepare(`SELECT lower(hex(id)) FROM events WHERE substr(id, 11, 6) BETWEEN unhex('1d7050d70000') AND unhex('1d7050d7ffff') ORDER BY ts`).pluck().all();
    raw.close();
    expect(v6Ambiguous).toHaveLength(2);

    const store = SqliteTraceStore.open({ path, mode: 'write' });
    expect(store.version).toBe(LATEST_STORE_VERSION);
    expect(await store.matchShortId('1d7050d7')).toEqual([a, b]);
    expect(await store.matchShortId('1d705')).toEqual([a, b, c]);
    expect(await store.matchShortId('ffff0000')).toEqual([d]);
    expect(await store.matchShortId('1d7050d7bb')).toEqual([b]);
    const checks = await store.verify();
    expect(checks.filter((check) => !check.ok)).toEqual([]);
    // And the writer keeps the table up to date after the migration.
    const [later] = store.appendSync([prepare({ id: withTail(minute(9), '1d7050d7ee05'), primitive: 'spawn', type: 'wake', ts: minute(9) })]);
    expect(await store.matchShortId('1d7050d7')).toEqual([a, b, later!.id]);
    await store.close();
    const check = new Database(path, { readonly: true });
    expect(check.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'events_by_short_id'").pluck().get()).toBe(0);
    check.close();
  });

  it('migrates a store that version 6 wrote (fixtures/store-v6.sql, its dump; made by make-store-v6.mjs): every stored id is found by its short id', async () => {
    const restore = new Database(path);
    restore.exec(readFileSync(new URL('./fixtures/store-v6.sql', import.meta.url), 'utf8'));
    restore.close();
    const raw = new Database(path, { readonly: true });
    expect(raw.pragma('user_version', { simple: true })).toBe(6);
    const ids = raw.prepare('SELECT lower(hex(id)) FROM events ORDER BY seq').pluck().all() as string[];
    raw.close();
    expect(ids).toHaveLength(14);

    const store = SqliteTraceStore.open({ path, mode: 'write' });
    expect(store.version).toBe(LATEST_STORE_VERSION);
    for (const hex of ids) {
      const id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
      expect(await store.matchShortId(hex.slice(20, 28), { includePrivate: true })).toContain(id);
    }
    expect((await store.verify()).filter((check) => !check.ok)).toEqual([]);
    await store.close();
  });

  it('a version 6 store a reader cannot upgrade (another writer holds the lock) still matches short ids', async () => {
    const writer = SqliteTraceStore.open({ path, mode: 'write' });
    const [a, b] = writeEvents(writer);
    await writer.close();
    asVersion6();
    const holder = new Database(path);
    holder.exec('BEGIN IMMEDIATE');
    try {
      const reader = SqliteTraceStore.open({ path, mode: 'read' });
      expect(reader.version).toBe(6);
      expect(await reader.matchShortId('1d7050d7')).toEqual([a, b]);
      await reader.close();
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
  });

  it('short-id rows are append-only; verify names a missing row, a stray row and a dropped trigger', async () => {
    const store = SqliteTraceStore.open({ path, mode: 'write' });
    writeEvents(store);
    await store.close();
    const raw = new Database(path);
    expect(() => raw.exec('DELETE FROM event_short_ids')).toThrow(/event_short_ids are append-only/);
    expect(() => raw.exec('UPDATE event_short_ids SET seq = seq + 100')).toThrow(/event_short_ids are append-only/);
    raw.exec(`BEGIN; INSERT INTO trace_maintenance VALUES ('test', 0);
      DELETE FROM event_short_ids WHERE seq = 1; INSERT INTO event_short_ids VALUES (x'000000000000', 99);
      DELETE FROM trace_maintenance; COMMIT;
      DROP TRIGGER event_short_ids_are_append_only_delete;`);
    raw.close();
    const reader = SqliteTraceStore.open({ path, mode: 'read' });
    const checks = await reader.verify();
    const problems = checks.flatMap((check) => check.problems).join('\n');
    expect(problems).toMatch(/1 events without their short-id row/);
    expect(problems).toMatch(/1 short-id rows that match no event: 000000000000 of seq 99/);
    expect(problems).toMatch(/trigger event_short_ids_are_append_only_delete is missing/);
    await reader.close();
  });

  it('prune removes the pruned events\' short ids and keeps the others', async () => {
    const store = SqliteTraceStore.open({ path, mode: 'write' });
    const [, , c, d, e] = writeEvents(store);
    expect((await store.prune({ olderThan: minute(2) })).removed).toBe(2);
    expect(await store.matchShortId('1d705')).toEqual([c]);
    expect(await store.matchShortId('ffff0000')).toEqual([d]);
    expect(await store.matchShortId('00000000')).toEqual([e]);
    expect((await store.verify()).filter((check) => !check.ok)).toEqual([]);
    await store.close();
    const raw = new Database(path, { readonly: true });
    expect(raw.prepare('SELECT count(*) FROM event_short_ids').pluck().get()).toBe(3);
    raw.close();
  });
});
