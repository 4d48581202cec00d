import type Database from 'better-sqlite3';
import { TraceError } from '@tracekernel/schema';

/** The marker that tells a trace store from any other SQLite file. */
export const STORE_FORMAT = 'tracekernel';

interface Migration {
  version: number;
  sql: string;
}

/**
 * The tables whose rows give events their meaning, and the columns that identify a row. A name or
 * kind rewritten in place would rewrite every event that refers to it, so the dictionaries are
 * protected as strictly as the events.
 */
export const PROTECTED_TABLES: ReadonlyArray<{ table: string; conflicts: readonly string[] }> = [
  { table: 'events', conflicts: ['seq = NEW.seq', 'id = NEW.id', 'idempotency_key = NEW.idempotency_key'] },
  { table: 'names', conflicts: ['id = NEW.id', 'name = NEW.name'] },
  { table: 'kinds', conflicts: ['id = NEW.id', 'primitive = NEW.primitive AND type = NEW.type'] },
  // Every column is the key: a REPLACE can only put back the row it removes, so these need no
  // INSERT trigger (and the writer, which inserts into them often, pays for none).
  { table: 'event_causes', conflicts: [] },
  { table: 'target_links', conflicts: [] },
  { table: 'trace_meta', conflicts: ['key = NEW.key'] },
  { table: 'event_chain', conflicts: ['batch = NEW.batch'] },
];

/** The triggers version 2 installs on each protected table; `trace verify` checks they are all there. */
export function protectionTriggers(table: string): string[] {
  const keep = PROTECTED_TABLES.find((entry) => entry.table === table)?.conflicts.length ? [`${table}_keep_existing_rows`] : [];
  return [...keep, `${table}_are_append_only_update`, `${table}_are_append_only_delete`];
}

/** The triggers version 4 installs on inferred_edges (which versions 2 and 3 predate). */
export const INFERRED_EDGE_TRIGGERS = ['inferred_edges_are_append_only_update', 'inferred_edges_are_append_only_delete'];

/** The triggers version 7 installs on event_short_ids (no INSERT trigger: every column is the key). */
export const SHORT_ID_TRIGGERS = ['event_short_ids_are_append_only_update', 'event_short_ids_are_append_only_delete'];

/** The triggers version 6 installs on kind_registrations. */
export const REGISTRATION_TRIGGERS = ['kind_registrations_keep_existing_rows', 'kind_registrations_are_append_only_update', 'kind_registrations_are_append_only_delete'];

/**
 * Version 2: the append-only promise at the SQL level, for every protected table.
 *
 * - UPDATE and DELETE raise, unless a `trace_maintenance` row exists. That row is the one
 *   sanctioned way around the triggers (retention): insert it, delete what you must and delete the
 *   row, all in one transaction, so no other connection ever sees it.
 * - An INSERT that conflicts with an existing row is skipped (RAISE(IGNORE)) before SQLite resolves
 *   the conflict. This is what turns `REPLACE INTO` and `INSERT OR REPLACE` into no-ops: REPLACE
 *   deletes the old row without firing DELETE triggers unless recursive_triggers is on, so the
 *   DELETE trigger alone does not stop it. RAISE(ABORT) here would also abort the store's own
 *   idempotent `INSERT OR IGNORE`; skipping the row is exactly what IGNORE does, so the store's
 *   writes are unchanged.
 * - `event_chain` holds a running sha256 over the events of each committed batch (see
 *   sqlite-event-chain.ts); its batch 0 records the last event stored before the chain began.
 */
function protectionSql(): string {
  const statements = [
    'CREATE TABLE trace_maintenance (reason TEXT NOT NULL, started_at INTEGER NOT NULL)',
    'CREATE TABLE event_chain (batch INTEGER PRIMARY KEY, last_seq INTEGER NOT NULL, hash BLOB NOT NULL)',
    // Batch 0 starts the chain: the events stored before it (by version 1) are not covered.
    'INSERT INTO event_chain (batch, last_seq, hash) VALUES (0, (SELECT coalesce(max(seq), 0) FROM events), zeroblob(32))',
    'DROP TRIGGER events_are_append_only_update',
    'DROP TRIGGER events_are_append_only_delete',
  ];
  for (const { table, conflicts } of PROTECTED_TABLES) {
    const message = `${table} are append-only`;
    if (conflicts.length > 0) {
      // One EXISTS per unique key, so that each probe uses its own index.
      const conflict = conflicts.map((where) => `EXISTS (SELECT 1 FROM ${table} WHERE ${where})`).join(' OR ');
      statements.push(`CREATE TRIGGER ${table}_keep_existing_rows BEFORE INSERT ON ${table} WHEN ${conflict}
        BEGIN SELECT RAISE(IGNORE); END`);
    }
    statements.push(
      `CREATE TRIGGER ${table}_are_append_only_update BEFORE UPDATE ON ${table} WHEN NOT EXISTS (SELECT 1 FROM trace_maintenance)
        BEGIN SELECT RAISE(ABORT, '${message}'); END`,
      `CREATE TRIGGER ${table}_are_append_only_delete BEFORE DELETE ON ${table} WHEN NOT EXISTS (SELECT 1 FROM trace_maintenance)
        BEGIN SELECT RAISE(ABORT, '${message}'); END`,
    );
  }
  return statements.map((statement) => `${statement};`).join('\n');
}

/**
 * Versioned, forward-only migrations. The version lives in `PRAGMA user_version`.
 *
 * Size and speed: names (agents, targets, sessions) and kinds (primitive + type) are dictionary
 * encoded as small integers, ids are 16-byte blobs, and the optional columns are NULL (0 bytes)
 * when unused. Every secondary index is partial where the column is often NULL.
 *
 * A parent is referenced by its row (`parent` = the parent's seq, 2-4 bytes in the row and in the
 * index) instead of its 16-byte id. A parent that is not stored yet keeps its id in `parent_id`,
 * so a missing cause is shown as missing and never dropped.
 */
const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE trace_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
      INSERT INTO trace_meta (key, value) VALUES ('format', '${STORE_FORMAT}');
      CREATE TABLE names (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
      CREATE TABLE kinds (id INTEGER PRIMARY KEY, primitive TEXT NOT NULL, type TEXT NOT NULL, UNIQUE (primitive, type));
      CREATE TABLE events (
        seq INTEGER PRIMARY KEY,
        id BLOB NOT NULL,
        ts INTEGER NOT NULL,
        kind INTEGER NOT NULL REFERENCES kinds (id),
        agent INTEGER REFERENCES names (id),
        target INTEGER REFERENCES names (id),
        session INTEGER REFERENCES names (id),
        parent INTEGER,
        parent_id BLOB,
        causes BLOB,
        idempotency_key TEXT,
        schema_version INTEGER NOT NULL,
        metadata TEXT NOT NULL
      );
      CREATE UNIQUE INDEX events_by_id ON events (id);
      CREATE INDEX events_by_ts ON events (ts);
      CREATE INDEX events_by_agent ON events (agent, ts) WHERE agent IS NOT NULL;
      CREATE INDEX events_by_target ON events (target, ts) WHERE target IS NOT NULL;
      CREATE INDEX events_by_parent ON events (parent) WHERE parent IS NOT NULL;
      CREATE INDEX events_by_parent_id ON events (parent_id) WHERE parent_id IS NOT NULL;
      CREATE UNIQUE INDEX events_by_idempotency_key ON events (idempotency_key) WHERE idempotency_key IS NOT NULL;
      CREATE TABLE event_causes (cause BLOB NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (cause, seq)) WITHOUT ROWID;
      CREATE TABLE target_links (parent INTEGER NOT NULL, child INTEGER NOT NULL, PRIMARY KEY (parent, child)) WITHOUT ROWID;
      CREATE TRIGGER events_are_append_only_update BEFORE UPDATE ON events
        BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
      CREATE TRIGGER events_are_append_only_delete BEFORE DELETE ON events
        BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
    `,
  },
  {
    version: 2,
    sql: protectionSql(),
  },
  {
    // Private events (1, or NULL for the usual case: 0 bytes), and where a kept event finds the id
    // of a parent that retention removed: by the parent's seq, as `parent` stores it.
    version: 3,
    sql: `
      ALTER TABLE events ADD COLUMN private INTEGER;
      CREATE TABLE pruned_parents (seq INTEGER PRIMARY KEY, id BLOB NOT NULL);
    `,
  },
  {
    // Inferred causes, apart from the declared ones: keyed by ids rather than seqs, because an edge
    // may name an event that a later import or a retention run adds or removes. Append-only like
    // the events, with the same trace_maintenance escape for retention.
    version: 4,
    sql: `
      CREATE TABLE inferred_edges (
        event_id BLOB NOT NULL,
        parent_id BLOB NOT NULL,
        rule TEXT NOT NULL,
        confidence REAL NOT NULL CHECK (confidence >= 0 AND confidence <= 1),
        PRIMARY KEY (event_id, parent_id, rule)
      ) WITHOUT ROWID;
      CREATE INDEX inferred_edges_by_parent ON inferred_edges (parent_id);
      CREATE TRIGGER inferred_edges_are_append_only_update BEFORE UPDATE ON inferred_edges WHEN NOT EXISTS (SELECT 1 FROM trace_maintenance)
        BEGIN SELECT RAISE(ABORT, 'inferred_edges are append-only'); END;
      CREATE TRIGGER inferred_edges_are_append_only_delete BEFORE DELETE ON inferred_edges WHEN NOT EXISTS (SELECT 1 FROM trace_maintenance)
        BEGIN SELECT RAISE(ABORT, 'inferred_edges are append-only'); END;
    `,
  },
  {
    // Short ids (`trace 1d7050d7`): the last 6 bytes of an id are random, so an index on them finds
    // an id by the start of its last group; the leading bytes are the time, shared by a whole run.
    version: 5,
    sql: 'CREATE INDEX events_by_short_id ON events (substr(id, 11, 6));',
  },
  {
    // Registered primitives (tracer.register), so that the CLI validates and describes their
    // events: one row per type, its definition as canonical JSON (see docs/schema.md). Append-only
    // like the events: a different definition for a stored type is refused by the store's code,
    // and a REPLACE is skipped here.
    version: 6,
    sql: `
      CREATE TABLE kind_registrations (
        primitive TEXT NOT NULL,
        type TEXT NOT NULL,
        definition TEXT NOT NULL,
        registered_at INTEGER NOT NULL,
        PRIMARY KEY (primitive, type)
      ) WITHOUT ROWID;
      CREATE TRIGGER kind_registrations_keep_existing_rows BEFORE INSERT ON kind_registrations
        WHEN EXISTS (SELECT 1 FROM kind_registrations WHERE primitive = NEW.primitive AND type = NEW.type)
        BEGIN SELECT RAISE(IGNORE); END;
      CREATE TRIGGER kind_registrations_are_append_only_update BEFORE UPDATE ON kind_registrations WHEN NOT EXISTS (SELECT 1 FROM trace_maintenance)
        BEGIN SELECT RAISE(ABORT, 'kind_registrations are append-only'); END;
      CREATE TRIGGER kind_registrations_are_append_only_delete BEFORE DELETE ON kind_registrations WHEN NOT EXISTS (SELECT 1 FROM trace_maintenance)
        BEGIN SELECT RAISE(ABORT, 'kind_registrations are append-only'); END;
    `,
  },
  {
    // Short ids move out of the events' indexes into their own table. The expression index on
    // random bytes put each insert on a new page, and the events' BEFORE INSERT trigger makes
    // SQLite copy every page an insert touches into a statement journal: 2.9 times the writer's
    // time. Here the writer adds a batch's short ids in one sorted statement, and with every
    // column the key a REPLACE can only put back the row it removes, so no INSERT trigger is needed.
    version: 7,
    sql: `
      CREATE TABLE event_short_ids (short BLOB NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (short, seq)) WITHOUT ROWID;
      INSERT INTO event_short_ids (short, seq) SELECT substr(id, 11, 6), seq FROM events ORDER BY 1, 2;
      DROP INDEX IF EXISTS events_by_short_id;
      CREATE TRIGGER event_short_ids_are_append_only_update BEFORE UPDATE ON event_short_ids WHEN NOT EXISTS (SELECT 1 FROM trace_maintenance)
        BEGIN SELECT RAISE(ABORT, 'event_short_ids are append-only'); END;
      CREATE TRIGGER event_short_ids_are_append_only_delete BEFORE DELETE ON event_short_ids WHEN NOT EXISTS (SELECT 1 FROM trace_maintenance)
        BEGIN SELECT RAISE(ABORT, 'event_short_ids are append-only'); END;
    `,
  },
];

export const LATEST_STORE_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

export function hasTables(db: Database.Database): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' LIMIT 1").get() !== undefined;
}

function isTraceStore(db: Database.Database): boolean {
  const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'trace_meta'").get();
  if (!table) return false;
  const row = db.prepare("SELECT value FROM trace_meta WHERE key = 'format'").get() as { value: string } | undefined;
  return row?.value === STORE_FORMAT;
}

/** The store's schema version; throws when the file is SQLite but not a trace store. */
export function readStoreVersion(db: Database.Database, path: string): number {
  if (!isTraceStore(db)) {
    throw new TraceError('E_NOT_A_STORE', `${path} is a SQLite database but not a trace store`);
  }
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Brings the store to the latest version. Safe when several processes open a new store at once:
 * the check and the migration run in one IMMEDIATE transaction, so the second process waits for
 * the first and then finds nothing to do.
 */
export function migrate(db: Database.Database, path: string): number {
  const run = db.transaction(() => {
    const fresh = !hasTables(db);
    const version = fresh ? 0 : readStoreVersion(db, path);
    if (version > LATEST_STORE_VERSION) {
      throw new TraceError(
        'E_STORE_VERSION',
        `${path} is a version ${version} trace store; this tracekernel writes version ${LATEST_STORE_VERSION} and will not write to it (upgrade tracekernel)`,
      );
    }
    for (const migration of MIGRATIONS) {
      if (migration.version <= version) continue;
      db.exec(migration.sql);
      db.pragma(`user_version = ${migration.version}`);
    }
    return LATEST_STORE_VERSION;
  });
  return run.immediate();
}
