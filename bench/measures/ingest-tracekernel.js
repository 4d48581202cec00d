// Ingest into a fresh tracekernel store: through the SDK (`--via sdk`, what agents do) or straight
// into the store (`--via store`: SqliteTraceStore.appendSync, or `await store.append` on a
// PostgreSQL URL; the store's own cost without the SDK).
import { rmSync, statSync, writeFileSync } from 'node:fs';
import { EventCatalog } from '@tracekernel/schema';
import { SqliteTraceStore, openStoreAt } from '@tracekernel/store';
import { args, bytesWritten, report, round } from '../lib/child.js';
import { isPostgresUrl, relationSizes, schemaBytes, serverCpuMeter, withClient } from '../lib/pg-bench.js';
import { createSwarm } from '../lib/swarm-data.js';

const { db: path, events, via = 'sdk', batch = '1000', tracers: tracersMode = 'agents', manifest: manifestPath = `${path}.manifest.json` } = args();
const postgres = isPostgresUrl(path);
const swarm = createSwarm({ events: Number(events) });
if (!postgres) for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });

async function viaStore() {
  if (postgres) return viaAsyncStore();
  const store = SqliteTraceStore.open({ path, mode: 'write' });
  const catalog = new EventCatalog();
  const size = Number(batch);
  const started = performance.now();
  let prepared = [];
  for (let e; (e = swarm.next()); ) {
    const p = catalog.prepare({
      primitive: e.primitive, type: e.type, agent_id: e.agent, target_id: e.target, session_id: e.session,
      ts: e.ts, parent_event_id: e.parent, causes: e.causes, metadata: e.metadata,
    });
    swarm.commit(p.event.id);
    prepared.push(p);
    if (prepared.length === size) {
      store.appendSync(prepared);
      prepared = [];
    }
  }
  if (prepared.length > 0) store.appendSync(prepared);
  await store.close();
  return { seconds: (performance.now() - started) / 1000 };
}

/** The asynchronous store (PostgreSQL): one batch in flight at a time, as the SDK's writer does. */
async function viaAsyncStore() {
  const store = await openStoreAt(path, { mode: 'write' });
  const catalog = new EventCatalog();
  const size = Number(batch);
  const started = performance.now();
  let prepared = [];
  for (let e; (e = swarm.next()); ) {
    const p = catalog.prepare({
      primitive: e.primitive, type: e.type, agent_id: e.agent, target_id: e.target, session_id: e.session,
      ts: e.ts, parent_event_id: e.parent, causes: e.causes, metadata: e.metadata,
    });
    swarm.commit(p.event.id);
    prepared.push(p);
    if (prepared.length === size) {
      await store.append(prepared);
      prepared = [];
    }
  }
  if (prepared.length > 0) await store.append(prepared);
  await store.close();
  return { seconds: (performance.now() - started) / 1000 };
}

/**
 * `--tracers agents`: one tracer per agent (50), as when an orchestrator runs its agents in one
 * process; `--tracers one`: a single tracer for the whole stream (agent names go into the session).
 */
async function viaSdk() {
  const { createTracer } = await import('@tracekernel/sdk');
  const perAgent = tracersMode === 'agents';
  const tracers = new Map();
  const tracerFor = (agent) => {
    const key = perAgent ? agent : 'swarm';
    let tracer = tracers.get(key);
    if (!tracer) tracers.set(key, (tracer = createTracer({ agentId: key, db: path })));
    return tracer;
  };
  const started = performance.now();
  for (let e; (e = swarm.next()); ) {
    const id = tracerFor(e.agent).emit(
      e.primitive, e.type,
      { target: e.target, metadata: e.metadata, session: perAgent ? e.session : e.agent, ts: e.ts },
      { parent: e.parent, causes: e.causes },
    );
    swarm.commit(id);
  }
  const emitted = performance.now();
  await Promise.all([...tracers.values()].map((tracer) => tracer.close()));
  const seconds = (performance.now() - started) / 1000;
  // Tracers of one process writing to one store share a writer, and report its counts.
  let written = 0;
  let spooled = 0;
  for (const tracer of tracers.values()) {
    written = Math.max(written, tracer.stats().written);
    spooled = Math.max(spooled, tracer.stats().spooled);
  }
  return { seconds, tracers: tracers.size, emit_seconds: round((emitted - started) / 1000, 2), written, spooled };
}

// CPU per event, client (every thread of this process) and server (its backends), for the
// ceiling in docs/postgres.md: on a machine of C cores running both, C / (client + server).
// The server's tables are made by the first open, so the meter starts with the measure.
const meter = postgres ? await serverCpuMeter(path) : null;
const clientCpu = process.cpuUsage();
const writtenBefore = bytesWritten();
const { seconds, ...extra } = via === 'store' ? await viaStore() : await viaSdk();
const clientUsed = process.cpuUsage(clientCpu);
extra.client_cpu_us_per_event = round((clientUsed.user + clientUsed.system) / Number(events), 1);
// Unlike the rate, what this process handed to write(2) per event hardly moves with the machine's load.
if (!postgres && writtenBefore !== null) extra.written_bytes_per_event = round((bytesWritten() - writtenBefore) / Number(events));
if (meter) {
  const serverMs = await meter.stop();
  if (serverMs !== null) extra.server_cpu_us_per_event = round((serverMs * 1000) / Number(events), 1);
}
if (postgres) {
  // What reached the server: an SDK that cannot write to PostgreSQL must not pass for a fast one.
  extra.stored = await withClient(path, async (client) => {
    const { rows } = await client.query(`SELECT to_regclass('events') IS NOT NULL AS made`);
    return rows[0].made ? Number((await client.query('SELECT count(*) AS n FROM events')).rows[0].n) : 0;
  });
  if (extra.stored > 0) extra.relation_bytes = await relationSizes(path);
}
const manifest = swarm.manifest();
writeFileSync(manifestPath, JSON.stringify(manifest));
const bytes = postgres
  ? await schemaBytes(path)
  : statSync(path).size + (statSync(`${path}-wal`, { throwIfNoEntry: false })?.size ?? 0);
report({
  via,
  events: manifest.events,
  seconds: round(seconds, 2),
  events_per_s: round(manifest.events / seconds),
  bytes_per_event: round(bytes / manifest.events, 1),
  ...extra,
});
