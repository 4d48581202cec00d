// Ingest baselines: raw better-sqlite3, the spec's naive schema (`--schema naive`) or the same
// columns with no key and no index (`--schema floor`), in 1000-row transactions.
import { statSync, writeFileSync } from 'node:fs';
import { eventIdAt } from '@tracekernel/schema';
import { args, bytesWritten, report, round } from '../lib/child.js';
import { FLOOR_DDL, NAIVE_DDL, openFresh } from '../lib/naive-schema.js';
import { createSwarm } from '../lib/swarm-data.js';

const { db: path, events, schema } = args();
const BATCH = 1000;
const db = openFresh(path, schema === 'floor' ? FLOOR_DDL : NAIVE_DDL);
const insert = db.prepare('INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
const insertBatch = db.transaction((rows) => {
  for (const row of rows) insert.run(row);
});

const swarm = createSwarm({ events: Number(events) });
const writtenBefore = bytesWritten();
const started = performance.now();
let rows = [];
for (let event; (event = swarm.next()); ) {
  // The naive writer also makes a time-ordered uuid (uuidv7, as the spec asks) and serializes metadata.
  const id = eventIdAt(event.ts);
  rows.push([id, event.ts, event.primitive, event.type, event.agent, event.target, event.parent, JSON.stringify(event.metadata)]);
  swarm.commit(id);
  if (rows.length === BATCH) {
    insertBatch.immediate(rows);
    rows = [];
  }
}
if (rows.length > 0) insertBatch.immediate(rows);
db.close();
const seconds = (performance.now() - started) / 1000;
const written = writtenBefore === null ? null : bytesWritten() - writtenBefore;

const manifest = swarm.manifest();
writeFileSync(`${path}.manifest.json`, JSON.stringify(manifest));
const bytes = statSync(path).size + (statSync(`${path}-wal`, { throwIfNoEntry: false })?.size ?? 0);
report({
  events: manifest.events,
  seconds: round(seconds, 2),
  events_per_s: round(manifest.events / seconds),
  bytes_per_event: round(bytes / manifest.events, 1),
  ...(written === null ? {} : { written_bytes_per_event: round(written / manifest.events) }),
});
