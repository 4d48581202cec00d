// `node bench/measures/ingest-variants-pg.js VARIANT [EVENTS] [BATCH]` (server from TRACE_BENCH_PG,
// default postgres://postgres@127.0.0.1:5432): the server and client CPU per event of ways to write
// the events table, each into a fresh scratch database that is dropped afterwards. Not part of
// `npm run bench`; it produced the "What was tried" table of docs/postgres.md.
// VARIANT: unnest | copydirect | copystage, with -lean (migration 4's narrower indexes), -noidx
// (no index), -two (two connections at once); IDX="CREATE INDEX …" replaces the index set.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import copyStreams from 'pg-copy-streams';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { EventCatalog } from '@tracekernel/schema';
import { createSwarm } from '../lib/swarm-data.js';

const N = Number(process.argv[3] ?? 200000);
const variant = process.argv[2];
const BATCH = Number(process.argv[4] ?? 1000);
const server = process.env.TRACE_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432';
const database = `tk_variants_${randomBytes(4).toString('hex')}`;
const admin = new pg.Client(`${server}/postgres`);
await admin.connect();
await admin.query(`CREATE DATABASE ${database}`);
const url = `${server}/${database}`;
const c = new pg.Client(url); await c.connect();
const c2 = new pg.Client(url); await c2.connect();

const COLS = `seq bigint GENERATED ALWAYS AS IDENTITY, xid xid8 NOT NULL DEFAULT pg_current_xact_id(), id uuid NOT NULL, ts bigint NOT NULL, primitive text NOT NULL, type text NOT NULL,
 agent text, target text, session text, parent_id uuid, causes uuid[], idempotency_key text, schema_version smallint NOT NULL, private boolean NOT NULL DEFAULT false, metadata json NOT NULL`;
const FULL = `CREATE UNIQUE INDEX events_by_id ON events (id);
      CREATE UNIQUE INDEX events_by_idempotency_key ON events (idempotency_key) WHERE idempotency_key IS NOT NULL;
      CREATE INDEX events_by_ts ON events (ts, id);
      CREATE INDEX events_by_agent ON events (agent, ts, id) WHERE agent IS NOT NULL;
      CREATE INDEX events_by_target ON events (target, ts, id) WHERE target IS NOT NULL;
      CREATE INDEX events_by_parent ON events (parent_id) WHERE parent_id IS NOT NULL;
      CREATE INDEX events_by_commit ON events (xid);`;
const LEAN = `CREATE UNIQUE INDEX events_by_id ON events (id);
      CREATE UNIQUE INDEX events_by_idempotency_key ON events (idempotency_key) WHERE idempotency_key IS NOT NULL;
      CREATE INDEX events_by_ts ON events USING brin (ts);
      CREATE INDEX events_by_agent ON events (agent, ts) WHERE agent IS NOT NULL;
      CREATE INDEX events_by_target ON events (target, ts) WHERE target IS NOT NULL;
      CREATE INDEX events_by_parent ON events (parent_id) WHERE parent_id IS NOT NULL;
      CREATE INDEX events_by_commit ON events (xid);`;
const idx = process.env.IDX ?? (variant.includes("noidx") ? "" : variant.includes("lean") ? LEAN : FULL);
await c.query(`CREATE TABLE events (${COLS}); ${idx}`);

const catalog = new EventCatalog();
const swarm = createSwarm({ events: N });
const batches = [];
let cur = [];
for (let e; (e = swarm.next()); ) {
  const p = catalog.prepare({ primitive: e.primitive, type: e.type, agent_id: e.agent, target_id: e.target, session_id: e.session, ts: e.ts, parent_event_id: e.parent, causes: e.causes, metadata: e.metadata });
  swarm.commit(p.event.id); cur.push(p);
  if (cur.length === BATCH) { batches.push(cur); cur = []; }
}
if (cur.length) batches.push(cur);

const esc = (s) => (s === null || s === undefined ? '\\N' : /[\\\t\n\r]/.test(s) ? s.replace(/[\\\t\n\r]/g, (ch) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[ch]) : s);
function copyText(batch) {
  let out = '';
  for (const { event: e, metadataJson } of batch) {
    out += `${e.id}\t${e.ts}\t${esc(e.primitive)}\t${esc(e.type)}\t${esc(e.agent_id)}\t${esc(e.target_id)}\t${esc(e.session_id)}\t${e.parent_event_id ?? '\\N'}\t${e.causes.length ? `{${e.causes.join(',')}}` : '\\N'}\t${esc(e.idempotency_key)}\t${e.schema_version}\t${e.private ? 't' : 'f'}\t${esc(metadataJson)}\n`;
  }
  return out;
}
const COPYCOLS = '(id, ts, primitive, type, agent, target, session, parent_id, causes, idempotency_key, schema_version, private, metadata)';
async function copyInto(client, table, batch) {
  const stream = client.query(copyStreams.from(`COPY ${table} ${COPYCOLS} FROM STDIN`));
  await pipeline(Readable.from([copyText(batch)]), stream);
}
function unnestCols(batch) {
  const k = { id: [], ts: [], p: [], t: [], a: [], g: [], s: [], par: [], c: [], key: [], v: [], pr: [], m: [] };
  for (const { event: e, metadataJson } of batch) { k.id.push(e.id); k.ts.push(e.ts); k.p.push(e.primitive); k.t.push(e.type); k.a.push(e.agent_id); k.g.push(e.target_id); k.s.push(e.session_id); k.par.push(e.parent_event_id); k.c.push(e.causes.length ? `{${e.causes.join(',')}}` : null); k.key.push(e.idempotency_key); k.v.push(e.schema_version); k.pr.push(e.private === true); k.m.push(metadataJson); }
  return [k.id, k.ts, k.p, k.t, k.a, k.g, k.s, k.par, k.c, k.key, k.v, k.pr, k.m];
}
const UNNEST = `INSERT INTO events ${COPYCOLS} SELECT id, ts, primitive, type, agent, target, session, parent_id, causes::uuid[], idempotency_key, schema_version, private, metadata::json
  FROM unnest($1::uuid[], $2::int8[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::uuid[], $9::text[], $10::text[], $11::int2[], $12::bool[], $13::text[]) AS t (id, ts, primitive, type, agent, target, session, parent_id, causes, idempotency_key, schema_version, private, metadata) ON CONFLICT DO NOTHING`;

async function one(client, batch) {
  if (variant.startsWith('unnest')) await client.query(UNNEST, unnestCols(batch));
  else if (variant.startsWith('copydirect')) await copyInto(client, 'events', batch);
  else if (variant.startsWith('copystage')) {
    await client.query('BEGIN');
    await client.query(`CREATE TEMP TABLE IF NOT EXISTS staging (id uuid, ts bigint, primitive text, type text, agent text, target text, session text, parent_id uuid, causes uuid[], idempotency_key text, schema_version smallint, private boolean, metadata json) ON COMMIT DELETE ROWS`);
    await copyInto(client, 'staging', batch);
    await client.query(`INSERT INTO events ${COPYCOLS} SELECT * FROM staging ON CONFLICT DO NOTHING`);
    await client.query('COMMIT');
  }
}
const pidq = async (cl) => (await cl.query('select pg_backend_pid() p')).rows[0].p;
/** A backend's CPU ms so far, from /proc (the server must run on this machine). */
const cpu = async (pid) => { const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' '); return (Number(f[11]) + Number(f[12])) * 10; };
const pids = [await pidq(c), await pidq(c2)];
const cpu0 = [await cpu(pids[0]), await cpu(pids[1])];
const t0 = performance.now(); const u0 = process.cpuUsage();
if (variant.includes('two')) {
  let i = 0;
  const lane = async (cl) => { while (i < batches.length) await one(cl, batches[i++]); };
  await Promise.all([lane(c), lane(c2)]);
} else for (const b of batches) await one(c, b);
const secs = (performance.now() - t0) / 1000; const u = process.cpuUsage(u0);
const srv = (await cpu(pids[0])) + (await cpu(pids[1])) - cpu0[0] - cpu0[1];
const n = Number((await c.query('select count(*) n from events')).rows[0].n);
const size = Number((await c.query(`select pg_total_relation_size('events') s`)).rows[0].s);
console.log(JSON.stringify({ variant, batch: BATCH, n, eps: Math.round(n / secs), server_us: +(srv * 1000 / n).toFixed(1), client_us: +((u.user + u.system) / n).toFixed(1), bytes: Math.round(size / n) }));
await c.end(); await c2.end();
await admin.query(`DROP DATABASE ${database} WITH (FORCE)`);
await admin.end();
