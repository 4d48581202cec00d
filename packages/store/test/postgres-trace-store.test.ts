import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTraceError, type TraceError } from '@tracekernel/schema';
import { LATEST_POSTGRES_VERSION, openStore, openStoreAt, redactLocation, type TraceStore } from '@tracekernel/store';
import { admin, dialectStores, pgUrl, PG_SERVER } from './dialects.js';
import { minute, prepare } from './temp-store.js';

// What only the PostgreSQL dialect can show: its catalog, triggers, plans and connection errors.

async function openError(open: () => Promise<unknown>): Promise<TraceError> {
  const error = await open().then(() => undefined, (caught: unknown) => caught);
  expect(isTraceError(error)).toBe(true);
  return error as TraceError;
}

const stores = dialectStores('postgres');

describe('opening', () => {
  it('many hosts opening a new store at once: one migration, every open succeeds', async () => {
    await admin((client) => client.query('CREATE SCHEMA racing'), stores.database());
    const url = pgUrl(stores.database(), 'racing');
    const opened = await Promise.all(Array.from({ length: 8 }, () => openStoreAt(url, { mode: 'write' })));
    try {
      const versions = await admin((client) => client.query('SELECT version FROM racing.trace_migrations ORDER BY version'), stores.database());
      // Each version applied once, by whichever host took the lock first.
      expect(versions.rows).toEqual(Array.from({ length: LATEST_POSTGRES_VERSION }, (_, i) => ({ version: i + 1 })));
      await Promise.all(opened.map((store, i) => store.append([prepare({ primitive: 'spawn', type: 'wake', ts: minute(i), agent_id: `host-${i}` })])));
      expect((await opened[0]!.stats()).events).toBe(8);
    } finally {
      await Promise.all(opened.map((store) => store.close()));
    }
  });

  it('a database with other tables but no trace store: E_NOT_A_STORE, and nothing is added', async () => {
    await admin(async (client) => {
      await client.query('CREATE SCHEMA theirs');
      await client.query('CREATE TABLE theirs.invoices (id int)');
    }, stores.database());
    const url = pgUrl(stores.database(), 'theirs');
    for (const mode of ['read', 'write'] as const) {
      const error = await openError(() => openStoreAt(url, { mode }));
      expect(error.code).toBe('E_NOT_A_STORE');
      expect(error.message).toContain('127.0.0.1:5432');
    }
    const tables = await admin((client) => client.query("SELECT tablename FROM pg_tables WHERE schemaname = 'theirs'"), stores.database());
    expect(tables.rows).toEqual([{ tablename: 'invoices' }]);
  });

  it('an empty database opened for reading: E_NO_STORE, and nothing is created', async () => {
    await admin((client) => client.query('CREATE SCHEMA empty'), stores.database());
    const error = await openError(() => openStoreAt(pgUrl(stores.database(), 'empty'), { mode: 'read' }));
    expect(error.code).toBe('E_NO_STORE');
    const tables = await admin((client) => client.query("SELECT 1 FROM pg_tables WHERE schemaname = 'empty'"), stores.database());
    expect(tables.rows).toEqual([]);
  });

  it('a store from a newer version: write mode refuses and names the version, read mode opens', async () => {
    const t = await stores.fresh();
    await t.emit({ primitive: 'spawn', type: 'wake', ts: minute(0), agent_id: 'a' });
    await t.store.close();
    const schema = new URL(t.location).searchParams.get('options')!.replace('-c search_path=', '');
    await admin((client) => client.query(`INSERT INTO ${schema}.trace_migrations (version) VALUES (${LATEST_POSTGRES_VERSION + 1})`), stores.database());
    const error = await openError(() => openStoreAt(t.location, { mode: 'write' }));
    expect(error.code).toBe('E_STORE_VERSION');
    expect(error.message).toContain(`version ${LATEST_POSTGRES_VERSION + 1}`);
    t.store = await openStoreAt(t.location, { mode: 'read' });
    expect(await t.store.query({})).toHaveLength(1);
    await t.cleanup();
  });

  it('an unreachable server, a missing database or a wrong password: one line naming the host, never the password', async () => {
    const cases = [
      'postgres://someone:hunter2-secret@127.0.0.1:1/trace',
      `postgres://postgres:hunter2-secret@127.0.0.1:5432/tk_no_such_database_${Date.now()}`,
      'postgresql://someone:hunter2-secret@no-such-host.invalid:5432/trace',
    ];
    for (const url of cases) {
      const error = await openError(() => openStoreAt(url, { mode: 'write' }));
      expect(error.code).toBe('E_STORE');
      expect(error.message).not.toContain('hunter2');
      expect(error.message).not.toContain('\n');
      expect(error.message).toContain(new URL(url).hostname);
    }
  });

  it('location and openStore show the URL without credentials', async () => {
    const url = `${PG_SERVER.replace('postgres://postgres@', 'postgres://postgres:hunter2-secret@')}/${stores.database()}`;
    expect(redactLocation(url)).not.toContain('hunter2');
    expect(redactLocation('postgres://u:p@h/db?password=x&sslmode=require')).toBe('postgres://h/db?sslmode=require');
    const store = await openStore({ db: url, mode: 'write', env: {} });
    try {
      expect(store.location).toBe(`postgres://127.0.0.1:5432/${stores.database()}`);
      expect(JSON.stringify(await store.stats())).not.toContain('hunter2');
    } finally {
      await store.close();
    }
  });
});

describe('changes', () => {
  it('never skips an event whose transaction committed after a later one', async () => {
    const t = await stores.fresh();
    const schema = new URL(t.location).searchParams.get('options')!.replace('-c search_path=', '');
    const slow = prepare({ primitive: 'spawn', type: 'wake', ts: minute(0), agent_id: 'slow' });
    const fast = prepare({ primitive: 'spawn', type: 'wake', ts: minute(1), agent_id: 'fast' });
    await admin(async (client) => {
      // The slow writer takes its seq and xid first and commits last.
      await client.query('BEGIN');
      await client.query(
        `INSERT INTO ${schema}.events (id, ts, primitive, type, agent, schema_version, metadata) VALUES ($1, $2, 'spawn', 'wake', 'slow', 1, '{}')`,
        [slow.event.id, slow.event.ts],
      );
      await t.store.append([fast]);
      // While the slow transaction runs, nothing at or after its xid is delivered.
      const during = await t.store.changes({});
      expect(during.events).toEqual([]);
      await client.query('COMMIT');
      const after = await t.store.changes({}, { after: during.cursor });
      expect(after.events.map((event) => event.agent_id)).toEqual(['slow', 'fast']);
    }, stores.database());
    await t.cleanup();
  });

  it('is not held back by a transaction that another database runs on the same server', async () => {
    const t = await stores.fresh();
    const event = prepare({ primitive: 'spawn', type: 'wake', ts: minute(0), agent_id: 'here' });
    await admin(async (client) => {
      // An xid assigned elsewhere and left open: under the snapshot's own xmin it would hide
      // every later commit here until it ended.
      await client.query('BEGIN');
      await client.query('SELECT pg_current_xact_id()');
      await t.store.append([event]);
      const batch = await t.store.changes({});
      expect(batch.events.map((stored) => stored.id)).toEqual([event.event.id]);
      await client.query('ROLLBACK');
    }, 'test');
    await t.cleanup();
  });
});

describe('the schema', () => {
  let store: TraceStore;
  let schema: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    const t = await stores.fresh();
    store = t.store;
    cleanup = () => t.cleanup();
    schema = new URL(t.location).searchParams.get('options')!.replace('-c search_path=', '');
    const events = Array.from({ length: 3_000 }, (_, i) =>
      prepare({ primitive: i % 2 ? 'ops' : 'spawn', type: i % 2 ? 'claim_task' : 'wake', ts: minute(i), agent_id: `agent-${i % 50}`, target_id: `task-${i % 300}` }),
    );
    await store.append(events);
    await admin((client) => client.query(`ANALYZE ${schema}.events`), stores.database());
  });
  afterAll(() => cleanup());

  it('refuses UPDATE, DELETE and TRUNCATE on every table that gives events meaning', async () => {
    await admin(async (client) => {
      for (const statement of [
        `UPDATE ${schema}.events SET ts = 0`,
        `DELETE FROM ${schema}.events`,
        `TRUNCATE ${schema}.events`,
        `DELETE FROM ${schema}.event_causes`,
        `DELETE FROM ${schema}.target_links`,
        `TRUNCATE ${schema}.event_causes`,
        `UPDATE ${schema}.trace_meta SET value = 'x'`,
        `DELETE FROM ${schema}.trace_migrations`,
      ]) {
        await expect(client.query(statement), statement).rejects.toThrow(/append-only/);
      }
    }, stores.database());
    expect((await store.stats()).events).toBe(3_000);
  });

  it('the projector\'s reads use the indexes (EXPLAIN)', async () => {
    const plan = (query: string) =>
      admin(async (client) => {
        await client.query(`SET search_path = ${schema}`);
        await client.query('SET enable_seqscan = off');
        const { rows } = await client.query(`EXPLAIN ${query}`);
        return rows.map((row: Record<string, string>) => row['QUERY PLAN']).join('\n');
      }, stores.database());
    const [some] = await store.query({ limit: 1 });
    expect(await plan(`SELECT * FROM events WHERE agent = 'agent-1' ORDER BY ts, id LIMIT 20`)).toContain('events_by_agent');
    expect(await plan(`SELECT * FROM events WHERE target = ANY('{task-1,task-2}') ORDER BY ts, id`)).toContain('events_by_target');
    expect(await plan(`SELECT * FROM events ORDER BY ts DESC, id DESC LIMIT 50`)).toContain('events_by_ts');
    expect(await plan(`SELECT * FROM events WHERE id = '${some!.id}'`)).toContain('events_by_id');
    expect(await plan(`SELECT * FROM events WHERE parent_id = '${some!.id}'`)).toContain('events_by_parent');
    expect(await plan(`SELECT * FROM events WHERE idempotency_key = 'k'`)).toContain('events_by_idempotency_key');
    expect(await plan(`SELECT * FROM event_causes WHERE cause = '${some!.id}'`)).toContain('event_causes_pkey');
    expect(await plan(`SELECT * FROM events WHERE (xid, seq) > ('0'::xid8, 0) AND xid < pg_snapshot_xmin(pg_current_snapshot()) ORDER BY xid, seq LIMIT 100`)).toContain('events_by_commit');
  });
});
