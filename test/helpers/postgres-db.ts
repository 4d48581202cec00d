import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The server the end-to-end tests use: trust auth, database `test` to connect to while creating our own. */
export const PG_SERVER = process.env.TRACE_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432';

async function admin(sqlText: string): Promise<void> {
  const client = new pg.Client({ connectionString: `${PG_SERVER}/test` });
  await client.connect();
  try {
    await client.query(sqlText);
  } finally {
    await client.end();
  }
}

/** A database of its own for one test file: `create()` in beforeAll, `drop()` in afterAll. */
export function testDatabase(prefix: string) {
  const names: string[] = [];
  return {
    /** A new empty database; returns its URL for --db. */
    async create(): Promise<string> {
      const name = `${prefix}_${randomBytes(5).toString('hex')}`;
      await admin(`CREATE DATABASE ${name}`);
      names.push(name);
      return `${PG_SERVER}/${name}`;
    },
    async drop(): Promise<void> {
      for (const name of names.splice(0)) await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}
