// `npm run bench [-- --quick] [-- --scale 10m] [-- --keep] [-- --profile] [-- --store postgres://…] [-- --viewer]` (PostgreSQL: bench/run-postgres.js; the web viewer: bench/run-viewer.js): tracekernel beside its baselines, measured in one run.
// Every figure that has a baseline is reported as a ratio to it, because this machine is noisy.
// Each ingest and emit measure runs in its own process (peak RSS and caches are per measure).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, round, runMeasure } from './lib/child.js';
import { cpuTicks, stealPercent } from './lib/host-steal.js';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const profile = argv.includes('--profile'); // node --cpu-prof for every measure (main and writer threads)
const keep = argv.includes('--keep') || profile;
const storeAt = argv.indexOf('--store');
if (storeAt >= 0) {
  const url = argv[storeAt + 1];
  if (!url || !/^postgres(ql)?:\/\//i.test(url)) {
    process.stderr.write('bench: --store expects a postgres:// URL of a server to create a scratch database on\n');
    process.exit(2);
  }
  const { runPostgres } = await import('./run-postgres.js');
  await runPostgres({ url, quick, profile });
  process.exit(0);
}
if (argv.includes('--viewer')) {
  const { runViewer } = await import('./run-viewer.js');
  await runViewer({ quick, keep });
  process.exit(0);
}
/** `10m`, `3m`, `300k` or a plain count. */
function parseCount(text) {
  const match = /^(\d+(?:\.\d+)?)([km]?)$/i.exec(text ?? '');
  if (!match) {
    process.stderr.write(`bench: --scale expects a count of events such as 10m, 3m or 300k, got ${text ?? 'nothing'}\n`);
    process.exit(2);
  }
  return Math.round(Number(match[1]) * { '': 1, k: 1e3, m: 1e6 }[match[2].toLowerCase()]);
}
const scaleAt = argv.indexOf('--scale');
const scaleTo = scaleAt >= 0 ? parseCount(argv[scaleAt + 1]) : null;
const root = fileURLToPath(new URL('..', import.meta.url));
const resultsDir = fileURLToPath(new URL('./results/', import.meta.url));

const plan = quick
  ? { events: 100_000, emitCalls: 50_000, emitWarmup: 10_000, emitRounds: 3, sustainedCalls: 100_000, perAgentEvents: 0, pinoFsyncEvents: 1_000, queries: 300, naiveFullQueries: 5, reps: 5, walkReps: 0, cliRuns: 3, backfill: [500, 2_000, 10_000] }
  : { events: 1_000_000, emitCalls: 50_000, emitWarmup: 20_000, emitRounds: 5, sustainedCalls: 500_000, perAgentEvents: 10_000, pinoFsyncEvents: 5_000, queries: 2_000, naiveFullQueries: 20, reps: 10, walkReps: 7, cliRuns: 10, backfill: [1_000, 10_000, 100_000] };
// The growth curve (--scale): the plan's size, 3x and 10x it, as far as --scale goes, and --scale
// itself. Only our store runs above the plan's size; the baselines stay at it.
plan.curve = scaleTo === null ? [] : [...new Set([3, 10].map((k) => k * plan.events).filter((n) => n < scaleTo).concat(scaleTo))].filter((n) => n > plan.events);
const loadAtStart = loadavg().map((x) => round(x, 2));
const ticksAtStart = cpuTicks();

const work = mkdtempSync(join(tmpdir(), 'tracekernel-bench-'));
const db = (name) => join(work, `${name}.db`);
const nodeFlags = (name) => (profile ? ['--cpu-prof', `--cpu-prof-dir=${join(work, 'profiles', name)}`] : []);
const log = (message) => process.stderr.write(`bench: ${message}\n`);
const measure = async (label, script, options) => {
  log(`${label}...`);
  const started = performance.now();
  const result = await runMeasure(script, options, nodeFlags(label.replace(/[^a-z0-9]+/gi, '-')));
  log(`${label}: ${round((performance.now() - started) / 1000, 1)} s`);
  return result;
};

// ---- 1 and 5: ingest and its memory ------------------------------------------------------------
const ingest = await measure('ingest sdk', 'ingest-tracekernel.js', { db: db('sdk'), events: plan.events, via: 'sdk', tracers: 'one' });
const ingestQuarter = await measure('ingest sdk N/4', 'ingest-tracekernel.js', { db: db('sdk-quarter'), events: plan.events / 4, via: 'sdk', tracers: 'one' });
const ingestStore = await measure('ingest store', 'ingest-tracekernel.js', { db: db('store'), events: plan.events, via: 'store', batch: 4096 });
const naive = await measure('ingest naive', 'ingest-naive.js', { db: db('naive'), events: plan.events, schema: 'naive' });
const floor = await measure('ingest floor', 'ingest-naive.js', { db: db('floor'), events: plan.events, schema: 'floor' });
// One tracer per agent in one process means 50 writer threads and 50 SQLite connections: slow
// enough that quick mode leaves it out.
const perAgent = plan.perAgentEvents > 0
  ? await measure('ingest sdk 50 tracers', 'ingest-tracekernel.js', { db: db('sdk-agents'), events: plan.perAgentEvents, via: 'sdk', tracers: 'agents' })
  : { events: 0, events_per_s: null, spooled: null, peak_rss_mb: null };
rmSync(db('sdk-quarter'), { force: true });
// pino writes the same events as JSON lines; see measures/ingest-pino.js for what each mode keeps.
const pinoSync = await measure('ingest pino sync', 'ingest-pino.js', { file: join(work, 'pino-sync.jsonl'), events: plan.events, mode: 'sync' });
const pinoAsync = await measure('ingest pino async', 'ingest-pino.js', { file: join(work, 'pino-async.jsonl'), events: plan.events, mode: 'async' });
const pinoFsync = await measure('ingest pino sync, fsync per event', 'ingest-pino.js', { file: join(work, 'pino-fsync.jsonl'), events: plan.pinoFsyncEvents, mode: 'sync', fsync: 'true' });
for (const name of ['pino-sync', 'pino-async', 'pino-fsync']) rmSync(join(work, `${name}.jsonl`), { force: true });

// ---- 2: emit overhead --------------------------------------------------------------------------
// Ours and OpenTelemetry alternate (A B A B A B) and each reports its median round, so a burst of
// load on the machine hits both; lost counts add up over all rounds.
async function alternate(rounds, a, b) {
  const as = [];
  const bs = [];
  for (let i = 0; i < rounds; i++) {
    as.push(await a(i));
    bs.push(await b(i));
  }
  const pick = (results) => {
    const sorted = [...results].sort((x, y) => x.calls_per_s - y.calls_per_s);
    const lost = results.reduce((sum, r) => sum + r.lost, 0);
    return { ...sorted[Math.floor(sorted.length / 2)], lost, total: results.reduce((sum, r) => sum + r.total, 0), rounds: results.map((r) => r.calls_per_s) };
  };
  return [pick(as), pick(bs)];
}
const [emit, otel] = await alternate(
  plan.emitRounds,
  (i) => measure(`emit tracekernel #${i + 1}`, 'emit-tracekernel.js', { db: db('emit'), calls: plan.emitCalls, warmup: plan.emitWarmup, burst: 1000 }),
  (i) => measure(`emit otel #${i + 1}`, 'emit-otel.js', { calls: plan.emitCalls, warmup: plan.emitWarmup, burst: 1000 }),
);
const [emitTight, otelTight] = await alternate(
  1,
  () => measure('emit tracekernel, tight loop', 'emit-tracekernel.js', { db: db('emit-tight'), calls: plan.sustainedCalls, burst: plan.sustainedCalls }),
  () => measure('emit otel, tight loop', 'emit-otel.js', { calls: plan.sustainedCalls, burst: plan.sustainedCalls }),
);

// ---- 3: queries on the store that has agents (the store-level ingest: same data, same store code)
const queries = await measure('queries', 'queries.js', { tk: db('store'), naive: db('naive'), count: plan.queries, reps: plan.reps, 'naive-full-count': plan.naiveFullQueries });

// ---- 3b: the walk of one 100k-event task (the viewer's first render), against a plain SELECT of
// the same rows. Full mode only: writing its store and walking it takes about a minute.
const walk = plan.walkReps > 0 ? await measure('task walk (100k events)', 'task-walk.js', { events: 100_000, reps: plan.walkReps }) : null;

// ---- 4: CLI wall time --------------------------------------------------------------------------
const cliBin = join(root, 'apps/cli/bin/run.js');
// A task from the middle of the log: early tasks collect many subtasks (their timelines include them).
const { taskName } = await import('./lib/swarm-data.js');
function wallMs(args, env = {}) {
  const runs = [];
  let status = 0;
  let stderr = '';
  for (let i = 0; i <= plan.cliRuns; i++) {
    const started = performance.now();
    const child = spawnSync(process.execPath, args, { cwd: work, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    if (i > 0) runs.push(performance.now() - started); // the first run warms the file cache
    status = child.status;
    stderr = child.stderr.toString();
  }
  return status === 0 ? round(median(runs), 1) : { error: `exit ${status}: ${stderr.trim().split('\n')[0]}` };
}
/** `trace <task> --json` on a store, beside `node -e 0` timed right before it. */
function traceTask(store) {
  const { tasksCreated } = JSON.parse(readFileSync(`${store}.manifest.json`, 'utf8'));
  const task = taskName(Math.floor(tasksCreated / 2));
  const timed = { node_baseline_ms: wallMs(['-e', '0']), trace_task_ms: wallMs([cliBin, task, '--json'], { TRACE_DB: store }), task, runs: plan.cliRuns };
  const shown = spawnSync(process.execPath, [cliBin, task, '--json'], { cwd: work, env: { ...process.env, TRACE_DB: store }, maxBuffer: 1 << 28 });
  try {
    timed.task_events = JSON.parse(shown.stdout.toString()).events.length;
  } catch {
    timed.task_events = null;
  }
  return timed;
}
log('cli...');
const cli = { version_ms: wallMs([cliBin, '--version']), ...traceTask(db('store')) };

// ---- 6: run-record backfill: records/s at each size, against the smallest size in this run ----
const backfill = [];
for (const records of plan.backfill) backfill.push(await measure(`backfill ${records}`, 'backfill.js', { records }));
const [backfillBase, ...backfillSizes] = backfill;

// ---- 7: growth (--scale): our store alone at each size of the curve, the plan's size being the
// measures above. Each store is deleted once asked, so the disk holds one large store at a time.
const curve = [{ events: plan.events, sdk: ingest, store: ingestStore, queries, cli }];
for (const events of plan.curve) {
  const label = `${round(events / 1e6, 2)}M`;
  const sdk = await measure(`ingest sdk ${label}`, 'ingest-tracekernel.js', { db: db(`sdk-${events}`), events, via: 'sdk', tracers: 'one' });
  rmSync(db(`sdk-${events}`), { force: true });
  const store = await measure(`ingest store ${label}`, 'ingest-tracekernel.js', { db: db(`store-${events}`), events, via: 'store', batch: 4096 });
  const asked = await measure(`queries ${label}`, 'queries.js', { tk: db(`store-${events}`), count: plan.queries, reps: plan.reps });
  log(`cli ${label}...`);
  curve.push({ events, sdk, store, queries: asked, cli: traceTask(db(`store-${events}`)) });
  if (!keep) for (const suffix of ['', '-wal', '-shm', '.manifest.json']) rmSync(db(`store-${events}`) + suffix, { force: true });
}
const growthRows = curve.map((point) => ({
  events: point.events,
  sdk_events_per_s: point.sdk.events_per_s,
  sdk_vs_first: round(point.sdk.events_per_s / curve[0].sdk.events_per_s, 2),
  store_events_per_s: point.store.events_per_s,
  sdk_peak_rss_mb: point.sdk.peak_rss_mb,
  bytes_per_event: point.sdk.bytes_per_event,
  written_bytes_per_event: point.sdk.written_bytes_per_event ?? null,
  timeline_p99_ms: point.queries.timeline.p99,
  timeline_mean_events: point.queries.timeline.mean_size,
  agent_since_p99_ms: point.queries.agent_since.p99,
  causality_10k_ms: point.queries.causality_10k.median ?? null,
  trace_task_vs_node: typeof point.cli.trace_task_ms === 'number' ? round(point.cli.trace_task_ms / point.cli.node_baseline_ms, 2) : null,
}));

// ---- results -----------------------------------------------------------------------------------
const value = (x) => (typeof x === 'number' ? x : null);
const ratio = (a, b) => (value(a) !== null && value(b) ? round(a / b, 2) : null);
const fmtCount = (x) => (typeof x === 'number' ? x.toLocaleString('en-US', { maximumFractionDigits: 0 }) : 'n/a');
// What each side of a tight loop kept, per second of the loop and its close (until durable or exported).
const keptPerS = (r) => round((r.total - r.lost) / (r.calls / r.calls_per_s + r.close_ms / 1000));
const loadAtEnd = loadavg().map((x) => round(x, 2));
const runSteal = stealPercent(ticksAtStart, cpuTicks());
const results = {
  quick,
  scale: scaleTo,
  load_average: { start: loadAtStart, end: loadAtEnd },
  // The share of the machine's CPU time the VM host took during the run (/proc/stat steal).
  host_steal_pct: runSteal,
  events: ingest.events,
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model ?? null, node: process.version },
  'ingest.events_per_s': ingest.events_per_s,
  'ingest.naive_events_per_s': naive.events_per_s,
  'ingest.floor_events_per_s': floor.events_per_s,
  'ingest.store_events_per_s': ingestStore.events_per_s,
  'ingest.pino_sync_events_per_s': pinoSync.events_per_s,
  'ingest.pino_async_events_per_s': pinoAsync.events_per_s,
  'ingest.pino_fsync_events_per_s': pinoFsync.events_per_s,
  'ingest.per_agent_tracers_events_per_s': perAgent.events_per_s,
  'ingest.bytes_per_event': ingest.bytes_per_event,
  'ingest.naive_bytes_per_event': naive.bytes_per_event,
  'ingest.floor_bytes_per_event': floor.bytes_per_event,
  'ingest.written_bytes_per_event': ingest.written_bytes_per_event ?? null,
  'ingest.naive_written_bytes_per_event': naive.written_bytes_per_event ?? null,
  'ingest.peak_rss_mb': ingest.peak_rss_mb,
  'ingest.peak_rss_quarter_mb': ingestQuarter.peak_rss_mb,
  'ingest.naive_peak_rss_mb': naive.peak_rss_mb,
  'ingest.per_agent_tracers_peak_rss_mb': perAgent.peak_rss_mb,
  'ingest.stored': ingest.written,
  'ingest.spooled': ingest.spooled,
  'ingest.per_agent_tracers_spooled': perAgent.spooled,
  'emit.calls_per_s': emit.calls_per_s,
  'emit.ns_per_call': emit.ns_per_call,
  'emit.otel_spans_per_s': otel.calls_per_s,
  'emit.otel_ns_per_span': otel.ns_per_call,
  'emit.lost': emit.lost,
  'emit.otel_lost': otel.lost,
  'emit.tight_calls_per_s': emitTight.calls_per_s,
  'emit.tight_lost': emitTight.lost,
  'emit.otel_tight_spans_per_s': otelTight.calls_per_s,
  'emit.otel_tight_lost': otelTight.lost,
  'emit.tight_kept_per_s': keptPerS(emitTight),
  'emit.otel_tight_kept_per_s': keptPerS(otelTight),
  'query.timeline_p50_ms': queries.timeline.p50,
  'query.timeline_p99_ms': queries.timeline.p99,
  'query.timeline_p99_events': queries.timeline.size_p99,
  'query.timeline_rows_floor_p99_ms': queries.timeline_rows_floor?.p99 ?? null,
  'query.naive_timeline_p50_ms': queries.naive_timeline.p50,
  'query.naive_timeline_p99_ms': queries.naive_timeline.p99,
  'query.naive_full_timeline_p50_ms': queries.naive_full_timeline?.p50 ?? null,
  'query.naive_full_timeline_p99_ms': queries.naive_full_timeline?.p99 ?? null,
  'query.agent_since_p50_ms': queries.agent_since.p50,
  'query.agent_since_p99_ms': queries.agent_since.p99,
  'query.naive_agent_since_p50_ms': queries.naive_agent_since.p50,
  'query.naive_agent_since_p99_ms': queries.naive_agent_since.p99,
  'query.causality_10k_ms': value(queries.causality_10k.median),
  'query.naive_causality_10k_ms': queries.naive_causality_10k.median,
  'query.causality_rows_floor_ms': queries.causality_rows_floor?.median ?? null,
  'query.ancestors_500_ms': value(queries.ancestors_500.median),
  'query.naive_ancestors_500_ms': queries.naive_ancestors_500.median,
  'walk.baseline_select_ms': walk?.baseline_select.median_ms ?? null,
  'walk.descendants_ms': walk?.descendants.median_ms ?? null,
  'walk.timeline_ms': walk?.timeline.median_ms ?? null,
  'walk.causality_ms': walk?.causality.median_ms ?? null,
  'walk.http_events_ms': walk?.http_events.median_ms ?? null,
  'cli.version_ms': value(cli.version_ms),
  'cli.trace_task_ms': value(cli.trace_task_ms),
  'cli.node_baseline_ms': cli.node_baseline_ms,
  'backfill.base_records_per_s': backfillBase.records_per_s,
  ...Object.fromEntries(backfillSizes.flatMap((size) => [
    [`backfill.${size.records}_records_per_s`, size.records_per_s],
    [`backfill.${size.records}_vs_base`, ratio(size.records_per_s, backfillBase.records_per_s)],
  ])),
  growth: growthRows,
  details: { plan, ingest, ingestQuarter, ingestStore, naive, floor, pinoSync, pinoAsync, pinoFsync, perAgent, emit, otel, emitTight, otelTight, queries, walk, cli, backfill, curve },
};

// Targets of issue 12, each with the sample it stands on. Memory is flat when the larger ingest
// costs at most the configured buffers (SQLite's 64 MiB page cache fills as the file grows) plus 10%.
const flatMemory = (larger, smaller) => larger - smaller <= 64 + 0.1 * smaller;
const n = (count) => fmtCount(count);
const sdkRatio = (baseline) => ratio(ingest.events_per_s, baseline.events_per_s);
const targets = [
  ['ingest ≥ 5× naive and ≥ 0.6× floor', [sdkRatio(naive), sdkRatio(floor)], ([a, b]) => a >= 5 && b >= 0.6,
    ([a, b]) => `${a}× naive, ${b}× floor (${fmtCount(ingest.events_per_s)}/s; ${n(ingest.events)} events each)`],
  ['size ≤ 200 B/event', ingest.bytes_per_event, (b) => b <= 200, (b) => `${b} B (${n(ingest.events)} events)`],
  ['emit() ≥ 1.0× OpenTelemetry in bursts of 1,000, 0 lost', ratio(emit.calls_per_s, otel.calls_per_s), (r) => r >= 1 && emit.lost === 0,
    (r) => `${r}×, lost ${emit.lost} (median of ${plan.emitRounds} rounds of ${n(plan.emitCalls)} calls)`],
  [`emit() tight loop of ${n(plan.sustainedCalls)}: 0 lost, calls/s ≥ durable ingest rate`, ratio(emitTight.calls_per_s, ingest.events_per_s),
    (r) => r >= 1 && emitTight.lost === 0,
    (r) => `${r}× ingest (${fmtCount(emitTight.calls_per_s)} vs ${fmtCount(ingest.events_per_s)}/s), lost ${emitTight.lost}; kept/s ours ${fmtCount(keptPerS(emitTight))}, otel ${fmtCount(keptPerS(otelTight))} (otel lost ${fmtCount(otelTight.lost)}); 1 round`],
  ['task timeline p99 ≤ 1 ms', queries.timeline.p99, (ms) => ms <= 1, (ms) => `${ms} ms (${n(queries.timeline.n)} tasks, ${n(queries.events)} events)`],
  ['agent since, limit 100, p99 ≤ 0.5 ms', queries.agent_since.p99, (ms) => ms <= 0.5, (ms) => `${ms} ms (${n(queries.agent_since.n)} agents/times)`],
  ['causality tree of 10,000 ≤ 30 ms', value(queries.causality_10k.median), (ms) => ms <= 30, (ms) => `${ms} ms (median of ${queries.causality_10k.reps})`],
  ['trace <task> --json ≤ 2.5× node -e 0', ratio(cli.trace_task_ms, cli.node_baseline_ms), (r) => r <= 2.5,
    (r) => `${r}× (${cli.trace_task_ms} vs ${cli.node_baseline_ms} ms, median of ${cli.runs})`],
  [`ingest memory flat (${n(ingest.events)} vs ${n(ingestQuarter.events)} events)`, [ingest.peak_rss_mb, ingestQuarter.peak_rss_mb], ([a, b]) => flatMemory(a, b),
    ([a, b]) => `${a} vs ${b} MB peak RSS, +${round(a - b, 1)} MB`],
  // Linear time keeps records/s flat as the file grows (the old importer fell 3x per doubling).
  [`backfill linear (${backfillSizes.at(-1).records} vs ${backfillBase.records} records/s ≥ 0.5×)`,
    ratio(backfillSizes.at(-1).records_per_s, backfillBase.records_per_s), (r) => r >= 0.5, (r) => `${r}×, ${backfillSizes.at(-1).seconds} s`],
];
// Reported beside the targets, not required.
const moonshots = [
  ['moonshot: ingest ≥ 1× pino sync', sdkRatio(pinoSync), (r) => r >= 1, (r) => `${r}× (pino sync ${fmtCount(pinoSync.events_per_s)}/s, ${n(pinoSync.events)} events)`],
];
if (curve.length > 1) {
  const top = curve.at(-1);
  const at = `at ${n(top.events)}`;
  targets.push(
    [`growth: ingest rate ${at} ≥ 0.8× at ${n(curve[0].events)}`, ratio(top.sdk.events_per_s, curve[0].sdk.events_per_s), (r) => r >= 0.8,
      (r) => `${r}× (${fmtCount(top.sdk.events_per_s)} vs ${fmtCount(curve[0].sdk.events_per_s)}/s)`],
    [`growth: ingest memory flat ${at}`, [top.sdk.peak_rss_mb, curve[0].sdk.peak_rss_mb], ([a, b]) => flatMemory(a, b),
      ([a, b]) => `${a} vs ${b} MB peak RSS, +${round(a - b, 1)} MB`],
    [`task timeline p99 ≤ 2 ms ${at}`, top.queries.timeline.p99, (ms) => ms <= 2, (ms) => `${ms} ms (${n(top.queries.timeline.n)} tasks)`],
    [`agent since p99 ≤ 0.5 ms ${at}`, top.queries.agent_since.p99, (ms) => ms <= 0.5, (ms) => `${ms} ms (${n(top.queries.agent_since.n)} agents/times)`],
    [`causality tree of 10,000 ≤ 30 ms ${at}`, value(top.queries.causality_10k.median), (ms) => ms <= 30, (ms) => `${ms} ms (median of ${top.queries.causality_10k.reps})`],
    [`trace <task> --json ≤ 2.5× node -e 0 ${at}`, ratio(top.cli.trace_task_ms, top.cli.node_baseline_ms), (r) => r <= 2.5,
      (r) => `${r}× (${top.cli.trace_task_ms} vs ${top.cli.node_baseline_ms} ms, median of ${top.cli.runs})`],
  );
}
const judge = (list) => Object.fromEntries(list.map(([name, actual, met, show]) => [
  name, [actual].flat().some((x) => x === null || x === undefined || Number.isNaN(x)) ? { actual: null, met: false } : { actual: show(actual), met: met(actual) },
]));
results.moonshots = judge(moonshots);
results.targets = judge(targets);

mkdirSync(resultsDir, { recursive: true });
writeFileSync(join(resultsDir, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);

// ---- table -------------------------------------------------------------------------------------
const fmt = (x, digits = 0) => (typeof x === 'number' ? x.toLocaleString('en-US', { maximumFractionDigits: digits }) : x?.error ? 'error' : 'n/a');
/** How much faster tracekernel is, for latencies (baseline / ours), said the right way round. */
const speedup = (ours, baseline) => {
  const r = ratio(baseline, ours);
  if (r === null) return 'n/a';
  return r >= 1 ? `${fmt(r, 2)}× faster` : `${fmt(1 / r, 2)}× slower`;
};
const rows = [
  ['measure', 'tracekernel', 'baseline', 'ratio'],
  [`ingest events/s (${fmt(results.events)} events, SDK)`, fmt(ingest.events_per_s), `naive ${fmt(naive.events_per_s)}`, `${fmt(ratio(ingest.events_per_s, naive.events_per_s), 2)}×`],
  ['  floor: no index at all', '', `floor ${fmt(floor.events_per_s)}`, `${fmt(ratio(ingest.events_per_s, floor.events_per_s), 2)}× of floor`],
  [`  pino sync: a write(2) per line, no fsync (${fmt(pinoSync.events)} events)`, '', `pino sync ${fmt(pinoSync.events_per_s)}`, `${fmt(ratio(ingest.events_per_s, pinoSync.events_per_s), 2)}× of pino sync`],
  [`  pino async: lines buffered while a write is in flight (${fmt(pinoAsync.events)} events)`, '', `pino async ${fmt(pinoAsync.events_per_s)}`, `${fmt(ratio(ingest.events_per_s, pinoAsync.events_per_s), 2)}× of pino async`],
  [`  pino sync + fsync per event, durable each (${fmt(pinoFsync.events)} events)`, '', `pino fsync ${fmt(pinoFsync.events_per_s)}`, `${fmt(ratio(ingest.events_per_s, pinoFsync.events_per_s), 2)}× of it`],
  ['  store.appendSync (no SDK)', fmt(ingestStore.events_per_s), `naive ${fmt(naive.events_per_s)}`, `${fmt(ratio(ingestStore.events_per_s, naive.events_per_s), 2)}×`],
  [`  SDK, 50 tracers in 1 process (${perAgent.events ? fmt(perAgent.events) + ' events' : 'full mode only'})`, fmt(perAgent.events_per_s), `spooled ${fmt(perAgent.spooled)}`, perAgent.peak_rss_mb ? `peak RSS ${fmt(perAgent.peak_rss_mb)} MB` : ''],
  ['bytes/event (file + wal)', fmt(ingest.bytes_per_event, 1), `naive ${fmt(naive.bytes_per_event, 1)}`, `${fmt(ratio(ingest.bytes_per_event, naive.bytes_per_event), 2)}×`],
  ['  the same events as pino JSON lines', '', `pino ${fmt(pinoSync.bytes_per_event, 1)}`, `${fmt(ratio(ingest.bytes_per_event, pinoSync.bytes_per_event), 2)}×`],
  ['bytes written/event (write(2): WAL and checkpoints)', fmt(ingest.written_bytes_per_event), `naive ${fmt(naive.written_bytes_per_event)}`, `${fmt(ratio(ingest.written_bytes_per_event, naive.written_bytes_per_event), 2)}×`],
  ['peak RSS MB, N | N/4', `${fmt(ingest.peak_rss_mb)} | ${fmt(ingestQuarter.peak_rss_mb)}`, `naive ${fmt(naive.peak_rss_mb)}`, ''],
  [`emit() calls/s (${fmt(plan.emitCalls)}, bursts of 1000)`, fmt(emit.calls_per_s), `otel ${fmt(otel.calls_per_s)}`, `${fmt(ratio(emit.calls_per_s, otel.calls_per_s), 2)}×`],
  ['  ns/call', fmt(emit.ns_per_call), `otel ${fmt(otel.ns_per_call)}`, ''],
  ['  lost', fmt(emit.lost), `otel ${fmt(otel.lost)}`, ''],
  [`emit() tight loop of ${fmt(plan.sustainedCalls)}: calls/s`, fmt(emitTight.calls_per_s), `otel ${fmt(otelTight.calls_per_s)}`, `${fmt(ratio(emitTight.calls_per_s, otelTight.calls_per_s), 2)}×`],
  ['  lost', fmt(emitTight.lost), `otel ${fmt(otelTight.lost)}`, ''],
  ['  kept per second (loop + close)', fmt(keptPerS(emitTight)), `otel ${fmt(keptPerS(otelTight))}`, `${fmt(ratio(keptPerS(emitTight), keptPerS(otelTight)), 2)}×`],
  ['  calls/s vs the durable ingest rate', '', `ingest ${fmt(ingest.events_per_s)}`, `${fmt(ratio(emitTight.calls_per_s, ingest.events_per_s), 2)}×`],
  [`task timeline p50 / p99 ms (${fmt(queries.timeline.n)} tasks, ${fmt(queries.timeline.mean_size, 1)} events each)`, `${fmt(queries.timeline.p50, 2)} / ${fmt(queries.timeline.p99, 2)}`,
    `naive ${fmt(queries.naive_timeline.p50, 2)} / ${fmt(queries.naive_timeline.p99, 2)}`, `${speedup(queries.timeline.p99, queries.naive_timeline.p99)} (p99)`],
  ...(queries.timeline_rows_floor ? [[
    `  floor: the same rows by seq, metadata parsed, nothing else (${fmt(queries.timeline.size_p50)} / ${fmt(queries.timeline.size_p99)} events at p50 / p99)`,
    `${fmt(queries.timeline_rows_floor.p50, 2)} / ${fmt(queries.timeline_rows_floor.p99, 2)}`, '', `${fmt(ratio(queries.timeline.p99, queries.timeline_rows_floor.p99), 2)}× the floor (p99)`]] : []),
  [`  naive answers less: own events + parent_event_id only (${fmt(queries.naive_timeline.mean_size, 1)} events each)`, '', '', ''],
  ...(queries.naive_full_timeline ? [[
    `  closest naive equivalent: + subtasks via metadata scan (${fmt(queries.naive_full_timeline.n)} tasks, ${fmt(queries.naive_full_timeline.mean_size, 1)} events each; no fan-in)`,
    `${fmt(queries.timeline_same_subjects.p50, 2)} / ${fmt(queries.timeline_same_subjects.p99, 2)}`,
    `naive ${fmt(queries.naive_full_timeline.p50, 1)} / ${fmt(queries.naive_full_timeline.p99, 1)}`, `${speedup(queries.timeline_same_subjects.p99, queries.naive_full_timeline.p99)} (p99 = max of ${fmt(queries.naive_full_timeline.n)})`]] : []),
  [`agent since, limit 100 p50 / p99 ms (${fmt(queries.agent_since.n)})`, `${fmt(queries.agent_since.p50, 2)} / ${fmt(queries.agent_since.p99, 2)}`, `naive ${fmt(queries.naive_agent_since.p50, 2)} / ${fmt(queries.naive_agent_since.p99, 2)}`, `${speedup(queries.agent_since.p99, queries.naive_agent_since.p99)} (p99)`],
  [`causality tree (${fmt(queries.causality_10k.nodes)} nodes) ms (median of ${fmt(queries.causality_10k.reps)})`, fmt(queries.causality_10k.median, 1), `naive ${fmt(queries.naive_causality_10k.median, 1)}`, speedup(queries.causality_10k.median, queries.naive_causality_10k.median)],
  ...(queries.causality_rows_floor?.median !== undefined ? [[
    `  floor: the tree's ${fmt(queries.causality_rows_floor.rows)} rows by seq, metadata parsed, nothing else`,
    fmt(queries.causality_rows_floor.median, 1), '', `${fmt(ratio(queries.causality_10k.median, queries.causality_rows_floor.median), 2)}× the floor`]] : []),
  [`ancestors (chain of ${fmt(queries.ancestors_500.chain)}) ms`, fmt(queries.ancestors_500.median, 2), `naive ${fmt(queries.naive_ancestors_500.median, 2)}`, speedup(queries.ancestors_500.median, queries.naive_ancestors_500.median)],
  ...(walk === null ? [] : [['descendants', 'store.descendants'], ['timeline', 'timeline()'], ['causality', 'causality()'], ['http_events', 'GET /v1/events?task=']]).map(([key, label]) => [
    `${fmt(walk.rows[key])}-event task walk: ${label} ms (median of ${walk.reps})`, fmt(walk[key].median_ms),
    `plain SELECT ${fmt(walk.baseline_select.median_ms)}`, `${fmt(walk[key].vs_baseline, 2)}× the SELECT`]),
  ['trace --version ms', fmt(cli.version_ms, 1), `node -e 0: ${fmt(cli.node_baseline_ms, 1)}`, `${fmt(ratio(cli.version_ms, cli.node_baseline_ms), 2)}×`],
  [`trace <task> --json ms (${fmt(cli.task_events)} events, median of ${cli.runs})`, fmt(cli.trace_task_ms, 1), `node -e 0: ${fmt(cli.node_baseline_ms, 1)}`, `${fmt(ratio(cli.trace_task_ms, cli.node_baseline_ms), 2)}×`],
  ...backfillSizes.map((size) => [`backfill records/s (${fmt(size.records)} records)`, fmt(size.records_per_s), `${fmt(backfillBase.records)}: ${fmt(backfillBase.records_per_s)}`, `${fmt(ratio(size.records_per_s, backfillBase.records_per_s), 2)}× (${fmt(size.seconds, 1)} s)`]),
];
const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => String(row[c]).length)));
const line = (row) => `| ${row.map((cell, c) => String(cell).padEnd(widths[c])).join(' | ')} |`;
console.log(`\ntracekernel bench (${quick ? 'quick' : 'full'}${scaleTo ? `, scale to ${fmt(scaleTo)}` : ''}, ${cpus().length} cpus, node ${process.version})\n`);
console.log(line(rows[0]));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const row of rows.slice(1)) console.log(line(row));
if (curve.length > 1) {
  const growth = [
    ['events', 'SDK events/s', 'vs first', 'store.appendSync/s', 'SDK peak RSS MB', 'B/event', 'written B/event', 'timeline p99 ms', 'events/timeline', 'agent since p99 ms', 'causality 10k ms', 'trace --json / node'],
    ...growthRows.map((r) => [fmt(r.events), fmt(r.sdk_events_per_s), `${fmt(r.sdk_vs_first, 2)}×`, fmt(r.store_events_per_s), fmt(r.sdk_peak_rss_mb), fmt(r.bytes_per_event, 1), fmt(r.written_bytes_per_event),
      fmt(r.timeline_p99_ms, 2), fmt(r.timeline_mean_events, 1), fmt(r.agent_since_p99_ms, 2), fmt(r.causality_10k_ms, 1), `${fmt(r.trace_task_vs_node, 2)}×`]),
  ];
  const gw = growth[0].map((_, c) => Math.max(...growth.map((row) => String(row[c]).length)));
  console.log(`\ngrowth (our store alone above ${fmt(plan.events)}; ${fmt(plan.queries)} queries per size):\n`);
  console.log(`| ${growth[0].map((cell, c) => cell.padEnd(gw[c])).join(' | ')} |`);
  console.log(`|${gw.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const row of growth.slice(1)) console.log(`| ${row.map((cell, c) => String(cell).padEnd(gw[c])).join(' | ')} |`);
}
console.log(`\nload average (1, 5, 15 min): ${loadAtStart.join(', ')} at the start, ${loadAtEnd.join(', ')} at the end; CPU taken by the VM host: ${runSteal ?? 'n/a'}%`);
console.log('\ntargets (issue 12):');
for (const [name, { actual, met }] of Object.entries(results.targets)) console.log(`  ${met ? 'met   ' : 'MISSED'}  ${name}: ${actual ?? 'n/a'}`);
for (const [name, { actual, met }] of Object.entries(results.moonshots)) console.log(`  ${met ? 'met   ' : 'not yet'} ${name}: ${actual ?? 'n/a'}`);
for (const [name, detail] of Object.entries({ causality: queries.causality_10k, ancestors: queries.ancestors_500, cli_version: cli.version_ms, cli_task: cli.trace_task_ms })) {
  if (detail?.error) console.log(`  error in ${name}: ${detail.error}`);
}
console.log(`\nwrote ${join('bench/results/latest.json')}`);

if (keep) log(`stores${profile ? ' and profiles' : ''} kept in ${work}`);
else rmSync(work, { recursive: true, force: true });
