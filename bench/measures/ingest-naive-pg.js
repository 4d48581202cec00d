// Ingest baseline on PostgreSQL: plain multi-row INSERTs (1000 rows a statement, each its own
// durable transaction) into the trace spec's naive schema (`--schema naive`: text uuidv7 key, 5
// indexes) or the same columns with no key and no index (`--schema floor`), through node-postgres.
import { writeFileSync } from 'node:fs';
import pg from 'pg';
import { eventIdAt } from '@tracekernel/schema';
import { args, report, round } from '../lib/child.js';
import { schemaBytes } from '../lib/pg-bench.js';
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

const { db: url, events, schema = 'naive', manifest: manifestPath } = args();
const BATCH = 1000;
const COLUMNS = 8;
const client = new pg.Client({ connectionString: url });
await client.connect();
await client.query(schema === 'floor' ? FLOOR_PG_DDL : NAIVE_PG_DDL);

/** `($1, ..., $8), ($9, ...)` for n rows. */
const valuesList = (n) =>
  Array.from({ length: n }, (_, r) => `(${Array.from({ length: COLUMNS }, (_, c) => `$${r * COLUMNS + c + 1}`).join(', ')})`).join(', ');
const fullBatch = { name: 'naive-insert', text: `INSERT INTO events VALUES ${valuesList(BATCH)}` };

const swarm = createSwarm({ events: Number(events) });
const started = performance.now();
let params = [];
for (let event; (event = swarm.next()); ) {
  // The naive writer also makes a time-ordered uuid (uuidv7, as the spec asks) and serializes metadata.
  const id = eventIdAt(event.ts);
  params.push(id, event.ts, event.primitive, event.type, event.agent, event.target, event.parent, JSON.stringify(event.metadata));
  swarm.commit(id);
  if (params.length === BATCH * COLUMNS) {
    await client.query({ ...fullBatch, values: params });
    params = [];
  }
}
if (params.length > 0) await client.query(`INSERT INTO events VALUES ${valuesList(params.length / COLUMNS)}`, params);
const seconds = (performance.now() - started) / 1000;
await client.end();

const manifest = swarm.manifest();
writeFileSync(manifestPath, JSON.stringify(manifest));
report({
  events: manifest.events,
  seconds: round(seconds, 2),
  events_per_s: round(manifest.events / seconds),
  bytes_per_event: round((await schemaBytes(url)) / manifest.events, 1),
});
