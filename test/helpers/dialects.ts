import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { PG_SERVER } from './postgres-db.js';
import { trace } from './trace-cli.js';

/** Every dialect the end-to-end story runs on, as kysely's test-setup.ts lists its DIALECTS. */
export const DIALECTS = ['sqlite', 'postgres'] as const;
export type Dialect = (typeof DIALECTS)[number];


export async function pgAdmin(sql: string, database = 'test'): Promise<void> {
  const client = new pg.Client({ connectionString: `${PG_SERVER}/${database}` });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * Registers hooks that give this test file its own PostgreSQL database (created before its tests,
 * dropped after). `init(cwd)` points a checkout at the dialect's store the way a user does: nothing
 * for SQLite (the first `trace emit` makes `.trace/trace.db`), `trace init --store URL` for
 * PostgreSQL, each call in a fresh schema of the file's database.
 */
export function dialectCheckouts(dialect: Dialect) {
  const database = `tk_e2e_${randomBytes(6).toString('hex')}`;
  let schemas = 0;
  if (dialect === 'postgres') {
    beforeAll(() => pgAdmin(`CREATE DATABASE ${database}`));
    afterAll(() => pgAdmin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`));
  }
  return {
    database: () => database,
    /** Returns the store's location as `trace` shows it (for PostgreSQL, the URL without credentials). */
    async init(cwd: string): Promise<string> {
      if (dialect === 'sqlite') return '.trace/trace.db';
      const schema = `s${++schemas}`;
      await pgAdmin(`CREATE SCHEMA ${schema}`, database);
      const url = `${PG_SERVER}/${database}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
      const result = await trace(['init', '--store', url], { cwd });
      if (result.code !== 0) throw new Error(`trace init --store ${url} failed (${result.code}): ${result.stderr}`);
      return url;
    },
  };
}
