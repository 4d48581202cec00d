import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { openStoreAt, type TraceStore } from '@tracekernel/store';

/** The dialects every import test runs on, as the store's contract suite lists them. */
export const DIALECTS = ['sqlite', 'postgres'] as const;
export type Dialect = (typeof DIALECTS)[number];

const PG_SERVER = process.env.TRACE_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432';

async function admin(sql: string, database = 'test'): Promise<void> {
  const client = new pg.Client({ connectionString: `${PG_SERVER}/${database}` });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'tracekernel-import-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Fresh stores of a dialect: a temp SQLite file, or a fresh schema of this file's own PostgreSQL database. */
export function dialectStores(dialect: Dialect): { fresh(): Promise<{ store: TraceStore; location: string; cleanup(): Promise<void> }> } {
  const database = `tk_imp_${randomBytes(6).toString('hex')}`;
  let schemas = 0;
  if (dialect === 'postgres') {
    beforeAll(() => admin(`CREATE DATABASE ${database}`));
    afterAll(() => admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`));
  }
  return {
    async fresh() {
      if (dialect === 'sqlite') {
        const { dir, cleanup } = tempDir();
        const location = join(dir, 'trace.db');
        const store = await openStoreAt(location, { mode: 'write' });
        return { store, location, cleanup: async () => { await store.close(); cleanup(); } };
      }
      const schema = `s${++schemas}`;
      await admin(`CREATE SCHEMA ${schema}`, database);
      const location = `${PG_SERVER}/${database}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
      const store = await openStoreAt(location, { mode: 'write' });
      return { store, location, cleanup: () => store.close() };
    },
  };
}
