// `npm run bench [-- --quick] [-- --keep] [-- --profile] [-- --store postgres://…] [-- --viewer]` (PostgreSQL: bench/run-postgres.js; the web viewer: bench/run-viewer.js): tracekernel beside its baselines, measured in one run.
// Every figure that has a baseline is reported as a ratio to it, because this machine is noisy.
// Each ingest and emit measure runs in its own process (peak RSS and caches are per measure).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, round, runMeasure } from './lib/child.js';

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
const root = fileURLToPath(new URL('..', import.meta.url));
const resultsDir = fileURLToPath(new URL('./results/', import.meta.url));

const plan = quick
  ? { events: 100_000, emitCalls: 50_000, emitWarmup: 10_000, emitRounds: 3, sustainedCalls: 100_000, perAgentEvents: 0, queries: 300, reps: 5, walkReps: 3, cliRuns: 3, backfill: [500, 2_000, 10_000] }
  : { events: 1_000_000, emitCalls: 50_000, emitWarmup: 20_000, emitRounds: 5, sustainedCalls: 500_000, perAgentEvents: 10_000, queries: 2_000, reps: 10, walkReps: 7, cliRuns: 10, backfill: [1_000, 10_000, 100_000] };

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
const queries = await measure('queries', 'queries.js', { tk: db('store'), naive: db('naive'), count: plan.queries, reps: plan.reps });

// ---- 3b: the walk of one 100k-event task (the viewer's first render), against a plain SELECT of the same rows
const walk = await measure('task walk (100k events)', 'task-walk.js', { events: 100_000, reps: plan.walkReps });

// ---- 4: CLI wall time --------------------------------------------------------------------------
const cliBin = join(root, 'apps/cli/bin/run.js');
// A task from the middle of the log: early tasks collect many subtasks (their timelines include them).
const { taskName } = await import('./lib/swarm-data.js');
const storeManifest = JSON.parse(readFileSync(`${db('store')}.manifest.json`, 'utf8'));
const cliTask = taskName(Math.floor(storeManifest.tasksCreated / 2));
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
log('cli...');
const cli = {
  node_baseline_ms: wallMs(['-e', '0']),
  version_ms: wallMs([cliBin, '--version']),
  trace_task_ms: wallMs([cliBin, cliTask, '--json'], { TRACE_DB: db('store') }),
  task: cliTask,
};
const shown = spawnSync(process.execPath, [cliBin, cliTask, '--json'], { cwd: work, env: { ...process.env, TRACE_DB: db('store') }, maxBuffer: 1 << 28 });
try {
  cli.task_events = JSON.parse(shown.stdout.toString()).events.length;
} catch {
  cli.task_events = null;
}

// ---- 6: run-record backfill: records/s at each size, against the smallest size in this run ----
const backfill = [];
for (const records of plan.backfill) backfill.push(await measure(`backfill ${records}`, 'backfill.js', { records }));
const [backfillBase, ...backfillSizes] = backfill;

// ---- results -----------------------------------------------------------------------------------
const value = (x) => (typeof x === 'number' ? x : null);
const ratio = (a, b) => (value(a) !== null && value(b) ? round(a / b, 2) : null);
const results = {
  quick,
  events: ingest.events,
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model ?? null, node: process.version },
  'ingest.events_per_s': ingest.events_per_s,
  'ingest.naive_events_per_s': naive.events_per_s,
  'ingest.floor_events_per_s': floor.events_per_s,
  'ingest.store_events_per_s': ingestStore.events_per_s,
  'ingest.per_agent_tracers_events_per_s': perAgent.events_per_s,
  'ingest.bytes_per_event': ingest.bytes_per_event,
  'ingest.naive_bytes_per_event': naive.bytes_per_event,
  'ingest.floor_bytes_per_event': floor.bytes_per_event,
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
  'query.timeline_p50_ms': queries.timeline.p50,
  'query.timeline_p99_ms': queries.timeline.p99,
  'query.naive_timeline_p50_ms': queries.naive_timeline.p50,
  'query.naive_timeline_p99_ms': queries.naive_timeline.p99,
  'query.agent_since_p50_ms': queries.agent_since.p50,
  'query.agent_since_p99_ms': queries.agent_since.p99,
  'query.naive_agent_since_p50_ms': queries.naive_agent_since.p50,
  'query.naive_agent_since_p99_ms': queries.naive_agent_since.p99,
  'query.causality_10k_ms': value(queries.causality_10k.median),
  'query.naive_causality_10k_ms': queries.naive_causality_10k.median,
  'query.ancestors_500_ms': value(queries.ancestors_500.median),
  'query.naive_ancestors_500_ms': queries.naive_ancestors_500.median,
  'walk.baseline_select_ms': walk.baseline_select.median_ms,
  'walk.descendants_ms': walk.descendants.median_ms,
  'walk.timeline_ms': walk.timeline.median_ms,
  'walk.causality_ms': walk.causality.median_ms,
  'walk.http_events_ms': walk.http_events.median_ms,
  'cli.version_ms': value(cli.version_ms),
  'cli.trace_task_ms': value(cli.trace_task_ms),
  'cli.node_baseline_ms': cli.node_baseline_ms,
  'backfill.base_records_per_s': backfillBase.records_per_s,
  ...Object.fromEntries(backfillSizes.flatMap((size) => [
    [`backfill.${size.records}_records_per_s`, size.records_per_s],
    [`backfill.${size.records}_vs_base`, ratio(size.records_per_s, backfillBase.records_per_s)],
  ])),
  details: { plan, ingest, ingestQuarter, ingestStore, naive, floor, perAgent, emit, otel, emitTight, otelTight, queries, walk, cli, backfill },
};

// Targets of issue 4. Memory is flat when 4x the events cost at most the configured buffers
// (SQLite's 64 MiB page cache fills as the file grows) plus 10%.
const targets = [
  ['ingest rate ≥ 3× naive', ratio(results['ingest.events_per_s'], results['ingest.naive_events_per_s']), (r) => r >= 3, (r) => `${r}×`],
  ['size ≤ 250 bytes/event', results['ingest.bytes_per_event'], (b) => b <= 250, (b) => `${b} B`],
  ['emit() ≥ OpenTelemetry span, 0 lost', ratio(results['emit.calls_per_s'], results['emit.otel_spans_per_s']),
    (r) => r >= 1 && results['emit.lost'] === 0 && results['emit.tight_lost'] === 0, (r) => `${r}×, lost ${results['emit.lost'] + results['emit.tight_lost']}`],
  ['timeline p99 ≤ 1 ms', results['query.timeline_p99_ms'], (ms) => ms <= 1, (ms) => `${ms} ms`],
  ['10k-node causality ≤ 30 ms', results['query.causality_10k_ms'], (ms) => ms <= 30, (ms) => `${ms} ms`],
  ['trace <task> ≤ 300 ms', results['cli.trace_task_ms'], (ms) => ms <= 300, (ms) => `${ms} ms`],
  ['ingest memory flat (N vs N/4)', round(results['ingest.peak_rss_mb'] - results['ingest.peak_rss_quarter_mb'], 1),
    (growth) => growth <= 64 + 0.1 * results['ingest.peak_rss_quarter_mb'], (growth) => `+${growth} MB`],
  // Linear time keeps records/s flat as the file grows (the old importer fell 3x per doubling).
  [`backfill linear (${backfillSizes.at(-1).records} vs ${backfillBase.records} records/s ≥ 0.5×)`,
    ratio(backfillSizes.at(-1).records_per_s, backfillBase.records_per_s), (r) => r >= 0.5, (r) => `${r}×, ${backfillSizes.at(-1).seconds} s`],
];
results.targets = Object.fromEntries(targets.map(([name, actual, met, show]) => [
  name, actual === null || actual === undefined || Number.isNaN(actual) ? { actual: null, met: false } : { actual: show(actual), met: met(actual) },
]));

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
  ['  store.appendSync (no SDK)', fmt(ingestStore.events_per_s), `naive ${fmt(naive.events_per_s)}`, `${fmt(ratio(ingestStore.events_per_s, naive.events_per_s), 2)}×`],
  [`  SDK, 50 tracers in 1 process (${perAgent.events ? fmt(perAgent.events) + ' events' : 'full mode only'})`, fmt(perAgent.events_per_s), `spooled ${fmt(perAgent.spooled)}`, perAgent.peak_rss_mb ? `peak RSS ${fmt(perAgent.peak_rss_mb)} MB` : ''],
  ['bytes/event (file + wal)', fmt(ingest.bytes_per_event, 1), `naive ${fmt(naive.bytes_per_event, 1)}`, `${fmt(ratio(ingest.bytes_per_event, naive.bytes_per_event), 2)}×`],
  ['peak RSS MB, N | N/4', `${fmt(ingest.peak_rss_mb)} | ${fmt(ingestQuarter.peak_rss_mb)}`, `naive ${fmt(naive.peak_rss_mb)}`, ''],
  [`emit() calls/s (${fmt(plan.emitCalls)}, bursts of 1000)`, fmt(emit.calls_per_s), `otel ${fmt(otel.calls_per_s)}`, `${fmt(ratio(emit.calls_per_s, otel.calls_per_s), 2)}×`],
  ['  ns/call', fmt(emit.ns_per_call), `otel ${fmt(otel.ns_per_call)}`, ''],
  ['  lost', fmt(emit.lost), `otel ${fmt(otel.lost)}`, ''],
  [`emit() tight loop of ${fmt(plan.sustainedCalls)}: calls/s`, fmt(emitTight.calls_per_s), `otel ${fmt(otelTight.calls_per_s)}`, `${fmt(ratio(emitTight.calls_per_s, otelTight.calls_per_s), 2)}×`],
  ['  lost', fmt(emitTight.lost), `otel ${fmt(otelTight.lost)}`, ''],
  ['task timeline p50 / p99 ms', `${fmt(queries.timeline.p50, 2)} / ${fmt(queries.timeline.p99, 2)}`, `naive ${fmt(queries.naive_timeline.p50, 2)} / ${fmt(queries.naive_timeline.p99, 2)}`, `${speedup(queries.timeline.p99, queries.naive_timeline.p99)} (p99)`],
  ['agent since, limit 100 p50 / p99 ms', `${fmt(queries.agent_since.p50, 2)} / ${fmt(queries.agent_since.p99, 2)}`, `naive ${fmt(queries.naive_agent_since.p50, 2)} / ${fmt(queries.naive_agent_since.p99, 2)}`, `${speedup(queries.agent_since.p99, queries.naive_agent_since.p99)} (p99)`],
  [`causality tree (${fmt(queries.causality_10k.nodes)} nodes) ms`, fmt(queries.causality_10k.median, 1), `naive ${fmt(queries.naive_causality_10k.median, 1)}`, speedup(queries.causality_10k.median, queries.naive_causality_10k.median)],
  [`ancestors (chain of ${fmt(queries.ancestors_500.chain)}) ms`, fmt(queries.ancestors_500.median, 2), `naive ${fmt(queries.naive_ancestors_500.median, 2)}`, speedup(queries.ancestors_500.median, queries.naive_ancestors_500.median)],
  ...[['descendants', 'store.descendants'], ['timeline', 'timeline()'], ['causality', 'causality()'], ['http_events', 'GET /v1/events?task=']].map(([key, label]) => [
    `${fmt(walk.rows[key])}-event task walk: ${label} ms (median of ${walk.reps})`, fmt(walk[key].median_ms),
    `plain SELECT ${fmt(walk.baseline_select.median_ms)}`, `${fmt(walk[key].vs_baseline, 2)}× the SELECT`]),
  ['trace --version ms', fmt(cli.version_ms, 1), `node -e 0: ${fmt(cli.node_baseline_ms, 1)}`, `${fmt(ratio(cli.version_ms, cli.node_baseline_ms), 2)}×`],
  [`trace <task> --json ms (${fmt(cli.task_events)} events)`, fmt(cli.trace_task_ms, 1), `node -e 0: ${fmt(cli.node_baseline_ms, 1)}`, `${fmt(ratio(cli.trace_task_ms, cli.node_baseline_ms), 2)}×`],
  ...backfillSizes.map((size) => [`backfill records/s (${fmt(size.records)} records)`, fmt(size.records_per_s), `${fmt(backfillBase.records)}: ${fmt(backfillBase.records_per_s)}`, `${fmt(ratio(size.records_per_s, backfillBase.records_per_s), 2)}× (${fmt(size.seconds, 1)} s)`]),
];
const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => String(row[c]).length)));
const line = (row) => `| ${row.map((cell, c) => String(cell).padEnd(widths[c])).join(' | ')} |`;
console.log(`\ntracekernel bench (${quick ? 'quick' : 'full'}, ${cpus().length} cpus, node ${process.version})\n`);
console.log(line(rows[0]));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const row of rows.slice(1)) console.log(line(row));
console.log('\ntargets:');
for (const [name, { actual, met }] of Object.entries(results.targets)) console.log(`  ${met ? 'met   ' : 'MISSED'}  ${name}: ${actual ?? 'n/a'}`);
for (const [name, detail] of Object.entries({ causality: queries.causality_10k, ancestors: queries.ancestors_500, cli_version: cli.version_ms, cli_task: cli.trace_task_ms })) {
  if (detail?.error) console.log(`  error in ${name}: ${detail.error}`);
}
console.log(`\nwrote ${join('bench/results/latest.json')}`);

if (keep) log(`stores${profile ? ' and profiles' : ''} kept in ${work}`);
else rmSync(work, { recursive: true, force: true });
