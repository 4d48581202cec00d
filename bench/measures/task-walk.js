// The task walk on a store whose one task has ~100k events in its timeline (the viewer bench's
// store): store.descendants, timeline(), causality() and `GET /v1/events?task=` of `trace serve`,
// each beside a same-run baseline, a plain SELECT of the same rows with their metadata parsed (what
// any reader pays to load them). Rounds alternate baseline and measure, so load on the machine hits
// both; each figure is the median of `reps` rounds after one warm-up.
// `--root DIR` reads through another checkout's built packages (e.g. main's, for a before/after).
import { mkdtempSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { args, median, report, round } from '../lib/child.js';
import { VIEWER_TASK, writeViewerStore } from '../lib/viewer-data.js';

const { db: dbArg, events: eventsArg = '100000', reps: repsArg = '5', root } = args();
const reps = Number(repsArg);
const load = (name) => import(root ? pathToFileURL(join(root, 'packages', name, 'dist/index.js')).href : `@tracekernel/${name}`);
const [{ openStoreAt }, projector, { startServer }, { EventCatalog }] = await Promise.all(['store', 'projector', 'server', 'schema'].map(load));

const work = dbArg ? undefined : mkdtempSync(join(tmpdir(), 'tracekernel-bench-walk-'));
const db = dbArg ?? join(work, 'walk.db');
if (!dbArg) await writeViewerStore(db, { events: Number(eventsArg) });

const catalog = new EventCatalog();
const store = await openStoreAt(db, { mode: 'read' });
const plain = new Database(db, { readonly: true });
plain.pragma('mmap_size = 1073741824');
const selectAll = plain.prepare('SELECT * FROM events');
const server = await startServer({ store, catalog, port: 0 });

const own = await store.query({ targets: [VIEWER_TASK, ...(await store.descendantTargets([VIEWER_TASK]))], includePrivate: true });
const seeds = own.map((event) => event.id);
const measures = {
  baseline_select: () => selectAll.all().map((row) => ({ ...row, metadata: JSON.parse(row.metadata) })).length,
  descendants: async () => (await store.descendants(seeds, { includePrivate: true })).length,
  timeline: async () => (await projector.timeline(store, { task: VIEWER_TASK }, catalog)).entries.length,
  causality: async () => {
    const tree = await projector.causality(store, VIEWER_TASK, catalog);
    let nodes = 0;
    for (const stack = [tree.root]; stack.length > 0; nodes++) stack.push(...stack.pop().children);
    return nodes;
  },
  http_events: () => getJson(`${server.url}v1/events?task=${VIEWER_TASK}`).then((body) => body.events.length),
};

/** A fresh connection per request: a kept-alive one may be closed by the server while a slow measure runs. */
function getJson(url) {
  return new Promise((resolve, reject) => {
    get(url, { agent: false }, (response) => {
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
      response.on('error', reject);
    }).on('error', reject);
  });
}

const times = Object.fromEntries(Object.keys(measures).map((name) => [name, []]));
const sizes = {};
for (let round_ = 0; round_ <= reps; round_++) {
  for (const [name, fn] of Object.entries(measures)) {
    const started = performance.now();
    sizes[name] = await fn();
    if (round_ > 0) times[name].push(performance.now() - started); // round 0 warms caches and the JIT
  }
}
await server.close();
await store.close();
plain.close();
if (work) rmSync(work, { recursive: true, force: true });

const base = median(times.baseline_select);
report({
  reps,
  load_average: loadavg().map((x) => round(x, 2)),
  rows: sizes,
  ...Object.fromEntries(Object.entries(times).map(([name, ms]) => [name, {
    median_ms: round(median(ms), 1), min_ms: round(Math.min(...ms), 1), vs_baseline: round(median(ms) / base, 2),
  }])),
});
