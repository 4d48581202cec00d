import type Database from 'better-sqlite3';
import { TraceError } from '@tracekernel/schema';

/** The marker that tells a trace store from any other SQLite file. */
export const STORE_FORMAT = 'tracekernel';

interface Migration {
  version: number;
  sql: string;
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
    // Private events, and retention as the one sanctioned delete: the delete trigger lets a row go
    // only while the connection's trace_pruning() says so. Only a tracekernel connection defines
    // that function, and only inside prune(); anywhere else the DELETE still fails.
    // A kept event whose parent was pruned finds the parent's id in pruned_parents by its seq.
    version: 2,
    sql: `
      ALTER TABLE events ADD COLUMN private INTEGER;
      CREATE TABLE pruned_parents (seq INTEGER PRIMARY KEY, id BLOB NOT NULL);
      DROP TRIGGER events_are_append_only_delete;
      CREATE TRIGGER events_are_append_only_delete BEFORE DELETE ON events WHEN trace_pruning() IS NOT 1
        BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
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
