import pg from 'pg';
import { EventCatalog } from '@tracekernel/schema';
import { createSwarm } from '/work/wt/pgbench/bench/lib/swarm-data.js';
const N = Number(process.argv[2] ?? 100000), B = Number(process.argv[3] ?? 1000);
const variants = (process.argv[4] ?? 'A,B,C,D').split(',');
const db = `tk_bench_exp5_${process.pid}`;
const admin = new pg.Client({ connectionString: 'postgres://root@127.0.0.1:5432/test' });
await admin.connect(); await admin.query(`CREATE DATABASE ${db}`);
const c = new pg.Client({ connectionString: `postgres://root@127.0.0.1:5432/${db}` }); await c.connect();
const schema = (name, seqpk, commitIdx = '(xid, seq)') => `CREATE SCHEMA ${name}; SET search_path = ${name};
CREATE TABLE events (seq bigint GENERATED ALWAYS AS IDENTITY ${seqpk ? 'PRIMARY KEY' : ''}, xid xid8 NOT NULL DEFAULT pg_current_xact_id(), id uuid NOT NULL, ts bigint NOT NULL,
 primitive text NOT NULL, type text NOT NULL, agent text, target text, session text, parent_id uuid, causes uuid[], idempotency_key text, schema_version smallint NOT NULL, private boolean NOT NULL DEFAULT false, metadata json NOT NULL);
CREATE UNIQUE INDEX ON events (id); CREATE UNIQUE INDEX ON events (idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX ON events (ts, id); CREATE INDEX ON events (agent, ts, id) WHERE agent IS NOT NULL; CREATE INDEX ON events (target, ts, id) WHERE target IS NOT NULL;
CREATE INDEX ON events (parent_id) WHERE parent_id IS NOT NULL; CREATE INDEX ON events ${commitIdx};
CREATE TABLE event_causes (cause uuid NOT NULL, event uuid NOT NULL, PRIMARY KEY (cause, event));
CREATE TABLE target_links (parent text NOT NULL, child text NOT NULL, PRIMARY KEY (parent, child));`;
const swarm = createSwarm({ events: N }); const catalog = new EventCatalog(); const batches = []; let cur = [];
for (let e; (e = swarm.next()); ) {
  const p = catalog.prepare({ primitive: e.primitive, type: e.type, agent_id: e.agent, target_id: e.target, session_id: e.session, ts: e.ts, parent_event_id: e.parent, causes: e.causes, metadata: e.metadata });
  swarm.commit(p.event.id); cur.push(p); if (cur.length === B) { batches.push(cur); cur = []; }
}
if (cur.length) batches.push(cur);
const cols = (events) => {
  const c = { id: [], ts: [], primitive: [], type: [], agent: [], target: [], session: [], parent: [], causes: [], key: [], version: [], private: [], metadata: [] };
  for (const { event, metadataJson } of events) {
    c.id.push(event.id); c.ts.push(event.ts); c.primitive.push(event.primitive); c.type.push(event.type); c.agent.push(event.agent_id); c.target.push(event.target_id);
    c.session.push(event.session_id); c.parent.push(event.parent_event_id); c.causes.push(event.causes.length ? `{${event.causes.join(',')}}` : null);
    c.key.push(event.idempotency_key); c.version.push(event.schema_version); c.private.push(event.private === true); c.metadata.push(metadataJson);
  }
  return c;
};
const UNNEST = `FROM unnest($1::uuid[], $2::int8[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::uuid[], $9::text[], $10::text[], $11::int2[], $12::bool[], $13::text[])
  AS t (id, ts, primitive, type, agent, target, session, parent_id, causes, idempotency_key, schema_version, private, metadata)`;
const INS = `INSERT INTO events (id, ts, primitive, type, agent, target, session, parent_id, causes, idempotency_key, schema_version, private, metadata)
  SELECT id, ts, primitive, type, agent, target, session, parent_id, causes::uuid[], idempotency_key, schema_version, private, metadata::json ${UNNEST} ON CONFLICT DO NOTHING`;
const vals = (c) => [c.id, c.ts, c.primitive, c.type, c.agent, c.target, c.session, c.parent, c.causes, c.key, c.version, c.private, c.metadata];
const ONE = `WITH ins AS (${INS} RETURNING id, causes),
  cz AS (INSERT INTO event_causes (cause, event) SELECT unnest(causes), id FROM ins WHERE causes IS NOT NULL ON CONFLICT DO NOTHING)
  SELECT count(*)::int AS n FROM ins`;
const run = {
  async A(events) {
    const c2 = cols(events);
    await c.query('BEGIN');
    const r = await c.query(`${INS} RETURNING id::text AS id`, vals(c2));
    const from = [], to = [];
    for (const { event } of events) for (const cause of event.causes) { from.push(cause); to.push(event.id); }
    if (from.length) await c.query('INSERT INTO event_causes (cause, event) SELECT * FROM unnest($1::uuid[], $2::uuid[]) ON CONFLICT DO NOTHING', [from, to]);
    await c.query('COMMIT');
  },
  async B(events) { await c.query(ONE, vals(cols(events))); },
  async C(events, name) { await c.query({ name, text: ONE, values: vals(cols(events)) }); },
};
run.D = run.C; run.E = run.C;
const setup = { A: [true], B: [true], C: [true], D: [false], E: [false, '(xid)'] };
const out = {};
for (const rep of [1, 2]) for (const v of variants) {
  const name = `${v.toLowerCase()}${rep}`;
  await c.query(schema(name, ...setup[v]));
  const t0 = performance.now(); const cpu0 = process.cpuUsage();
  for (const b of batches) await run[v](b, name);
  const s = (performance.now() - t0) / 1000; const cpu = process.cpuUsage(cpu0);
  const size = (await c.query(`select sum(pg_total_relation_size(oid))::int8 s from pg_class where relnamespace = '${name}'::regnamespace and relkind='r'`)).rows[0].s;
  console.log(v, rep, Math.round(N / s), 'ev/s', 'client cpu', ((cpu.user + cpu.system) / 1e6).toFixed(2), 's', 'bytes/ev', Math.round(size / N));
  
}
await c.end(); await admin.query(`DROP DATABASE ${db} WITH (FORCE)`); await admin.end();
