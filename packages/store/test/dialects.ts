import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import type { EventInput, TraceEvent } from '@tracekernel/schema';
import { openStoreAt, type TraceStore } from '@tracekernel/store';
import { prepare, tempDir } from './temp-store.js';

/** Every dialect the contract suite runs on, as kysely's test-setup.ts lists its DIALECTS. */
export const DIALECTS = ['sqlite', 'postgres'] as const;
export type Dialect = (typeof DIALECTS)[number];

/** The server the tests use: trust auth, database `test` to connect to while creating our own. */
export const PG_SERVER = process.env.TRACE_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432';

export interface DialectStore {
  dialect: Dialect;
  /** The full location (for PostgreSQL: a URL naming this test's schema). */
  location: string;
  store: TraceStore;
  /** Prepares and appends one event; fails the test when it was not inserted. */
  emit(input: EventInput): Promise<TraceEvent>;
  /** Opens another store on the same location (the current one stays open). */
  open(mode?: 'read' | 'write'): Promise<TraceStore>;
  cleanup(): Promise<void>;
}

/** Runs SQL as the server's superuser against a database (default `test`). */
export async function admin<T>(work: (client: pg.Client) => Promise<T>, database = 'test'): Promise<T> {
  const client = new pg.Client({ connectionString: `${PG_SERVER}/${database}` });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * Registers hooks that give this test file its own PostgreSQL database (created before the file's
 * tests, dropped after) and returns a factory of fresh stores for a dialect. On PostgreSQL each
 * store is a fresh schema of that database, selected through the URL's search_path.
 */
export function dialectStores(dialect: Dialect): { fresh(): Promise<DialectStore>; database(): string } {
  const database = `tk_${randomBytes(6).toString('hex')}`;
  let schemas = 0;
  if (dialect === 'postgres') {
    beforeAll(() => admin((client) => client.query(`CREATE DATABASE ${database}`)));
    afterAll(() => admin((client) => client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)));
  }
  return {
    database: () => database,
    async fresh() {
      let location: string;
      let remove: () => Promise<void>;
      if (dialect === 'sqlite') {
        const { dir, cleanup } = tempDir();
        location = join(dir, 'trace.db');
        remove = async () => cleanup();
      } else {
        const schema = `s${++schemas}`;
        await admin((client) => client.query(`CREATE SCHEMA ${schema}`), database);
        location = pgUrl(database, schema);
        remove = async () => {};
      }
      const opened: TraceStore[] = [];
      const t: DialectStore = {
        dialect,
        location,
        store: await openStoreAt(location, { mode: 'write' }),
        async emit(input) {
          const prepared = prepare(input);
          const [result] = await t.store.append([prepared]);
          if (!result?.inserted) throw new Error(`test store: event ${prepared.event.id} was not inserted`);
          return prepared.event;
        },
        async open(mode = 'write') {
          const store = await openStoreAt(location, { mode });
          opened.push(store);
          return store;
        },
        async cleanup() {
          for (const store of [t.store, ...opened]) await store.close();
          await remove();
        },
      };
      return t;
    },
  };
}

/** A URL for a database (and optionally a schema as its search_path). */
export function pgUrl(database: string, schema?: string): string {
  const url = `${PG_SERVER}/${database}`;
  return schema === undefined ? url : `${url}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
}
