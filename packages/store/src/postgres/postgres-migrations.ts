import { sql, type Kysely } from 'kysely';
import { TraceError } from '@tracekernel/schema';
import type { PostgresDatabase } from './postgres-database.js';

/** The marker that tells a trace store from any other database. */
export const STORE_FORMAT = 'tracekernel';

/** Retention sets this for its own transaction only: the one path the append-only triggers let through. */
export const PRUNE_SETTING = 'tracekernel.prune';

/** Any constant works, as long as every tracekernel uses the same one: it serialises migrations. */
const MIGRATION_LOCK = 0x74726b6d; // 'trkm'

interface Migration {
  version: number;
  sql: string;
}

/**
 * Versioned, forward-only migrations; each applied version is a row of trace_migrations.
 *
 * Designed for PostgreSQL rather than copied from SQLite: ids are `uuid` (16 bytes), metadata is
 * `json` (kept as written, key order included; no query filters on it, so jsonb's parsed form would
 * only cost a re-encode per row), names stay text (TOAST-free and short; a dictionary would cost a
 * round trip per new name with many writers), and each row carries its writer's transaction id
 * (`xid8`) so that readers can follow the commit order without skipping a late commit.
 *
 * Every index is one more b-tree write per event, so events carry only those a read needs: `seq`
 * has no index of its own (it only orders rows within a transaction), and the commit-order index is
 * on `xid` alone, which b-tree deduplication stores once per batch rather than once per row.
 *
 * Events are not partitioned: PostgreSQL has no global unique index, and both the id and the
 * idempotency key must be unique across all time (see docs/postgres.md).
 */
const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE trace_meta (key text PRIMARY KEY, value text NOT NULL);
      INSERT INTO trace_meta (key, value) VALUES ('format', '${STORE_FORMAT}');
      CREATE TABLE trace_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now());
      CREATE TABLE events (
        seq bigint GENERATED ALWAYS AS IDENTITY,
        xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
        id uuid NOT NULL,
        ts bigint NOT NULL,
        primitive text NOT NULL,
        type text NOT NULL,
        agent text,
        target text,
        session text,
        parent_id uuid,
        causes uuid[],
        idempotency_key text,
        schema_version smallint NOT NULL,
        private boolean NOT NULL DEFAULT false,
        metadata json NOT NULL
      );
      CREATE UNIQUE INDEX events_by_id ON events (id);
      CREATE UNIQUE INDEX events_by_idempotency_key ON events (idempotency_key) WHERE idempotency_key IS NOT NULL;
      CREATE INDEX events_by_ts ON events (ts, id);
      CREATE INDEX events_by_agent ON events (agent, ts, id) WHERE agent IS NOT NULL;
      CREATE INDEX events_by_target ON events (target, ts, id) WHERE target IS NOT NULL;
      CREATE INDEX events_by_parent ON events (parent_id) WHERE parent_id IS NOT NULL;
      CREATE INDEX events_by_commit ON events (xid);
      CREATE TABLE event_causes (cause uuid NOT NULL, event uuid NOT NULL, PRIMARY KEY (cause, event));
      CREATE TABLE target_links (parent text NOT NULL, child text NOT NULL, PRIMARY KEY (parent, child));

      -- Statement-level: a refused statement fails even when it matches no row, and retention's
      -- deletes pay one check per statement instead of one per row.
      CREATE FUNCTION trace_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' AND current_setting('${PRUNE_SETTING}', true) = 'on' THEN
          RETURN NULL;
        END IF;
        RAISE EXCEPTION '% on % refused: a trace store is append-only (retention is trace prune)', TG_OP, TG_TABLE_NAME
          USING ERRCODE = 'raise_exception';
      END $$;
      CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON events FOR EACH STATEMENT EXECUTE FUNCTION trace_append_only();
      CREATE TRIGGER event_causes_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON event_causes FOR EACH STATEMENT EXECUTE FUNCTION trace_append_only();
      CREATE TRIGGER target_links_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON target_links FOR EACH STATEMENT EXECUTE FUNCTION trace_append_only();
      CREATE TRIGGER trace_meta_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON trace_meta FOR EACH STATEMENT EXECUTE FUNCTION trace_append_only();
      CREATE TRIGGER trace_migrations_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON trace_migrations FOR EACH STATEMENT EXECUTE FUNCTION trace_append_only();
    `,
  },
  {
    // Retention remembers the pruned events that kept events still name, so that a tree shows
    // such a cause as pruned rather than missing.
    version: 2,
    sql: `
      CREATE TABLE pruned_events (id uuid PRIMARY KEY);
      CREATE TRIGGER pruned_events_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON pruned_events FOR EACH STATEMENT EXECUTE FUNCTION trace_append_only();
    `,
  },
  {
    // Inferred causes, apart from the declared ones (see the TraceStore contract's InferredEdge).
    version: 3,
    sql: `
      CREATE TABLE inferred_edges (
        event_id uuid NOT NULL,
        parent_id uuid NOT NULL,
        rule text NOT NULL,
        confidence double precision NOT NULL CHECK (confidence >= 0 AND confidence <= 1),
        PRIMARY KEY (event_id, parent_id, rule)
      );
      CREATE INDEX inferred_edges_by_parent ON inferred_edges (parent_id);
      CREATE TRIGGER inferred_edges_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON inferred_edges FOR EACH STATEMENT EXECUTE FUNCTION trace_append_only();
    `,
  },
  {
    // Narrower time indexes: the reads order by (ts, id), and an incremental sort of the few rows
    // that share a millisecond serves that from an index on ts alone. Dropping id from the three
    // keys saves ~70 bytes per event (13% of the store) and the b-tree work of a wider key.
    version: 4,
    sql: `
      DROP INDEX events_by_ts;
      DROP INDEX events_by_agent;
      DROP INDEX events_by_target;
      CREATE INDEX events_by_ts ON events (ts);
      CREATE INDEX events_by_agent ON events (agent, ts) WHERE agent IS NOT NULL;
      CREATE INDEX events_by_target ON events (target, ts) WHERE target IS NOT NULL;
    `,
  },
  {
    // Short ids (`trace 1d7050d7`) are the start of an id's last group, its random part: a
    // text_pattern_ops index on that group serves a prefix LIKE whatever the database's collation.
    version: 5,
    sql: `CREATE INDEX events_by_short_id ON events ((right(id::text, 12)) text_pattern_ops);`,
  },
];

export const LATEST_POSTGRES_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

type Executor = Kysely<PostgresDatabase>;

async function hasTable(db: Executor, name: string): Promise<boolean> {
  const { rows } = await sql<{ found: boolean }>`SELECT to_regclass(${name}) IS NOT NULL AS found`.execute(db);
  return rows[0]!.found;
}

async function hasOtherTables(db: Executor): Promise<boolean> {
  const { rows } = await sql`SELECT 1 FROM pg_tables WHERE schemaname = current_schema() LIMIT 1`.execute(db);
  return rows.length > 0;
}

/**
 * The store's version, 0 for an empty database; throws E_NOT_A_STORE when the database holds
 * tables but no trace store.
 */
export async function readStoreVersion(db: Executor, where: string): Promise<number> {
  if (!(await hasTable(db, 'trace_meta'))) {
    if (await hasOtherTables(db)) throw new TraceError('E_NOT_A_STORE', `${where} holds other tables but no trace store`);
    return 0;
  }
  const format = await db.selectFrom('trace_meta').select('value').where('key', '=', 'format').executeTakeFirst();
  if (format?.value !== STORE_FORMAT || !(await hasTable(db, 'trace_migrations'))) {
    throw new TraceError('E_NOT_A_STORE', `${where} holds other tables but no trace store`);
  }
  const { rows } = await sql<{ version: number | null }>`SELECT max(version) AS version FROM trace_migrations`.execute(db);
  return rows[0]!.version ?? 0;
}

/**
 * Brings the store to the latest version (or to `upTo`: tests build an older store with it). Many hosts may open a new store at the same moment: a
 * transaction-scoped advisory lock serialises them, so the first migrates and the others then
 * find nothing to do.
 */
export async function migrate(db: Executor, where: string, upTo = LATEST_POSTGRES_VERSION): Promise<number> {
  return db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`.execute(trx);
    const version = await readStoreVersion(trx, where);
    if (version > LATEST_POSTGRES_VERSION) {
      throw new TraceError(
        'E_STORE_VERSION',
        `${where} is a version ${version} trace store; this tracekernel writes version ${LATEST_POSTGRES_VERSION} and will not write to it (upgrade tracekernel)`,
      );
    }
    for (const migration of MIGRATIONS) {
      if (migration.version <= version || migration.version > upTo) continue;
      await sql.raw(migration.sql).execute(trx);
      await trx.insertInto('trace_migrations').values({ version: migration.version }).execute();
    }
    return Math.max(version, upTo);
  });
}
