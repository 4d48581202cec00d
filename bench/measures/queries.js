// Read benchmarks on an ingested tracekernel store, each beside the same question asked of the
// naive schema. Latencies are per call on a warm store (the way `trace` and dashboards ask).
// Either side may be a SQLite file or a PostgreSQL URL (then --tk-manifest and --naive-manifest
// say where its ingest left the manifest).
import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import pg from 'pg';
import * as projector from '@tracekernel/projector';
import { openStoreAt } from '@tracekernel/store';
import { args, percentile, median, report, round } from '../lib/child.js';
import { openExisting } from '../lib/naive-schema.js';
import { isPostgresUrl } from '../lib/pg-bench.js';
import { querySubjects } from '../lib/swarm-data.js';

const {
  tk: tkPath, naive: naivePath, count: countArg = '500', reps: repsArg = '10', 'naive-full-count': naiveFullCountArg = '10',
  'tk-manifest': tkManifestPath = `${tkPath}.manifest.json`, 'naive-manifest': naiveManifestPath = `${naivePath}.manifest.json`,
} = args();
const count = Number(countArg);
const reps = Number(repsArg);
const tkManifest = JSON.parse(readFileSync(tkManifestPath, 'utf8'));
// Without --naive (the growth curve's larger stores) only the store is asked.
const naiveManifest = naivePath ? JSON.parse(readFileSync(naiveManifestPath, 'utf8')) : null;
const subjects = querySubjects({ count, ...tkManifest });
const store = await openStoreAt(tkPath, { mode: 'read' });

async function time(fn) {
  const started = process.hrtime.bigint();
  const result = await fn();
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, result };
}

/** Runs fn(i) for i < n after a warm-up on other subjects; returns sorted latencies and the last result. */
async function latencies(n, fn, warmup = Math.min(20, n)) {
  for (let i = 0; i < warmup; i++) await fn(n - 1 - i);
  const ms = [];
  const sizes = [];
  for (let i = 0; i < n; i++) {
    const t = await time(() => fn(i));
    ms.push(t.ms);
    sizes.push(t.result);
  }
  ms.sort((a, b) => a - b);
  const size = sizes.reduce((sum, one) => sum + one, 0);
  sizes.sort((a, b) => a - b);
  return {
    n, p50: round(percentile(ms, 50), 3), p99: round(percentile(ms, 99), 3), max: round(ms.at(-1), 3),
    mean_size: round(size / n, 1), size_p50: percentile(sizes, 50), size_p99: percentile(sizes, 99),
  };
}

// ---- naive schema: the same questions in plain SQL on text ids ---------------------------------
const naiveRow = (row) => ({ ...row, metadata: JSON.parse(row.metadata) });
const naive = !naivePath ? null : isPostgresUrl(naivePath) ? await naivePostgres(naivePath) : naiveSqlite(naivePath);

function naiveSqlite(path) {
  const db = openExisting(path);
  const targetEvents = db.prepare('SELECT * FROM events WHERE target_id = ? ORDER BY timestamp, id');
  const caused = db.prepare(`
    WITH RECURSIVE caused(id) AS (
      SELECT value FROM json_each(?)
      UNION SELECT e.id FROM events e JOIN caused c ON e.parent_event_id = c.id)
    SELECT e.* FROM caused c CROSS JOIN events e ON e.id = c.id ORDER BY e.timestamp, e.id`);
  const agentSince = db.prepare('SELECT * FROM events WHERE agent_id = ? AND timestamp >= ? ORDER BY timestamp DESC, id DESC LIMIT ?');
  const subtree = db.prepare(`
    WITH RECURSIVE sub(id) AS (SELECT ? UNION ALL SELECT e.id FROM events e JOIN sub ON e.parent_event_id = sub.id)
    SELECT e.* FROM sub CROSS JOIN events e ON e.id = sub.id`);
  const ancestors = db.prepare(`
    WITH RECURSIVE up(id, depth) AS (
      SELECT ?, 0 UNION ALL SELECT e.parent_event_id, up.depth + 1 FROM up JOIN events e ON e.id = up.id WHERE e.parent_event_id IS NOT NULL)
    SELECT e.*, up.depth FROM up JOIN events e ON e.id = up.id ORDER BY up.depth DESC`);
  // The closest the naive schema comes to the projector's task timeline: subtasks through
  // metadata.parent_task_id (no column or index holds it, so one scan of the create_task events),
  // their events, and everything those caused through parent_event_id. Fan-in is still missing:
  // the schema has no column for an event's further causes.
  const fullTimeline = db.prepare(`
    WITH RECURSIVE
      links(parent, child) AS MATERIALIZED (
        SELECT json_extract(metadata, '$.parent_task_id'), target_id FROM events
        WHERE primitive = 'ops' AND event_type = 'create_task' AND json_extract(metadata, '$.parent_task_id') IS NOT NULL),
      tasks(name) AS (SELECT ? UNION SELECT l.child FROM links l JOIN tasks t ON l.parent = t.name),
      caused(id) AS (
        SELECT e.id FROM events e WHERE e.target_id IN (SELECT name FROM tasks)
        UNION SELECT e.id FROM events e JOIN caused c ON e.parent_event_id = c.id)
    SELECT e.* FROM caused c CROSS JOIN events e ON e.id = c.id ORDER BY e.timestamp, e.id`);
  return {
    fullTimeline: async (task) => fullTimeline.all(task),
    targetEvents: async (task) => targetEvents.all(task),
    caused: async (ids) => caused.all(JSON.stringify(ids)),
    agentSince: async (agent, since, limit) => agentSince.all(agent, since, limit),
    subtree: async (root) => subtree.all(root),
    ancestors: async (tip) => ancestors.all(tip),
    close: async () => db.close(),
  };
}

/** The same statements in PostgreSQL's SQL, prepared once (named statements) over one connection. */
async function naivePostgres(url) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const ask = (name, text) => async (...values) => (await client.query({ name, text, values })).rows;
  return {
    targetEvents: ask('target', 'SELECT * FROM events WHERE target_id = $1 ORDER BY timestamp, id'),
    caused: ask('caused', `
      WITH RECURSIVE caused(id) AS (
        SELECT unnest($1::text[])
        UNION SELECT e.id FROM events e JOIN caused c ON e.parent_event_id = c.id)
      SELECT e.* FROM caused c JOIN events e ON e.id = c.id ORDER BY e.timestamp, e.id`),
    agentSince: ask('agent', 'SELECT * FROM events WHERE agent_id = $1 AND timestamp >= $2 ORDER BY timestamp DESC, id DESC LIMIT $3'),
    subtree: ask('subtree', `
      WITH RECURSIVE sub(id) AS (SELECT $1::text UNION ALL SELECT e.id FROM events e JOIN sub ON e.parent_event_id = sub.id)
      SELECT e.* FROM sub JOIN events e ON e.id = sub.id`),
    ancestors: ask('ancestors', `
      WITH RECURSIVE up(id, depth) AS (
        SELECT $1::text, 0 UNION ALL SELECT e.parent_event_id, up.depth + 1 FROM up JOIN events e ON e.id = up.id WHERE e.parent_event_id IS NOT NULL)
      SELECT e.*, up.depth FROM up JOIN events e ON e.id = up.id ORDER BY up.depth DESC`),
    close: () => client.end(),
  };
}

/** The floor's reader: seqs of ids, and rows by seq with the columns an answer needs (ids as hex text: a Buffer per blob costs more), as arrays. */
function rowsFloorReader() {
  const db = new Database(tkPath, { readonly: true });
  db.pragma('mmap_size = 1073741824');
  const seqsOf = db.prepare("SELECT seq FROM events WHERE id IN (SELECT unhex(value, '-') FROM json_each(?)) ORDER BY seq").pluck();
  const rowsBySeq = db.prepare(`
    SELECT seq, lower(hex(id)), ts, kind, agent, target, session, parent, metadata
    FROM events WHERE seq IN (SELECT value FROM json_each(?))`).raw();
  return { seqs: (ids) => seqsOf.all(JSON.stringify(ids)), rowsBySeq, close: () => db.close() };
}

async function timelineRowsFloor() {
  const { seqs, rowsBySeq, close } = rowsFloorReader();
  const answers = [];
  for (const task of subjects.tasks) {
    const { entries } = await projector.timeline(store, { task });
    answers.push(JSON.stringify(seqs(entries.map((entry) => entry.event.id))));
  }
  const floor = await latencies(count, async (i) => {
    const rows = rowsBySeq.all(answers[i]);
    for (const row of rows) row[8] = JSON.parse(row[8]);
    return rows.length;
  });
  close();
  return floor;
}

/** A task's events and everything they caused: what the projector's task timeline shows, minus subtasks (the naive schema cannot find them without a scan). */
async function naiveTaskTimeline(task) {
  const own = await naive.targetEvents(task);
  return (await naive.caused(own.map((row) => row.id))).map(naiveRow);
}

async function naiveCausality(rootId) {
  const rows = (await naive.subtree(rootId)).map(naiveRow);
  const nodes = new Map(rows.map((row) => [row.id, { event: row, children: [] }]));
  for (const node of nodes.values()) nodes.get(node.event.parent_event_id)?.children.push(node);
  const order = (a, b) => Number(a.event.timestamp) - Number(b.event.timestamp) || (a.event.id < b.event.id ? -1 : 1);
  for (const node of nodes.values()) node.children.sort(order);
  return { root: nodes.get(rootId), size: nodes.size };
}

const countNodes = (node) => 1 + node.children.reduce((sum, child) => sum + countNodes(child), 0);

// ---- the measures ----------------------------------------------------------------------------
const naiveFullCount = Math.min(count, Number(naiveFullCountArg));
const out = { events: tkManifest.events, count, reps, naive_full_count: naive?.fullTimeline ? naiveFullCount : 0 };

out.timeline = await latencies(count, async (i) => (await projector.timeline(store, { task: subjects.tasks[i] })).entries.length);
// What reading a timeline's rows costs at all: the events of each answer, fetched by seq through
// plain better-sqlite3 with their metadata parsed, and nothing else (no walk, no order, no
// objects built). No store that returns whole timelines can go below it.
if (!isPostgresUrl(tkPath)) out.timeline_rows_floor = await timelineRowsFloor();
if (naive) out.naive_timeline = await latencies(count, async (i) => (await naiveTaskTimeline(subjects.tasks[i])).length);
// A scan per question, so only the first few subjects, without a warm-up of their own.
if (naive?.fullTimeline) {
  out.naive_full_timeline = await latencies(naiveFullCount, async (i) => (await naive.fullTimeline(subjects.tasks[i])).map(naiveRow).length, 1);
  out.timeline_same_subjects = await latencies(naiveFullCount, async (i) => (await projector.timeline(store, { task: subjects.tasks[i] })).entries.length, 1);
}
out.store_task_events = await latencies(count, async (i) => (await store.query({ targets: [subjects.tasks[i]] })).length);

out.agent_since = await latencies(count, async (i) =>
  (await projector.timeline(store, { agent: subjects.agents[i], since: subjects.since[i], limit: 100 })).entries.length);
if (naive) {
  out.naive_agent_since = await latencies(count, async (i) =>
    (await naive.agentSince(subjects.agents[i], subjects.since[i], 100)).map(naiveRow).length);
}

/** Records a failing measure as an error instead of losing the whole run. */
async function guarded(name, fn) {
  try {
    out[name] = await fn();
  } catch (error) {
    out[name] = { error: String(error.message ?? error).split('\n')[0] };
  }
}

async function repeat(n, fn) {
  const runs = [];
  let result;
  for (let i = 0; i <= n; i++) {
    const t = await time(fn);
    if (i > 0) runs.push(t.ms); // the first run warms the cache
    result = t.result;
  }
  return { runs, result };
}

const catalog = new (await import('@tracekernel/schema')).EventCatalog();
await guarded('causality_10k', async () => {
  const { runs, result } = await repeat(reps, () => projector.causality(store, tkManifest.subtreeRoot, catalog));
  return { median: round(median(runs), 1), min: round(Math.min(...runs), 1), nodes: countNodes(result.root), reps, via: 'projector.causality' };
});
// What reading the tree's rows costs at all, as for the timeline: its events by seq, metadata
// parsed, nothing else (no walk to find them, no tree).
if (!isPostgresUrl(tkPath) && out.causality_10k.error === undefined) {
  await guarded('causality_rows_floor', async () => {
    const tree = await projector.causality(store, tkManifest.subtreeRoot, catalog);
    const ids = [];
    const collect = (node) => {
      ids.push(node.event.id);
      for (const child of node.children) collect(child);
    };
    collect(tree.root);
    const { seqs, rowsBySeq, close } = rowsFloorReader();
    const answer = JSON.stringify(seqs(ids));
    const { runs, result } = await repeat(reps, () => {
      const rows = rowsBySeq.all(answer);
      for (const row of rows) row[8] = JSON.parse(row[8]);
      return rows.length;
    });
    close();
    return { median: round(median(runs), 1), min: round(Math.min(...runs), 1), rows: result, reps };
  });
}
if (naive) {
  const naiveCausalityRuns = [];
  let naiveCausalitySize = 0;
  for (let i = 0; i <= reps; i++) {
    const t = await time(() => naiveCausality(naiveManifest.subtreeRoot));
    if (i > 0) naiveCausalityRuns.push(t.ms);
    naiveCausalitySize = countNodes(t.result.root);
  }
  out.naive_causality_10k = { median: round(median(naiveCausalityRuns), 1), min: round(Math.min(...naiveCausalityRuns), 1), nodes: naiveCausalitySize, reps };
}

await guarded('ancestors_500', async () => {
  const { runs, result } = await repeat(reps * 5, () => store.ancestors(tkManifest.chainTip));
  return { median: round(median(runs), 2), chain: result.chain.length, reps: reps * 5 };
});

if (naive) {
  const naiveAncestorRuns = [];
  let naiveChainLength = 0;
  for (let i = 0; i <= reps * 5; i++) {
    const t = await time(async () => (await naive.ancestors(naiveManifest.chainTip)).map(naiveRow));
    if (i > 0) naiveAncestorRuns.push(t.ms);
    naiveChainLength = t.result.length;
  }
  out.naive_ancestors_500 = { median: round(median(naiveAncestorRuns), 2), chain: naiveChainLength, reps: reps * 5 };
  await naive.close();
}

await store.close();
report(out);
