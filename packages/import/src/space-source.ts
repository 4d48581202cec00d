import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { TraceError } from '@tracekernel/schema';

export type SourceRow = Record<string, unknown>;

/** The rows of one table, read in rowid order (the source's write order). */
export interface SourceTable {
  file: string;
  table: string;
  rows: SourceRow[];
}

/** A space-os `.space/` directory as read: each table by `file:table`, and the files that were absent. */
export interface SpaceSource {
  dir: string;
  tables: Map<string, SourceTable>;
  missingFiles: string[];
}

/**
 * What each file must hold for the importer to read it: the tables and the columns it uses. A
 * column marked `?` is optional: older or newer space-os versions may lack it (`priority` came with a
 * migration), and an absent one reads as NULL. The others carry an id, a time or the text of a fact.
 */
const EXPECTED: Record<string, Record<string, readonly string[]>> = {
  'events.db': { events: ['id', 'source', 'agent_id', 'event_type', 'data?', 'timestamp'] },
  'bridge.db': {
    channels: ['id', 'name', 'topic?', 'created_at', 'archived_at?'],
    messages: ['id', 'channel_id', 'agent_id', 'content', 'created_at', 'priority?'],
    bookmarks: ['agent_id', 'channel_id', 'last_seen_id?'],
    notes: ['note_id', 'channel_id', 'agent_id', 'content', 'created_at'],
  },
  'spawn.db': {
    agents: ['id', 'name?', 'self_description?', 'archived_at?', 'created_at'],
    constitutions: ['hash', 'content', 'created_at'],
    tasks: ['uuid7', 'identity', 'channel?', 'input?', 'output?', 'stderr?', 'constitution_hash?', 'created_at', 'completed_at?'],
  },
  'memory.db': {
    memories: ['memory_id', 'agent_id', 'topic', 'message', 'timestamp?', 'created_at', 'archived_at?', 'core?'],
    memory_links: ['link_id', 'memory_id', 'parent_id', 'kind', 'created_at'],
  },
  'knowledge.db': { knowledge: ['knowledge_id', 'domain', 'agent_id', 'content', 'confidence?', 'created_at', 'archived_at?'] },
  // The index of model chat logs that `wake` syncs: one row per line of a claude/codex/gemini session.
  'sessions.db': { entries: ['id', 'cli', 'model?', 'session_id', 'timestamp', 'identity?', 'role', 'text', 'raw_hash?', 'created_at?'] },
};
/** space-os registers sessions.db with no migrations, so its file has no _migrations table; nor is it space-os data on its own. */
const SESSIONS_FILE = 'sessions.db';
/** Tables that older or newer space-os versions may lack without the file being foreign. */
const OPTIONAL_TABLES = new Set(['bridge.db:notes', 'bridge.db:bookmarks', 'memory.db:memory_links', 'spawn.db:constitutions']);
export const SPACE_FILES = Object.keys(EXPECTED);

/** A `.space/` directory, or a directory that holds one. */
export function locateSpaceDirectory(dir: string): string {
  const absolute = resolve(dir);
  if (!existsSync(absolute) || !statSync(absolute).isDirectory()) {
    throw new TraceError('E_USAGE', `space directory: ${dir} is not a directory`);
  }
  const nested = join(absolute, '.space');
  if (basename(absolute) !== '.space' && existsSync(nested) && statSync(nested).isDirectory()) return nested;
  return absolute;
}

/**
 * Opens a database without writing anything beside it. This build of better-sqlite3 accepts no
 * `file:` URI, so `mode=ro&immutable=1` cannot be given; instead the file is read whole and opened
 * from memory. space-os leaves its files in WAL mode (header bytes 18-19 = 2) with the log folded
 * back in, and SQLite cannot open an in-memory image in WAL mode, so the copy's header says
 * rollback journal: the file itself is never touched.
 */
function openImage(path: string, file: string): Database.Database {
  const image = readWithLog(path, file);
  if (image.length < 100 || image.subarray(0, 16).toString('latin1') !== 'SQLite format 3\u0000') {
    throw new TraceError('E_SOURCE', `${file}: not a SQLite database (corrupt, or some other kind of file)`);
  }
  if (image[18] === 2) image[18] = 1;
  if (image[19] === 2) image[19] = 1;
  try {
    const db = new Database(image, { readonly: true });
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    return db;
  } catch (error) {
    throw new TraceError('E_SOURCE', `${file}: cannot be read as SQLite (${(error as Error).message})`);
  }
}

/**
 * The file's bytes, with its write-ahead log folded in when one lies beside it (a copy taken while
 * space-os was running): the rows in the log are in no main file yet. The file and its log are
 * copied to a temporary directory and checkpointed there, so nothing is written beside the originals.
 */
function readWithLog(path: string, file: string): Buffer {
  const log = `${path}-wal`;
  if (!existsSync(log) || statSync(log).size === 0) return readFileSync(path);
  const scratch = mkdtempSync(join(tmpdir(), 'tracekernel-space-'));
  try {
    const copy = join(scratch, 'source.db');
    copyFileSync(path, copy);
    copyFileSync(log, `${copy}-wal`);
    const db = new Database(copy);
    try {
      db.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      db.close();
    }
    return readFileSync(copy);
  } catch (error) {
    throw new TraceError('E_SOURCE', `${file}: cannot fold in its write-ahead log ${basename(log)} (${(error as Error).message})`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * Reads every table the importer maps from a space-os directory. All files are read and checked
 * before anything is mapped, so a corrupt or foreign file fails the import before it writes.
 */
export function readSpaceDirectory(dir: string): SpaceSource {
  const spaceDir = locateSpaceDirectory(dir);
  const tables = new Map<string, SourceTable>();
  const missingFiles: string[] = [];
  let found = 0;
  for (const [file, expectedTables] of Object.entries(EXPECTED)) {
    const path = join(spaceDir, file);
    if (!existsSync(path)) {
      missingFiles.push(file);
      continue;
    }
    if (file !== SESSIONS_FILE) found++;
    const db = openImage(path, file);
    try {
      const present = new Set(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[]);
      if (!present.has('_migrations') && file !== SESSIONS_FILE) {
        throw new TraceError('E_SOURCE', `${file}: a SQLite database, but not space-os's (it has no _migrations table)`);
      }
      for (const [table, columns] of Object.entries(expectedTables)) {
        if (!present.has(table)) {
          if (OPTIONAL_TABLES.has(`${file}:${table}`)) continue;
          throw new TraceError('E_SOURCE', `${file}: a SQLite database, but not space-os's (it has no ${table} table)`);
        }
        const have = new Set((db.prepare(`PRAGMA table_info("${table}")`).all() as Array<{ name: string }>).map((column) => column.name));
        const lacking = columns.filter((column) => !column.endsWith('?') && !have.has(column));
        if (lacking.length > 0) {
          throw new TraceError('E_SOURCE', `${file}: table ${table} lacks the column(s) ${lacking.join(', ')} that space-os writes`);
        }
        // rowid orders rows that share a second; every column comes along, so metadata keeps what the importer does not map.
        const rows = db.prepare(`SELECT * FROM "${table}" ORDER BY rowid`).all() as SourceRow[];
        tables.set(`${file}:${table}`, { file, table, rows });
      }
    } catch (error) {
      if (error instanceof TraceError) throw error;
      throw new TraceError('E_SOURCE', `${file}: cannot be read as SQLite (${(error as Error).message})`);
    } finally {
      db.close();
    }
  }
  if (found === 0) {
    throw new TraceError('E_SOURCE', `${dir}: no space-os data (none of ${SPACE_FILES.filter((file) => file !== SESSIONS_FILE).join(', ')} is there)`);
  }
  return { dir: spaceDir, tables, missingFiles };
}
