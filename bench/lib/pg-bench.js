// The PostgreSQL side of the bench: a database of its own on the given server, dropped at the end
// (also on Ctrl-C), so that a run never leaves data behind.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const isPostgresUrl = (location) => /^postgres(ql)?:\/\//i.test(String(location));

/** The server's URL with another database (and optionally a schema as its search_path). */
export function withDatabase(url, database, schema) {
  const u = new URL(url);
  u.pathname = `/${database}`;
  if (schema !== undefined) u.searchParams.set('options', `-c search_path=${schema}`);
  return u.toString();
}

/** Runs SQL over one connection to `url`, then closes it. */
export async function withClient(url, work) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * Creates `tk_bench_<random>` on the server of `url`; `drop()` removes it (idempotent), and so do
 * SIGINT, SIGTERM and a normal exit of the process that made it.
 */
export async function createBenchDatabase(url) {
  const name = `tk_bench_${randomBytes(5).toString('hex')}`;
  await withClient(url, (client) => client.query(`CREATE DATABASE ${name}`));
  let dropped = false;
  const drop = async () => {
    if (dropped) return;
    dropped = true;
    await withClient(url, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  };
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, () => {
      drop().finally(() => process.exit(130));
    });
  }
  return {
    name,
    /** A URL of this database whose search_path is `schema` (created on first use). */
    async schema(schema) {
      const location = withDatabase(url, name);
      await withClient(location, (client) => client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`));
      return withDatabase(url, name, schema);
    },
    drop,
  };
}

/** Total bytes of the tables (with their indexes and TOAST) in the URL's search_path schema. */
export async function schemaBytes(url) {
  return withClient(url, async (client) => {
    const { rows } = await client.query(`
      SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::int8 AS bytes
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND n.nspname = current_schema()`);
    return Number(rows[0].bytes);
  });
}

/** Bytes of each table and index in the URL's search_path schema, largest first (for docs/postgres.md). */
export async function relationSizes(url) {
  return withClient(url, async (client) => {
    const { rows } = await client.query(`
      SELECT c.relname AS name, c.relkind AS kind, pg_relation_size(c.oid)::int8 AS bytes
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'i') AND n.nspname = current_schema()
      ORDER BY pg_relation_size(c.oid) DESC`);
    return Object.fromEntries(rows.map((row) => [`${row.kind === 'i' ? 'index' : 'table'} ${row.name}`, Number(row.bytes)]));
  });
}

/**
 * The CPU time the server's backends of the URL's database spend, when the server runs on this
 * machine (read from /proc; `stop()` resolves to null elsewhere). Backends are sampled every
 * 200 ms, so a connection that ends between samples loses at most its last 200 ms; the stores'
 * pools live as long as the ingest does. The sampler's own backend is left out.
 */
export async function serverCpuMeter(url) {
  const { readFileSync } = await import('node:fs');
  const ticksPerMs = 100 / 1000; // USER_HZ
  const cpuMs = (pid) => {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      return (Number(fields[11]) + Number(fields[12])) / ticksPerMs;
    } catch {
      return undefined;
    }
  };
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const first = new Map();
  const last = new Map();
  let local = true;
  const sample = async () => {
    const { rows } = await client.query('SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
    for (const { pid } of rows) {
      const ms = cpuMs(pid);
      if (ms === undefined) local = false;
      else {
        if (!first.has(pid)) first.set(pid, ms);
        last.set(pid, ms);
      }
    }
  };
  // A backend seen first mid-run started mid-run: its CPU before the first sample counts too.
  const started = new Set();
  await sample();
  for (const pid of first.keys()) started.add(pid);
  const timer = setInterval(() => void sample().catch(() => {}), 200);
  return {
    async stop() {
      clearInterval(timer);
      await sample().catch(() => {});
      await client.end();
      if (!local) return null;
      let total = 0;
      for (const [pid, ms] of last) total += ms - (started.has(pid) ? first.get(pid) : 0);
      return total;
    },
  };
}
