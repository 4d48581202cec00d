// Ingest baseline on PostgreSQL: plain multi-row INSERTs (1000 rows a statement, each its own
// durable transaction) into the trace spec's naive schema (`--schema naive`: text uuidv7 key, 5
// indexes) or the same columns with no key and no index (`--schema floor`), through node-postgres.
// `--via copy` sends each 1000 rows as one COPY instead (text format, pg-copy-streams): COPY into
// the floor is what this machine's server can take at all, the ceiling of any schema.
import { writeFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { eventIdAt } from '@tracekernel/schema';
import { args, report, round } from '../lib/child.js';
import { schemaBytes, serverCpuMeter } from '../lib/pg-bench.js';
import { createSwarm } from '../lib/swarm-data.js';

/** The spec's schema (design 003) in PostgreSQL's types: its INTEGER timestamp holds milliseconds, so bigint. */
export const NAIVE_PG_DDL = `
  CREATE TABLE events (
    id text PRIMARY KEY,
    timestamp bigint NOT NULL,
    primitive text NOT NULL,
    event_type text NOT NULL,
    agent_id text,
    target_id text,
    parent_event_id text,
    metadata text
  );
  CREATE INDEX idx_trace_agent ON events (agent_id, timestamp);
  CREATE INDEX idx_trace_target ON events (target_id, timestamp);
  CREATE INDEX idx_trace_causality ON events (parent_event_id);
  CREATE INDEX idx_trace_time ON events (timestamp DESC);
  CREATE INDEX idx_trace_primitive ON events (primitive, timestamp);
`;
const FLOOR_PG_DDL = `CREATE TABLE events (id text, timestamp bigint, primitive text, event_type text,
  agent_id text, target_id text, parent_event_id text, metadata text)`;

const { db: url, events, schema = 'naive', via = 'insert', manifest: manifestPath } = args();
const BATCH = 1000;
const COLUMNS = 8;
const client = new pg.Client({ connectionString: url });
await client.connect();
await client.query(schema === 'floor' ? FLOOR_PG_DDL : NAIVE_PG_DDL);

/** `($1, ..., $8), ($9, ...)` for n rows. */
const valuesList = (n) =>
  Array.from({ length: n }, (_, r) => `(${Array.from({ length: COLUMNS }, (_, c) => `$${r * COLUMNS + c + 1}`).join(', ')})`).join(', ');
const fullBatch = { name: 'naive-insert', text: `INSERT INTO events VALUES ${valuesList(BATCH)}` };

/** COPY's text format: `\N` for null, backslash and line breaks escaped. */
const copyField = (value) =>
  value === null || value === undefined ? '\\N' : String(value).replace(/[\\\t\n\r]/g, (ch) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[ch]);
const copyBatch = async (rows) => {
  await pipeline(Readable.from([rows]), client.query(copyFrom('COPY events FROM STDIN')));
};

const swarm = createSwarm({ events: Number(events) });
const meter = await serverCpuMeter(url);
const clientCpu = process.cpuUsage();
const started = performance.now();
let params = [];
let rows = '';
let pending = 0;
for (let event; (event = swarm.next()); ) {
  // The naive writer also makes a time-ordered uuid (uuidv7, as the spec asks) and serializes metadata.
  const id = eventIdAt(event.ts);
  swarm.commit(id);
  if (via === 'copy') {
    rows += `${[id, event.ts, event.primitive, event.type, event.agent, event.target, event.parent, JSON.stringify(event.metadata)].map(copyField).join('\t')}\n`;
    if (++pending === BATCH) {
      await copyBatch(rows);
      rows = '';
      pending = 0;
    }
    continue;
  }
  params.push(id, event.ts, event.primitive, event.type, event.agent, event.target, event.parent, JSON.stringify(event.metadata));
  if (params.length === BATCH * COLUMNS) {
    await client.query({ ...fullBatch, values: params });
    params = [];
  }
}
if (params.length > 0) await client.query(`INSERT INTO events VALUES ${valuesList(params.length / COLUMNS)}`, params);
if (pending > 0) await copyBatch(rows);
const seconds = (performance.now() - started) / 1000;
const clientUsed = process.cpuUsage(clientCpu);
const serverMs = await meter.stop();
await client.end();

const manifest = swarm.manifest();
writeFileSync(manifestPath, JSON.stringify(manifest));
report({
  events: manifest.events,
  seconds: round(seconds, 2),
  events_per_s: round(manifest.events / seconds),
  bytes_per_event: round((await schemaBytes(url)) / manifest.events, 1),
  client_cpu_us_per_event: round((clientUsed.user + clientUsed.system) / manifest.events, 1),
  ...(serverMs === null ? {} : { server_cpu_us_per_event: round((serverMs * 1000) / manifest.events, 1) }),
});
