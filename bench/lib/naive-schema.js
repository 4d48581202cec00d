import { rmSync } from 'node:fs';
import Database from 'better-sqlite3';

/** The trace spec's minimal schema (design 003), verbatim: text uuid key, 5 secondary indexes. */
export const NAIVE_DDL = `
  CREATE TABLE events (
    id TEXT PRIMARY KEY,
    timestamp INTEGER NOT NULL,
    primitive TEXT NOT NULL,
    event_type TEXT NOT NULL,
    agent_id TEXT,
    target_id TEXT,
    parent_event_id TEXT,
    metadata TEXT
  );
  CREATE INDEX idx_trace_agent ON events(agent_id, timestamp);
  CREATE INDEX idx_trace_target ON events(target_id, timestamp);
  CREATE INDEX idx_trace_causality ON events(parent_event_id);
  CREATE INDEX idx_trace_time ON events(timestamp DESC);
  CREATE INDEX idx_trace_primitive ON events(primitive, timestamp);
`;

/** The floor: the same columns in a plain rowid table, no key and no index at all. */
export const FLOOR_DDL = `
  CREATE TABLE events (
    id TEXT, timestamp INTEGER, primitive TEXT, event_type TEXT,
    agent_id TEXT, target_id TEXT, parent_event_id TEXT, metadata TEXT
  );
`;

/** Opens a fresh database with the same pragmas as SqliteTraceStore, so only the schema differs. */
export function openFresh(path, ddl) {
  for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  // The store's WAL span: a checkpoint every 256 MiB of WAL.
  db.pragma(`wal_autocheckpoint = ${Math.floor((256 * 1024 * 1024) / db.pragma('page_size', { simple: true }))}`);
  db.pragma('cache_size = -65536');
  if (ddl) db.exec(ddl);
  return db;
}

export function openExisting(path) {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  db.pragma('cache_size = -65536');
  return db;
}
