import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect, sql, type CompiledQuery, type RawBuilder, type SqlBool } from 'kysely';
import { EventCatalog, TraceError, isEventId, type KindRegistration, type PreparedEvent, type TraceEvent } from '@tracekernel/schema';
import { newRegistrations, registrationDefinition, registrationOfRow } from '../kind-registrations.js';
import { byTimeThenId, chainFromWalk, privatePlaceholder } from '../event-order.js';
import { followChanges } from '../follow-changes.js';
import { shortIdQuery } from '../short-id-query.js';
import { checkEdge } from '../inferred-edge.js';
import type {
  Ancestry, AppendResult, ChangeBatch, ChangesOptions, EventQuery, FollowOptions, InferredEdge, NameUsage, PruneOptions, PruneReport,
  StoreCheck, StoreStats, TraceStore,
} from '../trace-store.js';
import type { EventTuple, ParentSeqTuple, ParsedEventTuple, SqliteDatabase } from './sqlite-database.js';
import { isBusy, toTraceError } from './sqlite-errors.js';
import { NameCache } from './name-cache.js';
import { EventChainWriter, chainRecord, rechain } from './sqlite-event-chain.js';
import { inTimeOrder } from './sqlite-time-order.js';
import { verifySqliteStore } from './sqlite-verify.js';
import { isPermissionFailure, openReadOnly, writePermissionError } from './sqlite-access.js';
import { blobToId, hexToId, hexToIds, idIntoBlob, idToBlob, idsToBlob } from './sqlite-id-codec.js';
import { LATEST_STORE_VERSION, hasTables, migrate, readStoreVersion } from './sqlite-migrations.js';

export interface SqliteStoreOptions {
  path: string;
  /** `read` refuses to create a store; `write` creates it and its directory when missing. */
  mode?: 'read' | 'write';
  /** Tells the store which metadata fields link targets (e.g. parent_task_id). */
  catalog?: EventCatalog;
  /** How long one statement waits for another process's transaction before it is retried (default 10 s). */
  busyTimeoutMs?: number;
  /**
   * How long, in all, a write waits for another process's write lock before it fails with
   * `E_STORE_LOCKED` (default: about 50 busy timeouts).
   */
  lockTimeoutMs?: number;
}

/**
 * Every event read selects these columns, in this order, from EVENT_SOURCE, as a raw tuple: ids as
 * hex text and rows as arrays, because better-sqlite3 allocates a Buffer per BLOB and an object
 * per row, which cost more than reading the rows (2.8x on 10k scattered rows). hex() without
 * lower(), here and in every read: hexToId lower-cases as it copies.
 */
const EVENT_SELECT = `e.seq, hex(e.id), e.ts, e.kind, e.agent, e.target, e.session,
  hex(coalesce(p.id, e.parent_id, (SELECT pp.id FROM pruned_parents pp WHERE pp.seq = e.parent))),
  hex(e.causes), e.idempotency_key, e.schema_version, e.metadata, e.private`;
const EVENT_SOURCE = 'events e LEFT JOIN events p ON p.seq = e.parent';
/**
 * The columns of EVENT_SELECT as one JSON array per row, for a bounded read, grouped into one JSON
 * text: one string and one JSON.parse for the whole answer, where raw tuples cost a JS value per
 * column and a parse per metadata (an agent's latest 100 events: 0.37 against 0.49 ms at p99).
 */
const EVENT_JSON = `rtrim(json_array(e.seq, hex(e.id), e.ts, e.kind, e.agent, e.target, e.session,
  hex(coalesce(p.id, e.parent_id, (SELECT pp.id FROM pruned_parents pp WHERE pp.seq = e.parent))),
  hex(e.causes), e.idempotency_key, e.schema_version), ']') || ',' || e.metadata || ',' || coalesce(e.private, 'null') || ']'`;
/**
 * Rows a query reads as one JSON text (EVENT_JSON) at most. A metadata may be 1 MiB, so this bounds
 * the text at 256 MiB, below the longest string V8 makes; larger reads take raw tuples.
 */
const JSON_READ_ROWS = 256;
/**
 * The columns of a ParentSeqTuple as one JSON array, for reads that resolve parents themselves.
 * The id comes as hex, which #rowsBySeq turns into uuid text (a flat string either way; splitting
 * it in SQL doubled the cost of building the row). json_array builds all but the last two columns
 * in one buffer, where `||` copied the growing row once per column (a third of a 10k-event walk);
 * the metadata is stored JSON and goes in as it is, so JSON.parse gives exactly what parsing it
 * alone would.
 */
const EVENT_JSON_PARENT_SEQ = `rtrim(json_array(e.seq, hex(e.id), e.ts, e.kind, e.agent, e.target, e.session, e.parent,
  hex(e.parent_id), hex(e.causes), e.idempotency_key, e.schema_version), ']') || ',' || e.metadata || ',' || coalesce(e.private, 'null') || ']'`;
/** Levels walked one statement each before the rest of a walk goes to one recursive query. */
const MAX_LEVELS = 64;
/** Ids a walk probes in event_causes before it asks whether reading the table whole is cheaper. */
const FAN_IN_SCAN_AFTER = 4_096;
/** Rows per JSON text of a large read: about 1.5 MiB of text each. */
const SEQ_CHUNK = 8_192;
const MAX_BUSY_RETRIES = 50;
const PAGE_SIZE = 16_384;
/** How much WAL a writer lets grow before its commit checkpoints it into the file. */
const WAL_CHECKPOINT_BYTES = 256 * 1024 * 1024;
/** Parents are usually recent, so a bounded map of recent ids (about 13 MB at most) saves most parent lookups. */
const RECENT_IDS = 1 << 17;
/** Names kept in memory (about 10 MB at most); see NameCache. */
const CACHED_NAMES = 1 << 16;
/** The events' INSERT trigger (migration version 2), which a large batch lifts inside its own transaction. */
const EVENTS_INSERT_GUARD = 'events_keep_existing_rows';
/**
 * Batches at least this long lift it. Lifting costs the writer about 0.15 ms a batch (the DROP,
 * the CREATE, re-preparing what they expire) and each reader about 0.3 ms once after the commit
 * (it reloads the schema); it saves about 2.4 µs an event. From 1,024 events a batch saves ten
 * times what it costs, and a reader reloads at most once per 1,024 events written.
 */
const LIFT_GUARD_FROM_EVENTS = 1_024;

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * The embedded store: one SQLite file in WAL mode. Reads go through kysely; the append path uses
 * prepared better-sqlite3 statements inside one IMMEDIATE transaction per batch, because building a
 * kysely query per event would cost more than the insert itself.
 */
export class SqliteTraceStore implements TraceStore {
  readonly location: string;
  readonly version: number;
  readonly parallelAppends = 1;
  readonly #sqlite: Database.Database;
  readonly #db: Kysely<SqliteDatabase>;
  readonly #linkFields: Map<string, string>;
  readonly #writable: boolean;
  readonly #names = new NameCache(CACHED_NAMES);
  readonly #kindIds = new Map<string, number>();
  readonly #kinds = new Map<number, { primitive: string; type: string }>();
  #recentSeqs = new Map<string, number>();
  readonly #idScratch = Buffer.alloc(16);
  readonly #parentScratch = Buffer.alloc(16);
  #statements: ReturnType<SqliteTraceStore['prepareWriteStatements']> | undefined;
  readonly #readStatements = new Map<string, Database.Statement>();
  #chain: EventChainWriter | undefined;
  readonly #cleanup: () => void;
  readonly #lock: LockWait;
  #closed = false;

  /** Opens a store file; `openStore` is the way in for everything outside this package. */
  static open(options: SqliteStoreOptions): SqliteTraceStore {
    const { path, mode = 'read' } = options;
    if (mode === 'read' && !existsSync(path)) {
      throw new TraceError('E_NO_STORE', `no trace store at ${path}`);
    }
    const lock = lockWait(path, options);
    let sqlite: Database.Database | undefined;
    let cleanup = () => {};
    try {
      if (mode === 'read') {
        // Readers never write: they work on a store they may not write to (mode 0444, a
        // read-only directory or filesystem, another user's file).
        ({ sqlite, cleanup } = openReadOnly(path, lock.busyTimeoutMs));
        // Readers map the file: scattered rows (a subtree, a long timeline) then cost no read() calls.
        // Writers do not, so a long ingest's resident memory stays at the page cache's size.
        sqlite.pragma('mmap_size = 1073741824');
        const version = readStoreVersion(sqlite, path);
        if (version < LATEST_STORE_VERSION) migrateIfWritable(path, lock);
        return new SqliteTraceStore(sqlite, path, readStoreVersion(sqlite, path), options.catalog ?? new EventCatalog(), false, cleanup, lock);
      }
      try {
        mkdirSync(dirname(path), { recursive: true });
        sqlite = new Database(path, { timeout: lock.busyTimeoutMs });
      } catch (error) {
        throw isPermissionFailure(error) ? writePermissionError(path, error) : error;
      }
      // SQLite opens a file it may not write read-only without a word; writes would fail later.
      if (sqlite.readonly) throw writePermissionError(path, new Error('opened read-only'));
      const db = sqlite;
      // Refuse someone else's database before touching it: WAL mode would rewrite its header.
      const existing = hasTables(db);
      const version = existing ? readStoreVersion(db, path) : 0;
      // 16 KiB pages for a new store (set before WAL, which fixes it): against 4 KiB, 10% faster
      // ingest and 2.7 fewer bytes per event on the bench's swarm, from fewer splits and less
      // space lost at the end of each page.
      if (!existing) db.pragma(`page_size = ${PAGE_SIZE}`);
      lock.retry(() => db.pragma('journal_mode = WAL'));
      db.pragma('synchronous = NORMAL');
      // A commit writes every page it dirtied to the WAL, and a checkpoint copies each page once
      // however many commits rewrote it. Every group commit rewrites most of the random indexes'
      // pages, so checkpointing every 256 MiB of WAL instead of SQLite's 1,000 pages (16 MiB)
      // writes 36% fewer bytes at 1M events and 34% fewer at 3M (bench/README.md). The WAL file
      // keeps its largest size until the last connection closes, which checkpoints and deletes it.
      const pageSize = db.pragma('page_size', { simple: true }) as number;
      db.pragma(`wal_autocheckpoint = ${WAL_CHECKPOINT_BYTES / pageSize}`);
      db.pragma('cache_size = -65536');
      // With the append-only triggers, an INSERT that may abort half-way needs a statement journal,
      // which copies every page the insert touches (16 KiB each, six indexes): 55% more CPU per
      // event. Inserts that cannot abort need none: events go in with INSERT OR IGNORE (every NOT
      // NULL column is always given), and foreign keys, which better-sqlite3 turns on, are not
      // enforced by the writer (its own dictionaries satisfy them; `trace verify` checks them).
      db.pragma('foreign_keys = OFF');
      // The append-only triggers still make SQLite keep a statement journal for every insert: the
      // original of each page the insert touches (16 KiB each). Past 64 KiB that journal spills
      // to a temporary file (with version 6's short-id index on random bytes, about 120 KiB per
      // event). In memory it is a copy that is dropped when the statement ends.
      db.pragma('temp_store = MEMORY');
      // A store at the latest version needs no write lock to open: another process holding one
      // (a long batch, a `BEGIN IMMEDIATE` in a shell) delays only the first append.
      const current = version === LATEST_STORE_VERSION ? version : lock.retry(() => migrate(db, path));
      return new SqliteTraceStore(db, path, current, options.catalog ?? new EventCatalog(), true, cleanup, lock);
    } catch (error) {
      sqlite?.close();
      cleanup();
      if (mode === 'write' && isPermissionFailure(error) && !(error instanceof TraceError)) throw writePermissionError(path, error);
      throw toTraceError(error, path);
    }
  }

  private constructor(
    sqlite: Database.Database,
    path: string,
    version: number,
    catalog: EventCatalog,
    writable: boolean,
    cleanup: () => void,
    lock: LockWait,
  ) {
    this.#sqlite = sqlite;
    this.#cleanup = cleanup;
    this.#lock = lock;
    this.location = path;
    this.version = version;
    this.#writable = writable;
    this.#db = new Kysely<SqliteDatabase>({ dialect: new SqliteDialect({ database: sqlite }) });
    this.#linkFields = new Map();
    for (const primitive of catalog.primitives()) {
      for (const [type, definition] of Object.entries(catalog.primitive(primitive).types)) {
        if (definition.targetParentField) this.#linkFields.set(`${primitive}.${type}`, definition.targetParentField);
      }
    }
  }

  // ---- writing -------------------------------------------------------------------------------

  async append(events: readonly PreparedEvent[]): Promise<AppendResult[]> {
    return this.appendSync(events);
  }

  /**
   * The synchronous append, for writers that must finish inside a process 'exit' handler.
   * Waits for other writers (busy timeout plus retries) rather than failing with SQLITE_BUSY.
   * `events` is iterated once per attempt, so a lazily decoding iterable must be restartable.
   */
  appendSync(events: Iterable<PreparedEvent>): AppendResult[] {
    if (!this.#writable) throw new TraceError('E_STORE', `${this.location} was opened for reading`);
    // Only a batch whose length is known up front lifts the guard: copying a lazy iterable to
    // count it would hold all of it decoded at once.
    const liftGuard = Array.isArray(events) && events.length >= LIFT_GUARD_FROM_EVENTS;
    const statements = (this.#statements ??= this.prepareWriteStatements());
    this.#names.trim();
    const addedNames: string[] = [];
    const addedKinds: string[] = [];
    const chain = (this.#chain ??= new EventChainWriter(this.#sqlite));
    const transaction = this.#sqlite.transaction(() => {
      const results: AppendResult[] = [];
      let firstSeq: number | undefined;
      chain.begin();
      const guard = liftGuard ? this.#liftInsertGuard(statements) : undefined;
      for (const { event, metadataJson } of events) {
        const kindKey = `${event.primitive}.${event.type}`;
        const parentId = event.parent_event_id;
        const parentSeq = parentId === null ? null : this.#seqOf(parentId);
        const info = statements.insertEvent.run(
          idIntoBlob(event.id, this.#idScratch),
          event.ts,
          this.#kindIdForWrite(event.primitive, event.type, addedKinds),
          this.#nameIdForWrite(event.agent_id, addedNames),
          this.#nameIdForWrite(event.target_id, addedNames),
          this.#nameIdForWrite(event.session_id, addedNames),
          parentSeq,
          parentSeq === null && parentId !== null ? idIntoBlob(parentId, this.#parentScratch) : null,
          idsToBlob(event.causes),
          event.idempotency_key,
          event.schema_version,
          metadataJson,
          event.private === true ? 1 : null,
        );
        if (info.changes === 0) {
          const first = event.idempotency_key === null
            ? undefined
            : (statements.selectIdByIdempotencyKey.get(event.idempotency_key) as { id: Buffer } | undefined);
          // INSERT OR IGNORE also skips a row that breaks a NOT NULL constraint: a skipped event
          // must be a duplicate (its id or key stored), never a silent loss.
          if (!first && statements.selectSeq.get(idIntoBlob(event.id, this.#idScratch)) === undefined) {
            throw new TraceError('E_STORE', `event ${event.id} could not be stored (a required column was empty)`);
          }
          results.push({ id: first ? blobToId(first.id) : event.id, inserted: false });
          continue;
        }
        const seq = Number(info.lastInsertRowid);
        firstSeq ??= seq;
        this.#rememberSeq(event.id, seq);
        chain.add(seq, chainRecord(event.id, event.ts, event.primitive, event.type, event.agent_id, event.target_id, event.session_id,
          parentId, event.causes, event.idempotency_key, event.schema_version, metadataJson));
        for (const cause of event.causes) statements.insertCause.run(idToBlob(cause), seq);
        const linkField = this.#linkFields.get(kindKey);
        const parentTarget = linkField === undefined ? undefined : event.metadata[linkField];
        if (typeof parentTarget === 'string' && event.target_id !== null) {
          statements.insertLink.run(this.#nameIdForWrite(parentTarget, addedNames), this.#nameIdForWrite(event.target_id, addedNames));
        }
        results.push({ id: event.id, inserted: true });
      }
      // Sorted and in one statement: one pass over the short-id index per batch, where one
      // insert per event lands on a random page of it every time.
      if (firstSeq !== undefined) statements.insertShortIds.run(firstSeq);
      if (guard !== undefined) this.#sqlite.exec(guard);
      chain.commit();
      return results;
    });
    const attempt = () => {
      try {
        return transaction.immediate();
      } catch (error) {
        // The rollback took the new names, kinds and rows with it: forget their ids.
        for (const name of addedNames.splice(0)) this.#names.forget(name);
        for (const kind of addedKinds.splice(0)) this.#forgetKind(kind);
        // The batch's seqs are remembered as they are assigned, so its parents in it are found
        // without a query; rolled back, they name rows that do not exist.
        this.#recentSeqs = new Map();
        throw error;
      }
    };
    try {
      return this.#lock.retry(attempt);
    } catch (error) {
      if (isPermissionFailure(error)) throw writePermissionError(this.location, error);
      throw toTraceError(error, this.location);
    }
  }

  /**
   * Drops the events' INSERT trigger for the rest of this write transaction and returns the SQL
   * that puts it back, verbatim (undefined if the store has none). The trigger makes REPLACE INTO
   * a no-op for other connections; the store's own INSERT OR IGNORE needs no such help, but while
   * the trigger exists SQLite copies every page each insert touches into a statement journal and
   * probes three indexes first. DDL is transactional and this transaction holds the write lock, so
   * no other connection ever sees the table without its trigger, and a rollback restores it.
   */
  #liftInsertGuard(statements: ReturnType<SqliteTraceStore['prepareWriteStatements']>): string | undefined {
    const guard = statements.selectGuard.get(EVENTS_INSERT_GUARD) as string | undefined;
    if (guard !== undefined) this.#sqlite.exec(`DROP TRIGGER ${EVENTS_INSERT_GUARD}`);
    return guard;
  }

  private prepareWriteStatements() {
    const s = this.#sqlite;
    return {
      insertEvent: s.prepare(
        `INSERT OR IGNORE INTO events (id, ts, kind, agent, target, session, parent, parent_id, causes, idempotency_key, schema_version, metadata, private)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      selectSeq: s.prepare('SELECT seq FROM events WHERE id = ?').pluck(),
      selectIdByIdempotencyKey: s.prepare('SELECT id FROM events WHERE idempotency_key = ?'),
      // The transaction holds the write lock, so every event from the batch's first seq on is its own.
      insertShortIds: s.prepare('INSERT INTO event_short_ids (short, seq) SELECT substr(id, 11, 6), seq FROM events WHERE seq >= ? ORDER BY 1, 2'),
      insertCause: s.prepare('INSERT OR IGNORE INTO event_causes (cause, seq) VALUES (?, ?)'),
      insertLink: s.prepare('INSERT OR IGNORE INTO target_links (parent, child) VALUES (?, ?)'),
      insertName: s.prepare('INSERT INTO names (name) VALUES (?) ON CONFLICT (name) DO NOTHING'),
      selectName: s.prepare('SELECT id FROM names WHERE name = ?'),
      insertKind: s.prepare('INSERT INTO kinds (primitive, type) VALUES (?, ?) ON CONFLICT DO NOTHING'),
      selectKind: s.prepare('SELECT id FROM kinds WHERE primitive = ? AND type = ?'),
      selectGuard: s.prepare("SELECT sql FROM sqlite_schema WHERE type = 'trigger' AND name = ?").pluck(),
    };
  }

  #seqOf(id: string): number | null {
    const cached = this.#recentSeqs.get(id);
    if (cached !== undefined) return cached;
    return (this.#statements!.selectSeq.get(idIntoBlob(id, this.#parentScratch)) as number | undefined) ?? null;
  }

  /** Bounded even inside one batch: a lazily read import may be a single batch of millions. */
  #rememberSeq(id: string, seq: number): void {
    if (this.#recentSeqs.size >= RECENT_IDS) this.#recentSeqs = new Map();
    this.#recentSeqs.set(id, seq);
  }

  #nameIdForWrite(name: string | null, added: string[]): number | null {
    if (name === null) return null;
    const cached = this.#names.idOf(name);
    if (cached !== undefined) return cached;
    const statements = this.#statements!;
    if (statements.insertName.run(name).changes > 0) added.push(name);
    const id = (statements.selectName.get(name) as { id: number }).id;
    this.#names.remember(id, name);
    return id;
  }

  #kindIdForWrite(primitive: string, type: string, added: string[]): number {
    const key = `${primitive}.${type}`;
    const cached = this.#kindIds.get(key);
    if (cached !== undefined) return cached;
    const statements = this.#statements!;
    if (statements.insertKind.run(primitive, type).changes > 0) added.push(key);
    const id = (statements.selectKind.get(primitive, type) as { id: number }).id;
    this.#kindIds.set(key, id);
    this.#kinds.set(id, { primitive, type });
    return id;
  }

  #forgetKind(key: string): void {
    const id = this.#kindIds.get(key);
    this.#kindIds.delete(key);
    if (id !== undefined) this.#kinds.delete(id);
  }

  // ---- running reads --------------------------------------------------------------------------

  /**
   * Runs a query built with kysely through a prepared statement cached by its SQL: kysely's SQLite
   * driver prepares every statement anew, which costs more than a short indexed read itself.
   */
  #all<Row>(query: { compile(): CompiledQuery<Row> }): Row[] {
    const compiled = query.compile();
    let statement = this.#readStatements.get(compiled.sql);
    if (!statement) {
      if (this.#readStatements.size >= 256) this.#readStatements.clear();
      statement = this.#sqlite.prepare(compiled.sql);
      this.#readStatements.set(compiled.sql, statement);
    }
    return statement.all(...(compiled.parameters as unknown[])) as Row[];
  }

  #allRaw<Row>(query: RawBuilder<Row>): Row[] {
    return this.#all({ compile: () => query.compile(this.#db) });
  }

  /** Runs a query that selects EVENT_SELECT and returns raw tuples. */
  #tuples<Tuple = EventTuple>(query: RawBuilder<unknown>): Tuple[] {
    const compiled = query.compile(this.#db);
    const key = `raw:${compiled.sql}`;
    let statement = this.#readStatements.get(key);
    if (!statement) {
      if (this.#readStatements.size >= 256) this.#readStatements.clear();
      statement = this.#sqlite.prepare(compiled.sql).raw(true);
      this.#readStatements.set(key, statement);
    }
    return statement.all(...(compiled.parameters as unknown[])) as Tuple[];
  }

  /** Runs a query that selects one column and returns its values. */
  #plucked<Value>(query: RawBuilder<unknown>): Value[] {
    const compiled = query.compile(this.#db);
    const key = `pluck:${compiled.sql}`;
    let statement = this.#readStatements.get(key);
    if (!statement) {
      if (this.#readStatements.size >= 256) this.#readStatements.clear();
      statement = this.#sqlite.prepare(compiled.sql).pluck(true);
      this.#readStatements.set(key, statement);
    }
    return statement.all(...(compiled.parameters as unknown[])) as Value[];
  }

  // ---- dictionaries for reading ----------------------------------------------------------------

  async #nameId(name: string): Promise<number | undefined> {
    const cached = this.#names.idOf(name);
    if (cached !== undefined) return cached;
    const [row] = this.#all(this.#db.selectFrom('names').select('id').where('name', '=', name));
    if (row) this.#names.remember(row.id, name);
    return row?.id;
  }

  /** Names and kinds only grow, so anything unknown is loaded once, by id. */
  #loadDictionaries(rows: readonly (EventTuple | ParsedEventTuple | ParentSeqTuple)[]): void {
    this.#names.trim();
    const missingNames = new Set<number>();
    let missingKind = false;
    const need = (id: number | null) => {
      if (id !== null && !this.#names.has(id)) missingNames.add(id);
    };
    for (const row of rows) {
      if (!this.#kinds.has(row[3])) missingKind = true;
      need(row[4]);
      need(row[5]);
      need(row[6]);
    }
    if (missingKind) {
      for (const kind of this.#sqlite.prepare('SELECT id, primitive, type FROM kinds').all() as Array<{ id: number; primitive: string; type: string }>) {
        this.#kinds.set(kind.id, { primitive: kind.primitive, type: kind.type });
        this.#kindIds.set(`${kind.primitive}.${kind.type}`, kind.id);
      }
    }
    if (missingNames.size > 0) {
      const lookup = this.#sqlite.prepare('SELECT id, name FROM names WHERE id IN (SELECT value FROM json_each(?))');
      for (const name of lookup.all(JSON.stringify([...missingNames])) as Array<{ id: number; name: string }>) this.#names.remember(name.id, name.name);
    }
  }

  #decode(rows: readonly (EventTuple | ParsedEventTuple)[]): TraceEvent[] {
    this.#loadDictionaries(rows);
    return rows.map(([, id, ts, kindId, agent, target, session, parent, causes, idempotencyKey, schemaVersion, metadata, isPrivate]) =>
      this.#event(hexToId(id), ts, kindId, agent, target, session, parent === '' ? null : hexToId(parent), causes, idempotencyKey, schemaVersion,
        typeof metadata === 'string' ? JSON.parse(metadata) : metadata, isPrivate));
  }

  #event(
    id: string, ts: number, kindId: number, agent: number | null, target: number | null, session: number | null, parent: string | null,
    causes: string, idempotencyKey: string | null, schemaVersion: number, metadata: TraceEvent['metadata'], isPrivate: number | null,
  ): TraceEvent {
    const kind = this.#kinds.get(kindId)!;
    const event: TraceEvent = {
      id,
      ts,
      primitive: kind.primitive,
      type: kind.type,
      agent_id: agent === null ? null : this.#names.nameOf(agent)!,
      target_id: target === null ? null : this.#names.nameOf(target)!,
      session_id: session === null ? null : this.#names.nameOf(session)!,
      parent_event_id: parent,
      causes: causes === '' ? [] : hexToIds(causes),
      idempotency_key: idempotencyKey,
      schema_version: schemaVersion,
      metadata,
    };
    if (isPrivate === 1) event.private = true;
    return event;
  }

  async #kindIdsFor(kinds: readonly string[]): Promise<number[]> {
    const rows = this.#all(this.#db.selectFrom('kinds').select(['id', 'primitive', 'type']));
    return rows
      .filter((row) => kinds.some((kind) => kind === row.primitive || kind === `${row.primitive}.${row.type}`))
      .map((row) => row.id);
  }

  // ---- reading -------------------------------------------------------------------------------

  async get(ids: readonly string[], options: { includePrivate?: boolean } = {}): Promise<TraceEvent[]> {
    if (ids.length === 0) return [];
    return this.#read(async () => {
      // One JSON parameter instead of one per id: SQLite allows at most 32,766 parameters.
      const rows = this.#tuples(sql`
        SELECT ${sql.raw(EVENT_SELECT)} FROM ${sql.raw(EVENT_SOURCE)}
        WHERE e.id IN (SELECT unhex(value, '-') FROM json_each(${JSON.stringify(ids)}))
        ${options.includePrivate ? sql`` : sql`AND e.private IS NULL`}`);
      return this.#decode(rows).sort(byTimeThenId);
    });
  }

  async matchShortId(shortId: string, options: { limit?: number; includePrivate?: boolean } = {}): Promise<string[]> {
    const { low, high, limit } = shortIdQuery(shortId, options.limit);
    return this.#read(async () => {
      // A store that could not be upgraded (opened read-only) still has version 5's expression index.
      const rows = this.version >= 7
        ? this.#allRaw(sql<{ id: string }>`SELECT lower(hex(e.id)) AS id FROM event_short_ids s JOIN events e ON e.seq = s.seq
          WHERE s.short BETWEEN unhex(${low}) AND unhex(${high}) AND ${visibleRows(options)}
          ORDER BY e.ts, e.id LIMIT ${limit}`)
        : this.#allRaw(sql<{ id: string }>`SELECT lower(hex(e.id)) AS id FROM events e
          WHERE substr(e.id, 11, 6) BETWEEN unhex(${low}) AND unhex(${high}) AND ${visibleRows(options)}
          ORDER BY e.ts, e.id LIMIT ${limit}`);
      return rows.map((row) => hexToId(row.id));
    });
  }

  async getByIdempotencyKey(key: string): Promise<TraceEvent | undefined> {
    return this.#read(async () => {
      const rows = this.#tuples(sql`SELECT ${sql.raw(EVENT_SELECT)} FROM ${sql.raw(EVENT_SOURCE)} WHERE e.idempotency_key = ${key}`);
      return this.#decode(rows)[0];
    });
  }

  /**
   * Ordered by ts alone in SQL, so that an index ending in ts (events_by_agent, events_by_ts) gives
   * the order: ORDER BY ts, id made SQLite copy every row into a temporary b-tree to order the ties
   * by id, about a fifth of the CPU of an agent's latest 100 events. Ties are put in id order here
   * instead, and a limit that falls inside a run of tied rows reads the whole run, so the rows are
   * the ones ORDER BY ts, id LIMIT n gives.
   */
  async query(query: EventQuery): Promise<TraceEvent[]> {
    return this.#read(async () => {
      const conditions = await this.#conditions(query);
      if (conditions === null) return [];
      const desc = query.order === 'desc';
      const { limit } = query;
      // SQLite reads a negative limit as none.
      const bounded = limit !== undefined && limit >= 0;
      const order = sql.raw(desc ? 'DESC' : 'ASC');
      const filter = (where: RawBuilder<unknown>[]) => (where.length === 0 ? sql`` : sql`WHERE ${sql.join(where, sql` AND `)}`);
      const read = (where: RawBuilder<unknown>[], count?: number): (EventTuple | ParsedEventTuple)[] => {
        if (count === undefined || count > JSON_READ_ROWS) {
          return this.#tuples(sql`
            SELECT ${sql.raw(EVENT_SELECT)} FROM ${sql.raw(EVENT_SOURCE)} ${filter(where)}
            ORDER BY e.ts ${order} ${count === undefined ? sql`` : sql`LIMIT ${count}`}`);
        }
        // The aggregate need not keep the subquery's order, so the rows are put in order here.
        const [text] = this.#plucked<string | null>(sql`
          SELECT '[' || group_concat(${sql.raw(EVENT_JSON)}, ',') || ']'
          FROM (SELECT e.* FROM events e ${filter(where)} ORDER BY e.ts ${order} LIMIT ${count}) e LEFT JOIN events p ON p.seq = e.parent`);
        if (text === null || text === undefined) return [];
        const rows = JSON.parse(text) as ParsedEventTuple[];
        return rows.sort(desc ? (a, b) => b[2] - a[2] : (a, b) => a[2] - b[2]);
      };
      let rows = read(conditions, bounded ? limit + 1 : undefined);
      if (bounded && limit > 0 && rows.length > limit && rows[limit]![2] === rows[limit - 1]![2]) {
        const edge = rows[limit]![2];
        rows = rows.filter((row) => row[2] !== edge).concat(read([...conditions, sql`e.ts = ${edge}`]));
      }
      inTimeOrder(rows, desc);
      if (bounded && rows.length > limit) rows.length = limit;
      return this.#decode(rows);
    });
  }

  /** The WHERE conditions of an EventQuery, shared by query and changes; null when nothing can match. */
  async #conditions(query: EventQuery): Promise<RawBuilder<unknown>[] | null> {
    const conditions: RawBuilder<unknown>[] = [];
    if (query.agent !== undefined) {
      const agent = await this.#nameId(query.agent);
      if (agent === undefined) return null;
      conditions.push(sql`e.agent = ${agent}`);
    }
    if (query.targets !== undefined) {
      if (query.targets.length === 0) return null;
      const names = JSON.stringify(query.targets);
      conditions.push(sql`e.target IN (SELECT id FROM names WHERE name IN (SELECT value FROM json_each(${names})))`);
    }
    if (query.kinds !== undefined) {
      const kinds = await this.#kindIdsFor(query.kinds);
      if (kinds.length === 0) return null;
      conditions.push(sql`e.kind IN (SELECT value FROM json_each(${JSON.stringify(kinds)}))`);
    }
    if (query.since !== undefined) conditions.push(sql`e.ts >= ${query.since}`);
    if (query.until !== undefined) conditions.push(sql`e.ts < ${query.until}`);
    if (!query.includePrivate) conditions.push(sql`e.private IS NULL`);
    return conditions;
  }

  async descendants(ids: readonly string[], options: { limit?: number; includePrivate?: boolean } = {}): Promise<TraceEvent[]> {
    if (ids.length === 0) return [];
    return this.#read(async () => {
      const rows: ParentSeqTuple[] = [];
      for (const level of this.#walkDown(ids)) for (const row of level) rows.push(row);
      // Sorting happens here: ORDER BY in SQL tempts the planner into walking the whole ts index.
      const events = this.#decodeParentSeq(rows, new Map()).map(options.includePrivate ? same : hidePrivate).sort(byTimeThenId);
      return options.limit === undefined ? events : events.slice(0, options.limit);
    });
  }

  async *descendantBatches(ids: readonly string[], options: { includePrivate?: boolean } = {}): AsyncIterable<TraceEvent[]> {
    if (ids.length === 0) return;
    // Parents are mostly in the level above, so their ids are remembered across batches; ids are
    // short strings, and a walk is bounded by what it returns anyway.
    const idOfSeq = new Map<number, string>();
    const walk = this.#walkDown(ids);
    for (;;) {
      let next: IteratorResult<ParentSeqTuple[]>;
      try {
        next = walk.next();
      } catch (error) {
        throw toTraceError(error, this.location);
      }
      if (next.done) return;
      yield this.#decodeParentSeq(next.value, idOfSeq).map(options.includePrivate ? same : hidePrivate);
    }
  }

  /**
   * The rows caused by `ids`, level by level, yielded a chunk of a level at a time: for each chunk
   * of the level above, one statement finds the children's seqs, and the ones not walked yet are
   * read as JSON text (#rowsBySeq). Against a recursive CTE whose seqs are then read back, walking
   * by levels is 2x faster on a 10k-event tree: SQLite's recursive queue costs more per row than
   * the index lookups. A deep, narrow walk (a long chain) would take one statement per link, so
   * after MAX_LEVELS levels the rest is walked by the recursive CTE.
   */
  *#walkDown(ids: readonly string[]): Generator<ParentSeqTuple[]> {
    let frontierSeqs = this.#plucked<number>(sql`
      SELECT seq FROM events WHERE id IN (SELECT unhex(value, '-') FROM json_each(${JSON.stringify(ids)}))`);
    const seen = new Set<number>(frontierSeqs);
    // Branches for parents stored after their children (parent_id) and for fan-in (event_causes)
    // join only when such rows exist; the first level asks by the seeds' ids, stored or not.
    const [lateParents] = this.#all(this.#db.selectFrom('events').select('seq').where('parent_id', 'is not', null).limit(1));
    const [fanIn] = this.#all(this.#db.selectFrom('event_causes').select('seq').limit(1));
    let frontierIds: readonly string[] = ids;
    const causes = new FanInLookup(this.#sqlite);
    for (let level = 0; frontierSeqs.length > 0 || (level === 0 && (lateParents || fanIn)); level++) {
      if (level === MAX_LEVELS) {
        yield* this.#rowsBySeq(this.#reachedFrom(frontierSeqs, !!lateParents, !!fanIn).filter((seq) => !seen.has(seq)));
        return;
      }
      const levelSeqs = frontierSeqs;
      const levelIds = frontierIds;
      frontierSeqs = [];
      const nextIds: string[] = [];
      // A level is read in chunks of parents, so that no one JSON text grows without bound.
      for (let from = 0; from < Math.max(levelSeqs.length, levelIds.length); from += SEQ_CHUNK) {
        const seqsJson = JSON.stringify(levelSeqs.slice(from, from + SEQ_CHUNK));
        const idsJson = JSON.stringify(levelIds.slice(from, from + SEQ_CHUNK));
        const children = [sql`SELECT seq FROM events WHERE parent IN (SELECT value FROM json_each(${seqsJson}))`];
        if (lateParents) children.push(sql`SELECT seq FROM events WHERE parent_id IN (SELECT unhex(value, '-') FROM json_each(${idsJson}))`);
        if (fanIn) {
          const effects = causes.effectsOf(levelIds.slice(from, from + SEQ_CHUNK));
          children.push(effects === null
            ? sql`SELECT seq FROM event_causes WHERE cause IN (SELECT unhex(value, '-') FROM json_each(${idsJson}))`
            : sql`SELECT value FROM json_each(${JSON.stringify(effects)})`);
        }
        // Seqs first, rows after: fan-in, cycles and the seeds' own chains (a task's events are
        // mostly children of each other) reach rows already walked, and building a row costs
        // far more than finding it. A row is kept, and walked, the first time it is reached.
        // UNION ALL, and duplicates dropped here: UNION's temporary b-tree cost 15% of the lookups.
        const fresh: number[] = [];
        for (const seq of this.#plucked<number>(sql`${sql.join(children, sql` UNION ALL `)}`)) {
          if (seen.has(seq)) continue;
          seen.add(seq);
          fresh.push(seq);
        }
        for (const found of this.#rowsBySeq(fresh)) {
          for (const row of found) {
            frontierSeqs.push(row[0]);
            nextIds.push(row[1]);
          }
          yield found;
        }
      }
      frontierIds = nextIds;
    }
  }

  /** Every seq reached from these, themselves included, by one recursive query. */
  #reachedFrom(seqs: readonly number[], lateParents: boolean, fanIn: boolean): number[] {
    // UNION visits each event once, so fan-in and accidental cycles terminate.
    const branches = [sql`SELECT e.seq FROM reached r JOIN events e ON e.parent = r.seq`];
    if (lateParents) branches.push(sql`SELECT e.seq FROM reached r JOIN events x ON x.seq = r.seq JOIN events e ON e.parent_id = x.id`);
    if (fanIn) branches.push(sql`SELECT c.seq FROM reached r JOIN events x ON x.seq = r.seq JOIN event_causes c ON c.cause = x.id`);
    return this.#plucked<number>(sql`
      WITH RECURSIVE reached(seq) AS (SELECT value FROM json_each(${JSON.stringify(seqs)}) UNION ${sql.join(branches, sql` UNION `)})
      SELECT seq FROM reached`);
  }

  /**
   * The rows of these events as ParentSeqTuples, read in seq order (neighbouring pages) and in
   * chunks, each chunk one JSON text that SQLite builds and JSON.parse reads in one call: for a
   * large walk that is half the cost of raw tuples (one JS value per column, one parse per
   * metadata), and a chunk stays far below the longest string SQLite or V8 will make.
   */
  *#rowsBySeq(seqs: number[]): Generator<ParentSeqTuple[]> {
    const sorted = Float64Array.from(seqs).sort();
    for (let from = 0; from < sorted.length; from += SEQ_CHUNK) {
      const chunk = JSON.stringify(Array.from(sorted.subarray(from, from + SEQ_CHUNK)));
      const [text] = this.#plucked<string | null>(sql`
        SELECT '[' || group_concat(${sql.raw(EVENT_JSON_PARENT_SEQ)}, ',') || ']'
        FROM events e WHERE e.seq IN (SELECT value FROM json_each(${chunk}))`);
      if (text === null || text === undefined) continue;
      const rows = JSON.parse(text) as ParentSeqTuple[];
      for (const row of rows) row[1] = hexToId(row[1]);
      yield rows;
    }
  }

  /**
   * Decodes rows that carry their parent as a seq. Most parents are among the rows themselves or
   * in `idOfSeq` (ids of earlier batches of the same walk, which this adds to); the rest (the
   * seeds, mostly) are read in one query instead of one lookup per row.
   */
  #decodeParentSeq(rows: readonly ParentSeqTuple[], idOfSeq: Map<number, string>): TraceEvent[] {
    for (const row of rows) idOfSeq.set(row[0], row[1]);
    const missing = new Set<number>();
    for (const row of rows) if (row[7] !== null && !idOfSeq.has(row[7])) missing.add(row[7]);
    if (missing.size > 0) {
      const seqs = JSON.stringify([...missing]);
      const parents = this.#allRaw(sql<{ seq: number; id: string }>`
        SELECT seq, hex(id) AS id FROM events WHERE seq IN (SELECT value FROM json_each(${seqs}))
        UNION ALL SELECT seq, hex(id) FROM pruned_parents WHERE seq IN (SELECT value FROM json_each(${seqs}))`);
      for (const parent of parents) idOfSeq.set(parent.seq, hexToId(parent.id));
    }
    this.#loadDictionaries(rows);
    return rows.map(([, id, ts, kindId, agent, target, session, parentSeq, parentId, causes, idempotencyKey, schemaVersion, metadata, isPrivate]) => {
      // A parent among the rows shares its id string with that event.
      const parent = parentSeq !== null ? (idOfSeq.get(parentSeq) ?? null) : parentId === '' ? null : hexToId(parentId);
      return this.#event(id, ts, kindId, agent, target, session, parent, causes, idempotencyKey, schemaVersion, metadata, isPrivate);
    });
  }

  async ancestors(id: string, options: { maxDepth?: number; includePrivate?: boolean } = {}): Promise<Ancestry> {
    return this.#read(async () => {
      // The cap also ends a cycle, which only a parent stored after its child can create.
      const maxDepth = options.maxDepth ?? 10_000;
      const resultRows = this.#tuples(sql`
        WITH RECURSIVE up(seq, depth) AS (
          SELECT seq, 0 FROM events WHERE id = ${idToBlob(id)}
          UNION ALL
          SELECT e.parent, up.depth + 1 FROM up JOIN events e ON e.seq = up.seq
          WHERE e.parent IS NOT NULL AND up.depth < ${maxDepth}
          UNION ALL
          SELECT p.seq, up.depth + 1 FROM up JOIN events e ON e.seq = up.seq JOIN events p ON p.id = e.parent_id
          WHERE up.depth < ${maxDepth}
        )
        SELECT ${sql.raw(EVENT_SELECT)}, up.depth
        FROM up JOIN events e ON e.seq = up.seq LEFT JOIN events p ON p.seq = e.parent
        ORDER BY up.depth DESC`);
      const walk = this.#decode(resultRows.reverse()).map(options.includePrivate ? same : hidePrivate);
      return chainFromWalk(walk);
    });
  }

  async descendantTargets(targets: readonly string[]): Promise<string[]> {
    if (targets.length === 0) return [];
    return this.#read(async () => {
      const rows = this.#allRaw(sql<{ name: string }>`
        WITH RECURSIVE
          roots(id) AS (SELECT n.id FROM names n WHERE n.name IN (SELECT value FROM json_each(${JSON.stringify(targets)}))),
          below(id) AS (
            SELECT l.child FROM target_links l WHERE l.parent IN (SELECT id FROM roots)
            UNION
            SELECT l.child FROM below b JOIN target_links l ON l.parent = b.id
          )
        SELECT n.name FROM names n WHERE n.id IN (SELECT id FROM below) AND n.id NOT IN (SELECT id FROM roots)
        ORDER BY n.id`);
      return rows.map((row) => row.name);
    });
  }

  async nameUsage(name: string, options: { includePrivate?: boolean } = {}): Promise<NameUsage> {
    return this.#read(async () => {
      const id = await this.#nameId(name);
      if (id === undefined) return { asAgent: false, asTargetOf: [] };
      const visible = visibleRows(options);
      const [asAgent] = this.#all(this.#db.selectFrom('events as e').select('e.seq').where('e.agent', '=', id).where(visible).limit(1));
      const kinds = this.#all(
        this.#db
          .selectFrom('events as e')
          .innerJoin('kinds as k', 'k.id', 'e.kind')
          .select('k.primitive')
          .distinct()
          .where('e.target', '=', id)
          .where(visible),
      );
      return { asAgent: asAgent !== undefined, asTargetOf: kinds.map((kind) => kind.primitive) };
    });
  }

  async stats(options: { includePrivate?: boolean } = {}): Promise<StoreStats> {
    return this.#read(async () => {
      const visible = visibleRows(options);
      const byKind = await this.#db
        .selectFrom('events as e')
        .innerJoin('kinds as k', 'k.id', 'e.kind')
        .where(visible)
        .select(['k.primitive', 'k.type', (eb) => eb.fn.countAll<number>().as('count')])
        .groupBy(['k.primitive', 'k.type'])
        .orderBy('count', 'desc')
        .execute();
      const byAgent = await this.#db
        .selectFrom('events as e')
        .leftJoin('names as n', 'n.id', 'e.agent')
        .where(visible)
        .select(['n.name as agent', (eb) => eb.fn.countAll<number>().as('count')])
        .groupBy('e.agent')
        .orderBy('count', 'desc')
        .execute();
      const span = await this.#db
        .selectFrom('events as e')
        .where(visible)
        .select((eb) => [eb.fn.min<number | null>('e.ts').as('first'), eb.fn.max<number | null>('e.ts').as('last')])
        .executeTakeFirstOrThrow();
      const privateRows = await this.#db
        .selectFrom('events as e')
        .where(sql<SqlBool>`e.private IS NOT NULL`)
        .select((eb) => eb.fn.countAll<number>().as('count'))
        .executeTakeFirstOrThrow();
      const byPrimitive = new Map<string, number>();
      for (const row of byKind) byPrimitive.set(row.primitive, (byPrimitive.get(row.primitive) ?? 0) + row.count);
      return {
        events: byKind.reduce((sum, row) => sum + row.count, 0),
        firstTs: span.first,
        lastTs: span.last,
        byPrimitive: [...byPrimitive].map(([primitive, count]) => ({ primitive, count })).sort((a, b) => b.count - a.count),
        byType: byKind,
        byAgent,
        bytes: fileSize(this.location) + fileSize(`${this.location}-wal`),
        schemaVersion: this.version,
        privateEvents: privateRows.count,
      };
    });
  }

  // ---- following -----------------------------------------------------------------------------

  async changes(query: EventQuery, options: ChangesOptions = {}): Promise<ChangeBatch> {
    const after = decodeCursor(options.after);
    const limit = options.limit ?? 1_000;
    return this.#read(async () => {
      // Writers are serialised and a row's seq is max(seq) + 1 when its transaction runs, so seq
      // order is commit order: reading up to the max seen now never skips a late commit.
      const [top] = this.#allRaw(sql<{ seq: number | null }>`SELECT max(seq) AS seq FROM events`);
      const upTo = top?.seq ?? 0;
      const conditions = (await this.#conditions(query)) ?? [sql`0`];
      const rows = this.#tuples(sql`
        SELECT ${sql.raw(EVENT_SELECT)} FROM ${sql.raw(EVENT_SOURCE)}
        WHERE e.seq > ${after} AND e.seq <= ${upTo} ${conditions.length === 0 ? sql`` : sql`AND ${sql.join(conditions, sql` AND `)}`}
        ORDER BY e.seq LIMIT ${limit}`);
      const cursor = rows.length === limit ? String(rows[rows.length - 1]![0]) : upTo > after ? String(upTo) : (options.after ?? null);
      return { events: this.#decode(rows), cursors: rows.map((row) => String(row[0])), cursor };
    });
  }

  follow(query: EventQuery, options: FollowOptions = {}): AsyncIterable<ChangeBatch> {
    return followChanges(this, query, options);
  }

  // ---- retention -----------------------------------------------------------------------------

  /**
   * Deletes in one IMMEDIATE transaction holding a trace_maintenance row, the one way past the
   * append-only triggers, which no other connection ever sees. The most recently appended event
   * is always kept: SQLite gives a new row max(seq) + 1, and a reused seq would break cursors and
   * the parent links of kept events.
   */
  async prune(options: PruneOptions): Promise<PruneReport> {
    if (!this.#writable && !options.dryRun) throw new TraceError('E_STORE', `${this.location} was opened for reading`);
    return this.#read(async () => {
      const cutoff = options.olderThan;
      const run = options.includeRuns ? '0' : `X.kind IN (SELECT id FROM kinds WHERE primitive = 'run')`;
      const old = (alias: string) => `${alias}.ts < ${Number(cutoff)} AND ${alias}.seq < (SELECT max(seq) FROM events)`;
      const prunable = (alias: string) => `(${old(alias)} AND NOT (${run.replaceAll('X.', `${alias}.`)}))`;
      const work = () => {
        const counts = this.#sqlite.prepare(`SELECT
            coalesce(sum(${prunable('e')}), 0) AS removable,
            coalesce(sum(e.ts < ${Number(cutoff)} AND NOT ${prunable('e')}), 0) AS kept,
            count(*) AS total
          FROM events e`).get() as { removable: number; kept: number; total: number };
        if (!options.dryRun && counts.removable > 0) {
          // Every pruned event a kept one still names (parent by seq or by id, or a cause) is
          // remembered, so that readers tell a pruned cause from a missing one.
          this.#sqlite.prepare(`INSERT OR IGNORE INTO pruned_parents (seq, id)
            SELECT p.seq, p.id FROM events p WHERE ${prunable('p')}
              AND (EXISTS (SELECT 1 FROM events c WHERE c.parent = p.seq AND NOT ${prunable('c')})
                OR EXISTS (SELECT 1 FROM events c WHERE c.parent_id = p.id AND NOT ${prunable('c')})
                OR EXISTS (SELECT 1 FROM event_causes x JOIN events c ON c.seq = x.seq WHERE x.cause = p.id AND NOT ${prunable('c')}))`).run();
          this.#sqlite.prepare(`INSERT INTO trace_maintenance (reason, started_at) VALUES ('prune', ?)`).run(Date.now());
          this.#sqlite.prepare(`DELETE FROM event_causes WHERE seq IN (SELECT e.seq FROM events e WHERE ${prunable('e')})`).run();
          // By the whole key, so that each row is found through the index rather than by a scan.
          this.#sqlite.prepare(`DELETE FROM event_short_ids WHERE (short, seq) IN (SELECT substr(e.id, 11, 6), e.seq FROM events e WHERE ${prunable('e')})`).run();
          this.#sqlite.prepare(`DELETE FROM events WHERE seq IN (SELECT e.seq FROM events e WHERE ${prunable('e')})`).run();
          rechain(this.#sqlite);
          this.#sqlite.prepare(`DELETE FROM trace_meta WHERE key = 'pruned_at'`).run();
          this.#sqlite.prepare(`INSERT INTO trace_meta (key, value) VALUES ('pruned_at', ?)`).run(String(Date.now()));
          this.#sqlite.prepare(`DELETE FROM trace_maintenance`).run();
        }
        return {
          removed: counts.removable,
          kept: counts.kept,
          remaining: counts.total - (options.dryRun ? 0 : counts.removable),
          dryRun: options.dryRun === true,
        };
      };
      const report = this.#lock.retry(() => this.#sqlite.transaction(work).immediate());
      this.#recentSeqs = new Map();
      this.#readStatements.clear();
      return report;
    });
  }

  async pruned(ids: readonly string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    return this.#read(async () => {
      const blobs = ids.filter((id) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)).map((id) => id.toLowerCase().replaceAll('-', ''));
      if (blobs.length === 0) return [];
      const rows = this.#allRaw(sql<{ id: string }>`SELECT DISTINCT lower(hex(id)) AS id FROM pruned_parents
        WHERE hex(id) IN (SELECT upper(value) FROM json_each(${JSON.stringify(blobs)}))`);
      const found = new Set(rows.map((row) => row.id));
      return ids.filter((id) => found.has(id.toLowerCase().replaceAll('-', '')));
    });
  }

  async appendInferred(edges: readonly InferredEdge[]): Promise<number> {
    if (!this.#writable) throw new TraceError('E_STORE', `${this.location} was opened for reading`);
    if (edges.length === 0) return 0;
    for (const edge of edges) checkEdge(edge);
    const insert = this.#sqlite.prepare('INSERT OR IGNORE INTO inferred_edges (event_id, parent_id, rule, confidence) VALUES (?, ?, ?, ?)');
    const write = this.#sqlite.transaction(() => {
      let added = 0;
      for (const edge of edges) added += insert.run(idToBlob(edge.event_id), idToBlob(edge.parent_id), edge.rule, edge.confidence).changes;
      return added;
    });
    try {
      return this.#lock.retry(() => write.immediate());
    } catch (error) {
      throw toTraceError(error, this.location);
    }
  }

  async registerKinds(registrations: readonly KindRegistration[]): Promise<number> {
    if (!this.#writable) throw new TraceError('E_STORE', `${this.location} was opened for reading`);
    if (registrations.length === 0) return 0;
    const insert = this.#sqlite.prepare('INSERT INTO kind_registrations (primitive, type, definition, registered_at) VALUES (?, ?, ?, ?)');
    // Read and write in one IMMEDIATE transaction: a concurrent registrar waits, then sees this one's rows.
    const write = this.#sqlite.transaction(() => {
      const added = newRegistrations(registrations, this.#storedRegistrations());
      const now = Date.now();
      for (const registration of added) insert.run(registration.primitive, registration.type, registrationDefinition(registration), now);
      return added.length;
    });
    try {
      return this.#lock.retry(() => write.immediate());
    } catch (error) {
      throw toTraceError(error, this.location);
    }
  }

  async registrations(): Promise<KindRegistration[]> {
    // A store opened for reading below version 6 (not migrated) has no registrations.
    if (this.version < 6) return [];
    return this.#read(async () => this.#storedRegistrations());
  }

  #storedRegistrations(): KindRegistration[] {
    const rows = this.#sqlite.prepare('SELECT primitive, type, definition FROM kind_registrations ORDER BY primitive, type').raw(true).all() as [string, string, string][];
    return rows.map(([primitive, type, definition]) => registrationOfRow(primitive, type, definition, this.location));
  }

  async inferredEdges(ids: readonly string[], direction: 'parents' | 'children'): Promise<InferredEdge[]> {
    // A store opened for reading below version 4 (not migrated: nobody may write it) has no inferred edges.
    if (ids.length === 0 || this.version < 4) return [];
    return this.#read(async () => {
      // Most stores have no inferred edges; a causality tree asks about every event it holds.
      if (this.#sqlite.prepare('SELECT 1 FROM inferred_edges LIMIT 1').get() === undefined) return [];
      const hex = [...new Set(ids.filter((id) => isEventId(id.toLowerCase())).map((id) => id.toLowerCase().replaceAll('-', '').toUpperCase()))];
      if (hex.length === 0) return [];
      const column = direction === 'parents' ? 'event_id' : 'parent_id';
      const rows = this.#sqlite
        .prepare(`SELECT lower(hex(event_id)), lower(hex(parent_id)), rule, confidence FROM inferred_edges
          WHERE ${column} IN (SELECT unhex(value) FROM json_each(?)) ORDER BY event_id, confidence DESC, parent_id, rule`)
        .raw(true)
        .all(JSON.stringify(hex)) as Array<[string, string, string, number]>;
      return rows.map(([event, parent, rule, confidence]) => ({ event_id: hexToId(event), parent_id: hexToId(parent), rule, confidence }));
    });
  }

  async verify(): Promise<StoreCheck[]> {
    return this.#read(async () => verifySqliteStore(this.#sqlite, this.version));
  }

  async close(): Promise<void> {
    this.closeSync();
  }

  closeSync(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#sqlite.close();
    this.#cleanup();
  }

  async #read<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw toTraceError(error, this.location);
    }
  }
}

const same = (event: TraceEvent) => event;
/** Rows a read without includePrivate may count or name: `private` is NULL on every other row. */
function visibleRows(options: { includePrivate?: boolean }): RawBuilder<SqlBool> {
  return options.includePrivate === true ? sql<SqlBool>`1` : sql<SqlBool>`e.private IS NULL`;
}

const hidePrivate = (event: TraceEvent) => (event.private ? privatePlaceholder(event) : event);

function decodeCursor(cursor: string | null | undefined): number {
  if (cursor === null || cursor === undefined) return 0;
  if (!/^\d+$/.test(cursor)) throw new TraceError('E_USAGE', `cursor: expected a SQLite store cursor (a number), got ${JSON.stringify(cursor)}`);
  return Number(cursor);
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

interface LockWait {
  busyTimeoutMs: number;
  /** Runs `work`, retrying while another process holds the lock, up to the store's lock timeout. */
  retry<T>(work: () => T): T;
}

/**
 * How long to wait for another process's write lock. SQLite's busy handler waits up to
 * `busyTimeoutMs` per statement; a statement that still finds the lock taken is retried after a
 * short random pause (so that waiting writers do not wake in step) until `lockTimeoutMs` has
 * passed, or MAX_BUSY_RETRIES times when no lock timeout is set. Then it fails with
 * `E_STORE_LOCKED`, so that the caller can spool instead.
 */
function lockWait(path: string, options: SqliteStoreOptions): LockWait {
  const lockTimeoutMs = options.lockTimeoutMs;
  const busyTimeoutMs = Math.max(0, Math.min(options.busyTimeoutMs ?? 10_000, lockTimeoutMs ?? Infinity));
  return {
    busyTimeoutMs,
    retry<T>(work: () => T): T {
      const started = Date.now();
      for (let attempt = 0; ; attempt++) {
        try {
          return work();
        } catch (error) {
          if (!isBusy(error)) throw error;
          const waited = Date.now() - started;
          const exhausted = lockTimeoutMs === undefined ? attempt >= MAX_BUSY_RETRIES : waited >= lockTimeoutMs;
          if (exhausted) {
            throw new TraceError('E_STORE_LOCKED', `${path} is locked by another process (waited ${(waited / 1000).toFixed(1)} s for its write lock)`, { cause: error });
          }
          const pause = 5 + Math.random() * 20 * Math.min(attempt + 1, 10);
          sleepSync(lockTimeoutMs === undefined ? pause : Math.min(pause, Math.max(1, lockTimeoutMs - waited)));
        }
      }
    },
  };
}

/**
 * Readers bring an older store up to date when they may write to it; otherwise (read-only file,
 * another user's store, a writer holding the lock) they read it at its version, which every later
 * version can read.
 */
function migrateIfWritable(path: string, lock: LockWait): void {
  let writer: Database.Database | undefined;
  try {
    writer = new Database(path, { fileMustExist: true, timeout: Math.min(lock.busyTimeoutMs, 1000) });
    if (writer.readonly) return;
    const db = writer;
    db.pragma('journal_mode = WAL');
    migrate(db, path);
  } catch (error) {
    if (!isPermissionFailure(error) && !isBusy(error)) throw error;
  } finally {
    writer?.close();
  }
}

/**
 * Which events name these ids in `causes`, for a walk. Each id of a walk is probed in the
 * event_causes index; once the probes have cost what reading the whole table once would, the
 * table is read and the rest of the answers come from memory (the ski-rental rule: a walk pays at
 * most twice the cheaper way). Reading a row into the map costs about twice probing an id (9,843
 * rows: 9.6 ms; 10,000 probes: 5.2 ms), so the table is read once a walk has probed twice as many
 * ids as it has rows. A walk that stays small never reads it (99,221 events walked with 1,964
 * fan-in rows: about a fifth of the walk's time saved).
 */
const PROBES_PER_ROW_READ = 2;

class FanInLookup {
  #probed = 0;
  #rows: number | undefined;
  #effects: Map<string, number[]> | undefined;

  constructor(private readonly sqlite: Database.Database) {}

  /** The seqs of the events caused by these ids through `causes`, or null: ask the index. */
  effectsOf(ids: readonly string[]): number[] | null {
    if (this.#effects === undefined) {
      this.#probed += ids.length;
      if (this.#probed < FAN_IN_SCAN_AFTER) return null;
      this.#rows ??= (this.sqlite.prepare('SELECT count(*) FROM event_causes').pluck().get() as number);
      if (this.#probed < this.#rows * PROBES_PER_ROW_READ) return null;
      this.#effects = new Map();
      for (const [cause, seq] of this.sqlite.prepare('SELECT hex(cause), seq FROM event_causes').raw().all() as Array<[string, number]>) {
        const id = hexToId(cause);
        const list = this.#effects.get(id);
        if (list) list.push(seq);
        else this.#effects.set(id, [seq]);
      }
    }
    const seqs: number[] = [];
    for (const id of ids) for (const seq of this.#effects.get(id.toLowerCase()) ?? []) seqs.push(seq);
    return seqs;
  }
}
