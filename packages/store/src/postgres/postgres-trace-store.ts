import { userInfo } from 'node:os';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type Pg from 'pg';
import { Kysely, PostgresDialect, sql, type RawBuilder, type SqlBool } from 'kysely';
import { EventCatalog, TraceError, type KindRegistration, type PreparedEvent, type TraceEvent } from '@tracekernel/schema';
import { newRegistrations, registrationDefinition, registrationOfRow } from '../kind-registrations.js';
import { byTimeThenId, chainFromWalk, privatePlaceholder } from '../event-order.js';
import { followChanges } from '../follow-changes.js';
import { shortIdQuery } from '../short-id-query.js';
import { checkEdge } from '../inferred-edge.js';
import { describePostgres, redactLocation } from '../store-location.js';
import type {
  InferredEdge,
  Ancestry, AppendResult, ChangeBatch, ChangesOptions, EventQuery, FollowOptions, NameUsage, PruneOptions, PruneReport,
  StoreStats, TraceStore,
} from '../trace-store.js';
import type { EventRow, PostgresDatabase } from './postgres-database.js';
import { toTraceError } from './postgres-errors.js';
import { COPY_COLUMNS, copyRows } from './postgres-copy-rows.js';
import { decodeCursor, encodeCursor, idsToArrayLiteral } from './postgres-id-codec.js';
import { LATEST_POSTGRES_VERSION, PRUNE_SETTING, migrate, readStoreVersion } from './postgres-migrations.js';

export interface PostgresStoreOptions {
  /** A `postgres://` or `postgresql://` URL. */
  url: string;
  /** `read` refuses to create a store; `write` creates its tables in an empty database. */
  mode?: 'read' | 'write';
  catalog?: EventCatalog;
  /** Connections in the pool (default 4). */
  poolSize?: number;
  /**
   * Called with every statement the store's reads and migrations run (not a batch's COPY), for
   * diagnostics: logging slow queries, or EXPLAINing them as the plan test does.
   */
  onQuery?: (query: { sql: string; parameters: readonly unknown[]; durationMs: number }) => void;
}

/** Every event read selects these columns, so that one decoder serves every read. */
const EVENT_COLUMNS = sql.raw(`e.seq, e.xid::text AS xid, e.id::text AS id, e.ts, e.primitive, e.type, e.agent, e.target,
  e.session, e.parent_id::text AS parent_id, e.causes::text[] AS causes, e.idempotency_key, e.schema_version, e.private, e.metadata`);

/** int8 as a number: ts and seq stay far below 2^53. */
function typeParsers(pg: typeof Pg) {
  return {
    getTypeParser(oid: number, format?: 'text' | 'binary') {
      if (oid === 20) return (value: string) => Number(value);
      return pg.types.getTypeParser(oid, format as 'text');
    },
  };
}

/** A unique index refused a row: some event of the batch is already stored (or twice in it). */
const UNIQUE_VIOLATION = '23505';

/**
 * The shared store: PostgreSQL through kysely's PostgresDialect over a pg pool. A batch is one
 * transaction whatever its size: a COPY of its events when they are all new, else one statement
 * that skips the duplicates.
 */
export class PostgresTraceStore implements TraceStore {
  readonly location: string;
  readonly version: number;
  readonly parallelAppends = 2;
  readonly #db: Kysely<PostgresDatabase>;
  readonly #pool: Pg.Pool;
  readonly #url: string;
  readonly #linkFields: Map<string, string>;
  readonly #writable: boolean;
  #closed = false;

  static async open(options: PostgresStoreOptions): Promise<PostgresTraceStore> {
    const { url, mode = 'read' } = options;
    const where = `PostgreSQL at ${describePostgres(url)}`;
    // Loaded here, not at the top: importing pg (which loads Node's fetch to detect Cloudflare)
    // was the largest part of the start-up of every process that opens a SQLite store.
    const { default: pg } = await import('pg');
    const pool = new pg.Pool({
      connectionString: url,
      max: options.poolSize ?? 4,
      types: typeParsers(pg),
      connectionTimeoutMillis: 10_000,
      // Without a user in the URL or PGUSER, log in as the OS user, as psql does.
      ...(new URL(url).username || process.env.PGUSER ? {} : { user: userInfo().username }),
    });
    // An idle client's error (server restart) must not crash the process; the next query reports it.
    pool.on('error', () => {});
    const { onQuery } = options;
    const db = new Kysely<PostgresDatabase>({
      dialect: new PostgresDialect({ pool }),
      ...(onQuery
        ? { log: (event) => onQuery({ sql: event.query.sql, parameters: event.query.parameters, durationMs: event.queryDurationMillis }) }
        : {}),
    });
    try {
      let version: number;
      if (mode === 'write') {
        version = await migrate(db, where);
      } else {
        version = await readStoreVersion(db, where);
        if (version === 0) throw new TraceError('E_NO_STORE', `no trace store in ${where} (open it for writing, or run trace init --store URL)`);
        if (version < LATEST_POSTGRES_VERSION) version = await migrate(db, where);
      }
      return new PostgresTraceStore(db, pool, url, version, options.catalog ?? new EventCatalog(), mode === 'write');
    } catch (error) {
      await db.destroy().catch(() => {});
      throw toTraceError(error, url);
    }
  }

  private constructor(db: Kysely<PostgresDatabase>, pool: Pg.Pool, url: string, version: number, catalog: EventCatalog, writable: boolean) {
    this.#db = db;
    this.#pool = pool;
    this.#url = url;
    this.location = redactLocation(url);
    this.version = version;
    this.#writable = writable;
    this.#linkFields = new Map();
    for (const primitive of catalog.primitives()) {
      for (const [type, definition] of Object.entries(catalog.primitive(primitive).types)) {
        if (definition.targetParentField) this.#linkFields.set(`${primitive}.${type}`, definition.targetParentField);
      }
    }
  }

  // ---- writing -------------------------------------------------------------------------------

  async append(events: readonly PreparedEvent[]): Promise<AppendResult[]> {
    if (!this.#writable) throw new TraceError('E_STORE', `${this.location} was opened for reading`);
    if (events.length === 0) return [];
    try {
      if (await this.#copyNew(events)) return events.map(({ event }) => ({ id: event.id, inserted: true }));
      return await this.#insertSkippingDuplicates(events);
    } catch (error) {
      throw toTraceError(error, this.#url);
    }
  }

  /** The event's target link (parent task → this target), if its type states one. */
  #link(event: PreparedEvent['event']): { parent: string; child: string } | undefined {
    const linkField = this.#linkFields.get(`${event.primitive}.${event.type}`);
    const parentTarget = linkField === undefined ? undefined : event.metadata[linkField];
    return typeof parentTarget === 'string' && event.target_id !== null ? { parent: parentTarget, child: event.target_id } : undefined;
  }

  /**
   * The common case, every event new: one transaction of a COPY of the events (measured: 18 µs of
   * server CPU per event against 30 for the `unnest` insert below) and one statement for their
   * causes and target links. A unique index refuses the COPY as soon as one event is already
   * stored, also by a concurrent writer (it waits for that writer's commit first); the batch is
   * then rolled back and this returns false, for the path that skips duplicates. Nothing of a
   * refused batch stays visible.
   */
  async #copyNew(events: readonly PreparedEvent[]): Promise<boolean> {
    const causes = { cause: [] as string[], event: [] as string[] };
    const links = { parent: [] as string[], child: [] as string[] };
    for (const { event } of events) {
      for (const cause of event.causes) {
        causes.cause.push(cause);
        causes.event.push(event.id);
      }
      const link = this.#link(event);
      if (link) {
        links.parent.push(link.parent);
        links.child.push(link.child);
      }
    }
    // A COPY alone is one transaction: only a batch with causes or links needs BEGIN and COMMIT
    // (two round trips more).
    const edges = causes.cause.length > 0 || links.parent.length > 0;
    const client = await this.#pool.connect();
    let broken: Error | undefined;
    try {
      if (edges) await client.query('BEGIN');
      try {
        // Loaded with pg, on the first PostgreSQL append: a CLI start that never writes to PostgreSQL skips both.
        // A CommonJS module: its exports are the default export, in Node and in the CLI's bundle alike.
        const { default: copyStreams } = await import('pg-copy-streams');
        await pipeline(Readable.from([copyRows(events)]), client.query(copyStreams.from(`COPY events ${COPY_COLUMNS} FROM STDIN`)));
      } catch (error) {
        if (edges) await client.query('ROLLBACK');
        if ((error as { code?: string }).code === UNIQUE_VIOLATION) return false;
        throw error;
      }
      if (edges) {
        await client.query(
          `WITH fan_in AS (
             INSERT INTO event_causes (cause, event) SELECT DISTINCT * FROM unnest($1::uuid[], $2::uuid[]) ON CONFLICT DO NOTHING
           )
           INSERT INTO target_links (parent, child) SELECT DISTINCT * FROM unnest($3::text[], $4::text[]) ON CONFLICT DO NOTHING`,
          [causes.cause, causes.event, links.parent, links.child],
        );
        await client.query('COMMIT');
      }
      return true;
    } catch (error) {
      // A connection whose transaction state is unknown is not handed to the next batch.
      broken = error as Error;
      throw error;
    } finally {
      client.release(broken);
    }
  }

  /** A batch with duplicates: one statement inserts the new events and skips the others. */
  async #insertSkippingDuplicates(events: readonly PreparedEvent[]): Promise<AppendResult[]> {
    const columns = {
      id: [] as string[], ts: [] as number[], primitive: [] as string[], type: [] as string[],
      agent: [] as (string | null)[], target: [] as (string | null)[], session: [] as (string | null)[],
      parent: [] as (string | null)[], causes: [] as (string | null)[], key: [] as (string | null)[],
      version: [] as number[], private: [] as boolean[], metadata: [] as string[],
    };
    // Target links travel with the event that states them, and are kept only if that event is inserted.
    const links = { event: [] as string[], parent: [] as string[], child: [] as string[] };
    for (const { event, metadataJson } of events) {
      columns.id.push(event.id);
      columns.ts.push(event.ts);
      columns.primitive.push(event.primitive);
      columns.type.push(event.type);
      columns.agent.push(event.agent_id);
      columns.target.push(event.target_id);
      columns.session.push(event.session_id);
      columns.parent.push(event.parent_event_id);
      columns.causes.push(idsToArrayLiteral(event.causes));
      columns.key.push(event.idempotency_key);
      columns.version.push(event.schema_version);
      columns.private.push(event.private === true);
      columns.metadata.push(metadataJson);
      const link = this.#link(event);
      if (link) {
        links.event.push(event.id);
        links.parent.push(link.parent);
        links.child.push(link.child);
      }
    }
    // One statement, so one round trip and one transaction whatever the batch's size: the
    // events, their causes and their target links. unnest keeps the batch's order, and ON
    // CONFLICT DO NOTHING skips a duplicate id or key (also one earlier in the same batch) after
    // waiting for a concurrent writer of it. Only a count comes back, with the transaction's id
    // to find the inserted rows by in the rare batch that had duplicates.
    const { rows } = await sql<{ inserted: number; xid: string }>`
      WITH ins AS (
        INSERT INTO events (id, ts, primitive, type, agent, target, session, parent_id, causes, idempotency_key, schema_version, private, metadata)
        SELECT id, ts, primitive, type, agent, target, session, parent_id, causes::uuid[], idempotency_key, schema_version, private, metadata::json
        FROM unnest(${columns.id}::uuid[], ${columns.ts}::int8[], ${columns.primitive}::text[], ${columns.type}::text[],
          ${columns.agent}::text[], ${columns.target}::text[], ${columns.session}::text[], ${columns.parent}::uuid[],
          ${columns.causes}::text[], ${columns.key}::text[], ${columns.version}::int2[], ${columns.private}::bool[], ${columns.metadata}::text[])
          AS t (id, ts, primitive, type, agent, target, session, parent_id, causes, idempotency_key, schema_version, private, metadata)
        ON CONFLICT DO NOTHING
        RETURNING id, causes
      ),
      fan_in AS (
        INSERT INTO event_causes (cause, event)
        SELECT DISTINCT unnest(ins.causes), ins.id FROM ins WHERE ins.causes IS NOT NULL
        ON CONFLICT DO NOTHING
      ),
      linked AS (
        INSERT INTO target_links (parent, child)
        SELECT DISTINCT l.parent, l.child
        FROM unnest(${links.event}::uuid[], ${links.parent}::text[], ${links.child}::text[]) AS l (event, parent, child)
        WHERE l.event IN (SELECT id FROM ins)
        ON CONFLICT DO NOTHING
      )
      SELECT (SELECT count(*) FROM ins)::int4 AS inserted, pg_current_xact_id()::text AS xid`.execute(this.#db);
    const { inserted, xid } = rows[0]!;
    if (inserted === events.length) return events.map(({ event }) => ({ id: event.id, inserted: true }));
    return await this.#sortOutDuplicates(events, inserted, xid);
  }

  /**
   * A batch in which some events were skipped: the rows its transaction wrote say which went in
   * (the first of two copies of an id in one batch, as unnest inserts in order), and a skipped
   * event with an idempotency key reports the id stored under that key.
   */
  async #sortOutDuplicates(events: readonly PreparedEvent[], inserted: number, xid: string): Promise<AppendResult[]> {
    const fresh = new Set<string>();
    if (inserted > 0) {
      const { rows } = await sql<{ id: string }>`SELECT id::text AS id FROM events
        WHERE xid = ${xid}::xid8 AND id = ANY(${events.map(({ event }) => event.id)}::uuid[])`.execute(this.#db);
      for (const row of rows) fresh.add(row.id);
    }
    const results: AppendResult[] = [];
    const skippedKeys: string[] = [];
    for (const { event } of events) {
      const isNew = fresh.delete(event.id);
      results.push({ id: event.id, inserted: isNew });
      if (!isNew && event.idempotency_key !== null) skippedKeys.push(event.idempotency_key);
    }
    if (skippedKeys.length > 0) {
      const { rows } = await sql<{ id: string; key: string }>`
        SELECT id::text AS id, idempotency_key AS key FROM events WHERE idempotency_key = ANY(${skippedKeys}::text[])`.execute(this.#db);
      const owner = new Map(rows.map((row) => [row.key, row.id]));
      events.forEach(({ event }, i) => {
        if (!results[i]!.inserted && event.idempotency_key !== null) results[i]!.id = owner.get(event.idempotency_key) ?? event.id;
      });
    }
    return results;
  }

  // ---- reading -------------------------------------------------------------------------------

  async #rows(query: RawBuilder<EventRow>): Promise<EventRow[]> {
    return (await query.execute(this.#db)).rows;
  }

  async get(ids: readonly string[], options: { includePrivate?: boolean } = {}): Promise<TraceEvent[]> {
    if (ids.length === 0) return [];
    return this.#read(async () => {
      const rows = await this.#rows(sql`SELECT ${EVENT_COLUMNS} FROM events e
        WHERE e.id = ANY(${validUuids(ids)}::uuid[]) ${privateFilter(options.includePrivate)}`);
      return rows.map(decode).sort(byTimeThenId);
    });
  }

  async matchShortId(shortId: string, options: { limit?: number; includePrivate?: boolean } = {}): Promise<string[]> {
    const { digits, limit } = shortIdQuery(shortId, options.limit);
    return this.#read(async () => {
      // The same expression as events_by_short_id; `digits` is hex only, so LIKE sees no wildcard but ours.
      const { rows } = await sql<{ id: string }>`SELECT e.id::text AS id FROM events e
        WHERE right(e.id::text, 12) LIKE ${`${digits}%`} ${privateFilter(options.includePrivate)}
        ORDER BY e.ts, e.id LIMIT ${limit}`.execute(this.#db);
      return rows.map((row) => row.id);
    });
  }

  async getByIdempotencyKey(key: string): Promise<TraceEvent | undefined> {
    return this.#read(async () => {
      const rows = await this.#rows(sql`SELECT ${EVENT_COLUMNS} FROM events e WHERE e.idempotency_key = ${key}`);
      return rows.map(decode)[0];
    });
  }

  /** The WHERE conditions of an EventQuery, shared by query and changes. */
  #conditions(query: EventQuery, withTime: boolean): RawBuilder<unknown>[] | null {
    const conditions: RawBuilder<unknown>[] = [];
    if (query.agent !== undefined) conditions.push(sql`e.agent = ${query.agent}`);
    if (query.targets !== undefined) {
      if (query.targets.length === 0) return null;
      conditions.push(sql`e.target = ANY(${[...query.targets]}::text[])`);
    }
    if (query.kinds !== undefined) {
      const primitives = query.kinds.filter((kind) => !kind.includes('.'));
      const pairs = query.kinds.filter((kind) => kind.includes('.'));
      const either: RawBuilder<unknown>[] = [];
      if (primitives.length > 0) either.push(sql`e.primitive = ANY(${primitives}::text[])`);
      if (pairs.length > 0) either.push(sql`(e.primitive || '.' || e.type) = ANY(${pairs}::text[])`);
      if (either.length === 0) return null;
      conditions.push(sql`(${sql.join(either, sql` OR `)})`);
    }
    if (withTime && query.since !== undefined) conditions.push(sql`e.ts >= ${query.since}`);
    if (withTime && query.until !== undefined) conditions.push(sql`e.ts < ${query.until}`);
    if (!query.includePrivate) conditions.push(sql`NOT e.private`);
    return conditions;
  }

  async query(query: EventQuery): Promise<TraceEvent[]> {
    return this.#read(async () => {
      const conditions = this.#conditions(query, true);
      if (conditions === null) return [];
      const where = conditions.length === 0 ? sql`` : sql`WHERE ${sql.join(conditions, sql` AND `)}`;
      const direction = sql.raw(query.order === 'desc' ? 'DESC' : 'ASC');
      const limit = query.limit === undefined ? sql`` : sql`LIMIT ${query.limit}`;
      const rows = await this.#rows(sql`SELECT ${EVENT_COLUMNS} FROM events e ${where}
        ORDER BY e.ts ${direction}, e.id ${direction} ${limit}`);
      return rows.map(decode);
    });
  }

  async descendants(ids: readonly string[], options: { limit?: number; includePrivate?: boolean } = {}): Promise<TraceEvent[]> {
    if (ids.length === 0) return [];
    return this.#read(async () => {
      // UNION visits each event once, so fan-in and accidental cycles terminate. The rows are then
      // fetched by id as an array: the planner guesses a recursive CTE at hundreds of times its
      // seed, and a join against that guess became a merge join over the whole id index (1.1 s
      // instead of 15 ms for a 500-event task at 1M events; see docs/postgres.md).
      const rows = await this.#rows(sql`
        WITH RECURSIVE reached(id) AS (
          SELECT unnest(${validUuids(ids)}::uuid[])
          UNION
          SELECT x.id FROM reached r, LATERAL (
            SELECT e.id FROM events e WHERE e.parent_id = r.id
            UNION ALL
            SELECT c.event FROM event_causes c WHERE c.cause = r.id
          ) x
        )
        SELECT ${EVENT_COLUMNS} FROM events e
        WHERE e.id = ANY(ARRAY(SELECT id FROM reached)) AND e.id <> ALL(${validUuids(ids)}::uuid[])`);
      const events = rows.map(decode).map((event) => (event.private && !options.includePrivate ? privatePlaceholder(event) : event)).sort(byTimeThenId);
      return options.limit === undefined ? events : events.slice(0, options.limit);
    });
  }

  /** One batch: the recursive query finds the whole walk before it returns a row. */
  async *descendantBatches(ids: readonly string[], options: { includePrivate?: boolean } = {}): AsyncIterable<TraceEvent[]> {
    const events = await this.descendants(ids, options);
    if (events.length > 0) yield events;
  }

  async ancestors(id: string, options: { maxDepth?: number; includePrivate?: boolean } = {}): Promise<Ancestry> {
    return this.#read(async () => {
      const maxDepth = options.maxDepth ?? 10_000;
      const rows = await this.#rows(sql`
        WITH RECURSIVE up(id, depth) AS (
          SELECT id, 0 FROM events WHERE id = ${validUuids([id])[0] ?? null}::uuid
          UNION ALL
          SELECT e.parent_id, up.depth + 1 FROM up JOIN events e ON e.id = up.id
          WHERE e.parent_id IS NOT NULL AND up.depth < ${maxDepth}
        )
        SELECT ${EVENT_COLUMNS} FROM up JOIN events e ON e.id = up.id ORDER BY up.depth`);
      const walk = rows.map(decode).map((event) => (event.private && !options.includePrivate ? privatePlaceholder(event) : event));
      return chainFromWalk(walk);
    });
  }

  async descendantTargets(targets: readonly string[]): Promise<string[]> {
    if (targets.length === 0) return [];
    return this.#read(async () => {
      const { rows } = await sql<{ name: string }>`
        WITH RECURSIVE below(name) AS (
          SELECT l.child FROM target_links l WHERE l.parent = ANY(${[...targets]}::text[])
          UNION
          -- OFFSET 0 keeps the lateral from being flattened into a join: the planner would hash
          -- or merge the whole table against its guess at the CTE, where an index probe per
          -- target reached is what stays cheap as the links grow.
          SELECT x.child FROM below b, LATERAL (SELECT l.child FROM target_links l WHERE l.parent = b.name OFFSET 0) x
        )
        SELECT name FROM below WHERE name <> ALL(${[...targets]}::text[]) ORDER BY name`.execute(this.#db);
      return rows.map((row) => row.name);
    });
  }

  async nameUsage(name: string, options: { includePrivate?: boolean } = {}): Promise<NameUsage> {
    return this.#read(async () => {
      const visible = visibleRows(options);
      const asAgent = await this.#db.selectFrom('events').select('seq').where('agent', '=', name).where(visible).limit(1).executeTakeFirst();
      const kinds = await this.#db.selectFrom('events').select('primitive').distinct().where('target', '=', name).where(visible).execute();
      return { asAgent: asAgent !== undefined, asTargetOf: kinds.map((kind) => kind.primitive) };
    });
  }

  async stats(options: { includePrivate?: boolean } = {}): Promise<StoreStats> {
    return this.#read(async () => {
      const visible = visibleRows(options);
      const byType = await this.#db
        .selectFrom('events')
        .where(visible)
        .select(['primitive', 'type', (eb) => eb.fn.countAll<number>().as('count')])
        .groupBy(['primitive', 'type'])
        .orderBy('count', 'desc')
        .execute();
      const byAgent = await this.#db
        .selectFrom('events')
        .where(visible)
        .select(['agent', (eb) => eb.fn.countAll<number>().as('count')])
        .groupBy('agent')
        .orderBy('count', 'desc')
        .execute();
      const span = await this.#db
        .selectFrom('events')
        .where(visible)
        .select((eb) => [eb.fn.min<number | null>('ts').as('first'), eb.fn.max<number | null>('ts').as('last')])
        .executeTakeFirstOrThrow();
      const privateRows = await this.#db
        .selectFrom('events')
        .where(sql<SqlBool>`private`)
        .select((eb) => eb.fn.countAll<number>().as('count'))
        .executeTakeFirstOrThrow();
      const { rows } = await sql<{ bytes: number }>`
        SELECT (pg_total_relation_size('events') + pg_total_relation_size('event_causes') + pg_total_relation_size('target_links'))::int8 AS bytes`.execute(this.#db);
      const byPrimitive = new Map<string, number>();
      for (const row of byType) byPrimitive.set(row.primitive, (byPrimitive.get(row.primitive) ?? 0) + Number(row.count));
      return {
        events: byType.reduce((sum, row) => sum + Number(row.count), 0),
        firstTs: span.first === null ? null : Number(span.first),
        lastTs: span.last === null ? null : Number(span.last),
        byPrimitive: [...byPrimitive].map(([primitive, count]) => ({ primitive, count })).sort((a, b) => b.count - a.count),
        byType: byType.map((row) => ({ primitive: row.primitive, type: row.type, count: Number(row.count) })),
        byAgent: byAgent.map((row) => ({ agent: row.agent, count: Number(row.count) })),
        bytes: rows[0]!.bytes,
        schemaVersion: this.version,
        privateEvents: Number(privateRows.count),
      };
    });
  }

  // ---- following -----------------------------------------------------------------------------

  async changes(query: EventQuery, options: ChangesOptions = {}): Promise<ChangeBatch> {
    const after = decodeCursor(options.after);
    const limit = options.limit ?? 1_000;
    return this.#read(async () => {
      const conditions = this.#conditions(query, true) ?? [sql`false`];
      // Only transactions below the oldest one still running are final: a later one may still
      // commit with a smaller seq than rows already visible. Reading below it never skips a late
      // commit. Transactions that another database's sessions run cannot write these tables, so
      // they do not hold the horizon back (the snapshot's own xmin would: one long transaction
      // anywhere on the server would stall every follower). An xid not known to be another
      // database's is kept, which errs on the side of waiting.
      const { rows: horizonRows } = await sql<{ horizon: string; last: string | null }>`
        WITH s AS (SELECT pg_current_snapshot() AS snap),
        elsewhere AS (
          SELECT a.backend_xid AS x FROM pg_stat_activity a
          WHERE a.backend_xid IS NOT NULL AND a.datname IS DISTINCT FROM current_database() AND a.datid IS NOT NULL
          UNION ALL
          SELECT p.transaction FROM pg_prepared_xacts p WHERE p.database <> current_database()
        ),
        h AS (
          SELECT coalesce(
            (SELECT min(r.x) FROM pg_snapshot_xip(s.snap) AS r(x) WHERE NOT EXISTS (SELECT 1 FROM elsewhere o WHERE o.x = xid(r.x))),
            pg_snapshot_xmax(s.snap)) AS x
          FROM s
        )
        SELECT h.x::text AS horizon,
          (SELECT e.xid::text || ':' || e.seq FROM events e WHERE e.xid < h.x ORDER BY e.xid DESC, e.seq DESC LIMIT 1) AS last
        FROM h`.execute(this.#db);
      const { horizon, last } = horizonRows[0]!;
      const rows = await this.#rows(sql`SELECT ${EVENT_COLUMNS} FROM events e
        WHERE e.xid < ${horizon}::xid8 AND (e.xid, e.seq) > (${after.xid}::xid8, ${after.seq}::int8)
          ${conditions.length === 0 ? sql`` : sql`AND ${sql.join(conditions, sql` AND `)}`}
        ORDER BY e.xid, e.seq LIMIT ${limit}`);
      const events = rows.map(decode);
      const cursors = rows.map((row) => encodeCursor(row.xid, row.seq));
      let cursor: string | null = options.after ?? null;
      if (rows.length === limit) cursor = encodeCursor(rows[rows.length - 1]!.xid, rows[rows.length - 1]!.seq);
      else if (last !== null && compareCursor(last, cursor) > 0) cursor = last;
      return { events, cursors, cursor };
    });
  }

  follow(query: EventQuery, options: FollowOptions = {}): AsyncIterable<ChangeBatch> {
    return followChanges(this, query, options);
  }

  // ---- retention -----------------------------------------------------------------------------

  async prune(options: PruneOptions): Promise<PruneReport> {
    if (!this.#writable && !options.dryRun) throw new TraceError('E_STORE', `${this.location} was opened for reading`);
    return this.#read(() =>
      this.#db.transaction().execute(async (trx) => {
        const keepRuns = options.includeRuns ? sql`false` : sql`e.primitive = 'run'`;
        const { rows } = await sql<{ removable: number; kept: number; total: number }>`
          SELECT count(*) FILTER (WHERE e.ts < ${options.olderThan} AND NOT (${keepRuns}))::int8 AS removable,
                 count(*) FILTER (WHERE e.ts < ${options.olderThan} AND (${keepRuns}))::int8 AS kept,
                 count(*)::int8 AS total
          FROM events e`.execute(trx);
        const { removable, kept, total } = rows[0]!;
        if (!options.dryRun && removable > 0) {
          await sql`SELECT set_config(${PRUNE_SETTING}, 'on', true)`.execute(trx);
          // Every pruned event a kept one still names (as parent or cause) is remembered, so that
          // readers tell a pruned cause from a missing one.
          const gone = sql`e.ts < ${options.olderThan} AND NOT (${keepRuns})`;
          const kept = (alias: string) =>
            sql.raw(`NOT (${alias}.ts < ${Number(options.olderThan)}${options.includeRuns ? '' : ` AND ${alias}.primitive <> 'run'`})`);
          await sql`INSERT INTO pruned_events (id)
            SELECT e.id FROM events e WHERE ${gone} AND (
              EXISTS (SELECT 1 FROM events k WHERE k.parent_id = e.id AND ${kept('k')})
              OR EXISTS (SELECT 1 FROM event_causes c JOIN events k ON k.id = c.event WHERE c.cause = e.id AND ${kept('k')}))
            ON CONFLICT DO NOTHING`.execute(trx);
          await sql`DELETE FROM event_causes c USING events e
            WHERE c.event = e.id AND e.ts < ${options.olderThan} AND NOT (${keepRuns})`.execute(trx);
          await sql`DELETE FROM events e WHERE e.ts < ${options.olderThan} AND NOT (${keepRuns})`.execute(trx);
        }
        return { removed: removable, kept, remaining: total - (options.dryRun ? 0 : removable), dryRun: options.dryRun === true };
      }),
    );
  }

  async pruned(ids: readonly string[]): Promise<string[]> {
    const valid = validUuids(ids);
    if (valid.length === 0) return [];
    return this.#read(async () => {
      const { rows } = await sql<{ id: string }>`SELECT id::text AS id FROM pruned_events WHERE id = ANY(${valid}::uuid[])`.execute(this.#db);
      const found = new Set(rows.map((row) => row.id));
      return ids.filter((id) => found.has(id.toLowerCase()));
    });
  }

  async appendInferred(edges: readonly InferredEdge[]): Promise<number> {
    if (!this.#writable) throw new TraceError('E_STORE', `${this.location} was opened for reading`);
    if (edges.length === 0) return 0;
    for (const edge of edges) checkEdge(edge);
    return this.#read(async () => {
      const { rows } = await sql<{ added: number }>`WITH ins AS (
          INSERT INTO inferred_edges (event_id, parent_id, rule, confidence)
          SELECT * FROM unnest(${edges.map((edge) => edge.event_id)}::uuid[], ${edges.map((edge) => edge.parent_id)}::uuid[],
            ${edges.map((edge) => edge.rule)}::text[], ${edges.map((edge) => edge.confidence)}::float8[])
          ON CONFLICT DO NOTHING RETURNING 1)
        SELECT count(*)::int4 AS added FROM ins`.execute(this.#db);
      return rows[0]!.added;
    });
  }

  async registerKinds(registrations: readonly KindRegistration[]): Promise<number> {
    if (!this.#writable) throw new TraceError('E_STORE', `${this.location} was opened for reading`);
    if (registrations.length === 0) return 0;
    return this.#read(() =>
      this.#db.transaction().execute(async (trx) => {
        // SHARE ROW EXCLUSIVE conflicts with itself: two registrars take turns, the second sees the first's rows.
        await sql`LOCK TABLE kind_registrations IN SHARE ROW EXCLUSIVE MODE`.execute(trx);
        const added = newRegistrations(registrations, await this.#storedRegistrations(trx));
        if (added.length === 0) return 0;
        await sql`INSERT INTO kind_registrations (primitive, type, definition)
          SELECT * FROM unnest(${added.map((r) => r.primitive)}::text[], ${added.map((r) => r.type)}::text[], ${added.map(registrationDefinition)}::text[])`.execute(trx);
        return added.length;
      }),
    );
  }

  async registrations(): Promise<KindRegistration[]> {
    if (this.version < 6) return [];
    return this.#read(() => this.#storedRegistrations(this.#db));
  }

  async #storedRegistrations(db: Kysely<PostgresDatabase>): Promise<KindRegistration[]> {
    const { rows } = await sql<{ primitive: string; type: string; definition: string }>`
      SELECT primitive, type, definition FROM kind_registrations ORDER BY primitive, type`.execute(db);
    return rows.map((row) => registrationOfRow(row.primitive, row.type, row.definition, this.location));
  }

  async inferredEdges(ids: readonly string[], direction: 'parents' | 'children'): Promise<InferredEdge[]> {
    const valid = validUuids(ids);
    if (valid.length === 0) return [];
    return this.#read(async () => {
      const column = direction === 'parents' ? sql.ref('event_id') : sql.ref('parent_id');
      const { rows } = await sql<{ event_id: string; parent_id: string; rule: string; confidence: number }>`
        SELECT event_id::text AS event_id, parent_id::text AS parent_id, rule, confidence::float8 AS confidence FROM inferred_edges
        WHERE ${column} = ANY(${valid}::uuid[]) ORDER BY event_id, confidence DESC, parent_id, rule`.execute(this.#db);
      return rows.map((row) => ({ ...row, confidence: Number(row.confidence) }));
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#db.destroy();
  }

  async #read<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw toTraceError(error, this.#url);
    }
  }
}

/** Rows a read without includePrivate may count or name. */
function visibleRows(options: { includePrivate?: boolean }): RawBuilder<SqlBool> {
  return options.includePrivate === true ? sql<SqlBool>`true` : sql<SqlBool>`NOT private`;
}

function privateFilter(includePrivate: boolean | undefined): RawBuilder<unknown> {
  return includePrivate ? sql`` : sql`AND NOT e.private`;
}

/** An id that is not a uuid names no event; dropping it keeps PostgreSQL from refusing the whole read. */
function validUuids(ids: readonly string[]): string[] {
  return ids.filter((id) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id));
}

function compareCursor(a: string, b: string | null): number {
  if (b === null) return 1;
  const [ax, as] = a.split(':').map(BigInt) as [bigint, bigint];
  const [bx, bs] = b.split(':').map(BigInt) as [bigint, bigint];
  return ax === bx ? (as === bs ? 0 : as > bs ? 1 : -1) : ax > bx ? 1 : -1;
}

function decode(row: EventRow): TraceEvent {
  const event: TraceEvent = {
    id: row.id,
    ts: row.ts,
    primitive: row.primitive,
    type: row.type,
    agent_id: row.agent,
    target_id: row.target,
    session_id: row.session,
    parent_event_id: row.parent_id,
    causes: row.causes ?? [],
    idempotency_key: row.idempotency_key,
    schema_version: row.schema_version,
    metadata: row.metadata as TraceEvent['metadata'],
  };
  if (row.private) event.private = true;
  return event;
}

