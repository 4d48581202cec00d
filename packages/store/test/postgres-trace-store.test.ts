import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTraceError, type TraceError } from '@tracekernel/schema';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { LATEST_POSTGRES_VERSION, PostgresTraceStore, openStore, openStoreAt, redactLocation, type TraceStore } from '@tracekernel/store';
import { migrate } from '../src/postgres/postgres-migrations.js';
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

  it('a COPY refused for a duplicate leaves nothing behind, and the retry skips only the duplicates', async () => {
    const [stored] = await store.query({ limit: 1 });
    const fresh = Array.from({ length: 5 }, (_, i) =>
      prepare({ primitive: 'spawn', type: 'wake', ts: minute(10_000 + i), agent_id: 'copy-retry', parent_event_id: stored!.id, causes: [stored!.id] }));
    const again = { event: { ...stored!, causes: [] }, metadataJson: JSON.stringify(stored!.metadata) };
    const results = await store.append([fresh[0]!, again, ...fresh.slice(1)]);
    expect(results.map((result) => result.inserted)).toEqual([true, false, true, true, true, true]);
    const counts = await admin(async (client) => (await client.query(`SELECT
      (SELECT count(*)::int FROM ${schema}.events WHERE agent = 'copy-retry') AS events,
      (SELECT count(*)::int FROM ${schema}.events WHERE id = '${stored!.id}') AS original,
      (SELECT count(*)::int FROM ${schema}.event_causes WHERE cause = '${stored!.id}') AS causes`)).rows[0], stores.database());
    expect(counts).toEqual({ events: 5, original: 1, causes: 5 });
  });
});

describe('the plans of the projector\'s reads', () => {
  it('every read of events reaches its rows through an index condition (EXPLAIN of the store\'s own SQL)', async () => {
    const t = await stores.fresh();
    const schema = new URL(t.location).searchParams.get('options')!.replace('-c search_path=', '');
    const seen: { sql: string; parameters: readonly unknown[] }[] = [];
    const store = await PostgresTraceStore.open({ url: t.location, mode: 'write', onQuery: (query) => seen.push(query) });
    try {
      // Tasks with subtasks, agents, parent chains and fan-in, so that each read has rows to find.
      const events = [];
      let previous: string | null = null;
      for (let i = 0; i < 4_000; i++) {
        const task = `task-${i % 400}`;
        const prepared = i < 400
          ? prepare({ primitive: 'ops', type: 'create_task', ts: minute(i), agent_id: `agent-${i % 40}`, target_id: task,
            metadata: { title: task, ...(i % 4 ? { parent_task_id: `task-${i - (i % 4)}` } : {}) } })
          : prepare({ primitive: 'spawn', type: 'wake', ts: minute(i), agent_id: `agent-${i % 40}`, target_id: task,
            parent_event_id: i % 5 ? previous : null, causes: i % 7 === 0 && previous ? [previous] : [],
            ...(i % 100 === 0 ? { idempotency_key: `key-${i}` } : {}) });
        previous = prepared.event.id;
        events.push(prepared);
      }
      await store.append(events);
      await admin((client) => client.query(`ANALYZE ${schema}.events, ${schema}.event_causes, ${schema}.target_links`), stores.database());
      const some = events[2_004]!.event; // four parents up to events[2_000]
      const own = await store.query({ targets: ['task-0', ...(await store.descendantTargets(['task-0']))], includePrivate: true });
      expect(own.length).toBeGreaterThan(10);
      seen.length = 0;
      await store.query({ targets: ['task-0', 'task-1'] });
      await store.query({ targets: ['task-7'], kinds: ['ops.create_task'], limit: 1 });
      await store.query({ agent: 'agent-3', since: minute(1_000), limit: 100, order: 'desc' });
      await store.query({ agent: 'agent-3', kinds: ['spawn.wake'], order: 'desc', limit: 1 });
      await store.query({ limit: 50, order: 'desc' });
      await store.descendantTargets(['task-0']);
      expect((await store.descendants(own.map((event) => event.id))).length).toBeGreaterThan(0);
      expect((await store.ancestors(some.id)).chain.length).toBeGreaterThan(1);
      await store.get([some.id]);
      await store.getByIdempotencyKey('key-1000');
      await store.nameUsage('task-9');
      await store.changes({ agent: 'agent-3' }, { after: null, limit: 100 });
      await store.pruned([some.id]);
      await store.inferredEdges([some.id], 'parents');
      await store.inferredEdges([some.id], 'children');

      const tables = new Set(['events', 'event_causes', 'target_links', 'pruned_events', 'inferred_edges']);
      const unindexed: string[] = [];
      await admin(async (client) => {
        await client.query(`SET search_path = ${schema}`);
        // The tables are small enough that a sequential scan is cheaper; with it switched off the
        // plan shows whether an index path exists, which is what holds at a hundred million rows.
        await client.query('SET enable_seqscan = off');
        for (const { sql: text, parameters } of seen) {
          const { rows } = await client.query(`EXPLAIN (FORMAT JSON) ${text}`, [...parameters]);
          const limited = /\bLIMIT\b/i.test(text);
          const visit = (node: Record<string, unknown>) => {
            const relation = node['Relation Name'] as string | undefined;
            if (relation !== undefined && tables.has(relation)) {
              const type = node['Node Type'] as string;
              const conditioned = 'Index Cond' in node || type === 'Bitmap Heap Scan';
              // A whole-index scan is fine only as the ordered read of a LIMIT (the newest N).
              const orderedLimit = limited && (type === 'Index Scan' || type === 'Index Only Scan');
              if (!conditioned && !orderedLimit) unindexed.push(`${type} on ${relation} in: ${text.replace(/\s+/g, ' ').slice(0, 160)}`);
            }
            for (const child of (node['Plans'] as Record<string, unknown>[] | undefined) ?? []) visit(child);
          };
          visit(rows[0]['QUERY PLAN'][0].Plan);
        }
      }, stores.database());
      expect(seen.length).toBeGreaterThanOrEqual(15);
      expect(unindexed).toEqual([]);
    } finally {
      await store.close();
      await t.cleanup();
    }
  });

  it('a version 3 store upgrades to the latest, keeping its events and the narrower indexes', async () => {
    const t = await stores.fresh();
    await t.store.close();
    const schema = new URL(t.location).searchParams.get('options')!.replace('-c search_path=', '');
    await admin(async (client) => {
      await client.query(`DROP SCHEMA ${schema} CASCADE; CREATE SCHEMA ${schema}`);
    }, stores.database());
    const old = new Kysely<never>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: t.location, max: 1 }) }) });
    await migrate(old as never, 'test', 3);
    await old.destroy();
    const indexes = () => admin(async (client) => (await client.query(
      `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = $1 AND indexname IN ('events_by_ts', 'events_by_agent', 'events_by_target') ORDER BY 1`, [schema])).rows
      .map((row: { indexname: string; indexdef: string }) => `${row.indexname} ${/\((.*)\)/.exec(row.indexdef)![1]}`), stores.database());
    expect(await indexes()).toContain('events_by_ts ts, id');
    t.store = await openStoreAt(t.location, { mode: 'write' });
    expect(t.store.version).toBe(LATEST_POSTGRES_VERSION);
    const event = await t.emit({ primitive: 'spawn', type: 'wake', ts: minute(0), agent_id: 'a', target_id: 'task-1' });
    expect((await t.store.query({ agent: 'a' })).map((stored) => stored.id)).toEqual([event.id]);
    expect(await indexes()).toEqual([
      'events_by_agent agent, ts) WHERE (agent IS NOT NULL',
      'events_by_target target, ts) WHERE (target IS NOT NULL',
      'events_by_ts ts',
    ]);
    await t.cleanup();
  });
});
