// Ingest baseline: the same events as JSON lines to a file with pino, the fastest common Node
// logger. `--mode sync` is pino.destination({ sync: true }): one write(2) per event into the page
// cache, so an event survives a crash of the process but not of the machine (no fsync per event).
// `--mode async` is pino.destination({ sync: false }): lines gather in the process's memory while
// one write is in flight, so a crash of the process loses what was not written yet. `--fsync true`
// (sync only) adds an fsync after every write: the one pino mode that is durable per event.
// Every mode ends with the destination's close, which writes what is left and fsyncs once, so
// the figure is "all events durable at the end", as the store's ingest measures it. The loop
// yields to the event loop every 1,000 events, as an agent awaiting I/O does; without it, async
// mode could not write anything until the end.
import { rmSync, statSync, writeFileSync } from 'node:fs';
import pino from 'pino';
import { eventIdAt } from '@tracekernel/schema';
import { args, report, round } from '../lib/child.js';
import { createSwarm } from '../lib/swarm-data.js';

const { file, events, mode = 'sync', fsync = 'false' } = args();
if (mode !== 'sync' && mode !== 'async') throw new Error(`--mode: expected sync or async, got ${mode}`);
rmSync(file, { force: true });
const destination = pino.destination({ dest: file, sync: mode === 'sync', fsync: fsync === 'true', mkdir: false });
// No pid, hostname or pino timestamp: the line carries the event's own fields, as a row does.
const logger = pino({ base: null, timestamp: false }, destination);
const closed = new Promise((resolve, reject) => {
  destination.once('close', resolve);
  destination.once('error', reject);
});
const yieldToLoop = () => new Promise((resolve) => setImmediate(resolve));

const swarm = createSwarm({ events: Number(events) });
const started = performance.now();
let sinceYield = 0;
for (let e; (e = swarm.next()); ) {
  // Like the naive writer, pino's caller makes the time-ordered id the causal links refer to.
  const id = eventIdAt(e.ts);
  logger.info({
    id, ts: e.ts, primitive: e.primitive, type: e.type, agent: e.agent, target: e.target, session: e.session,
    parent: e.parent, causes: e.causes, metadata: e.metadata,
  });
  swarm.commit(id);
  if (++sinceYield === 1000) {
    sinceYield = 0;
    await yieldToLoop();
  }
}
const emitted = performance.now();
destination.end();
await closed;
const seconds = (performance.now() - started) / 1000;

const manifest = swarm.manifest();
writeFileSync(`${file}.manifest.json`, JSON.stringify(manifest));
report({
  mode,
  fsync: fsync === 'true',
  events: manifest.events,
  seconds: round(seconds, 2),
  emit_seconds: round((emitted - started) / 1000, 2),
  events_per_s: round(manifest.events / seconds),
  bytes_per_event: round(statSync(file).size / manifest.events, 1),
});
