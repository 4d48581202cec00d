// `npm run bench -- --store postgres://host/db [--quick]`: the ingest and query measures on
// PostgreSQL, each beside the naive schema on the same server in the same run. Everything lives in
// one fresh database (tk_bench_<random>, a schema per measure) that is dropped at the end.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { cpus, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, round, runMeasure } from './lib/child.js';
import { createBenchDatabase, withClient } from './lib/pg-bench.js';
import { taskName } from './lib/swarm-data.js';

export async function runPostgres({ url: given, quick, profile }) {
  // Without a user in the URL or PGUSER, log in as the OS user, as psql and the store do.
  const parsed = new URL(given);
  if (!parsed.username && !process.env.PGUSER) parsed.username = userInfo().username;
  const url = parsed.toString();
  const plan = quick
    ? { events: 100_000, queries: 200, reps: 3, cliRuns: 3 }
    : { events: 1_000_000, queries: 1_000, reps: 10, cliRuns: 10 };
  const root = fileURLToPath(new URL('..', import.meta.url));
  const resultsDir = fileURLToPath(new URL('./results/', import.meta.url));
  const work = mkdtempSync(join(tmpdir(), 'tracekernel-bench-pg-'));
  const log = (message) => process.stderr.write(`bench: ${message}\n`);
  const server = await withClient(url, async (client) => {
    const { rows } = await client.query(`SELECT current_setting('server_version') AS version,
      current_setting('synchronous_commit') AS synchronous_commit, current_setting('fsync') AS fsync,
      current_setting('shared_buffers') AS shared_buffers`);
    return rows[0];
  });
  if (server.synchronous_commit === 'off' || server.fsync === 'off') {
    throw new Error(`the server runs with synchronous_commit=${server.synchronous_commit}, fsync=${server.fsync}: its figures would not be durable ones`);
  }
  const database = await createBenchDatabase(url);
  log(`PostgreSQL ${server.version} at ${new URL(url).host}, database ${database.name}`);
  const measure = async (label, script, options) => {
    log(`${label}...`);
    const started = performance.now();
    const flags = profile ? ['--cpu-prof', `--cpu-prof-dir=${join(work, 'profiles', label.replace(/[^a-z0-9]+/gi, '-'))}`] : [];
    const result = await runMeasure(script, options, flags, work); // anything a measure leaves in its cwd goes with the temp dir
    log(`${label}: ${round((performance.now() - started) / 1000, 1)} s`);
    return result;
  };
  const manifest = (name) => join(work, `${name}.manifest.json`);
  try {
    const at = {
      sdk: await database.schema('sdk'), store: await database.schema('store'),
      naive: await database.schema('naive'), floor: await database.schema('floor'), copyFloor: await database.schema('copy_floor'),
    };
    const ingest = await measure('pg ingest sdk', 'ingest-tracekernel.js', { db: at.sdk, events: plan.events, via: 'sdk', tracers: 'one', manifest: manifest('sdk') });
    const ingestStore = await measure('pg ingest store', 'ingest-tracekernel.js', { db: at.store, events: plan.events, via: 'store', batch: 1000, manifest: manifest('store') });
    const naive = await measure('pg ingest naive', 'ingest-naive-pg.js', { db: at.naive, events: plan.events, schema: 'naive', manifest: manifest('naive') });
    const floor = await measure('pg ingest floor', 'ingest-naive-pg.js', { db: at.floor, events: plan.events, schema: 'floor', manifest: manifest('floor') });
    const copyFloor = await measure('pg ingest copy floor', 'ingest-naive-pg.js', { db: at.copyFloor, events: plan.events, schema: 'floor', via: 'copy', manifest: manifest('copy-floor') });
    await withClient(at.floor, (client) => client.query('DROP SCHEMA floor CASCADE; DROP SCHEMA copy_floor CASCADE'));
    await withClient(at.naive, (client) => client.query('VACUUM ANALYZE events'));
    await withClient(at.store, (client) => client.query('VACUUM ANALYZE'));
    const queries = await measure('pg queries', 'queries.js', {
      tk: at.store, naive: at.naive, count: plan.queries, reps: plan.reps, 'tk-manifest': manifest('store'), 'naive-manifest': manifest('naive'),
    });

    const cliBin = join(root, 'apps/cli/bin/run.js');
    const storeManifest = JSON.parse(readFileSync(manifest('store'), 'utf8'));
    const cliTask = taskName(Math.floor(storeManifest.tasksCreated / 2));
    const wallMs = (args, env = {}) => {
      const runs = [];
      let status = 0;
      let stderr = '';
      for (let i = 0; i <= plan.cliRuns; i++) {
        const started = performance.now();
        const child = spawnSync(process.execPath, args, { cwd: work, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
        if (i > 0) runs.push(performance.now() - started);
        status = child.status;
        stderr = child.stderr.toString();
      }
      return status === 0 ? round(median(runs), 1) : { error: `exit ${status}: ${stderr.trim().split('\n')[0]}` };
    };
    log('pg cli...');
    const cli = { node_baseline_ms: wallMs(['-e', '0']), trace_task_ms: wallMs([cliBin, cliTask, '--json'], { TRACE_DB: at.store }), task: cliTask };

    const value = (x) => (typeof x === 'number' ? x : null);
    const ratio = (a, b) => (value(a) !== null && value(b) ? round(a / b, 2) : null);
    const results = {
      dialect: 'postgres',
      quick,
      events: plan.events,
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, model: cpus()[0]?.model ?? null, node: process.version },
      server,
      'pg.ingest.events_per_s': ingest.events_per_s,
      'pg.ingest.spooled': ingest.spooled,
      'pg.ingest.store_events_per_s': ingestStore.events_per_s,
      'pg.ingest.naive_events_per_s': naive.events_per_s,
      'pg.ingest.floor_events_per_s': floor.events_per_s,
      'pg.ingest.copy_floor_events_per_s': copyFloor.events_per_s,
      // CPU per event, client process (all threads) and server backends: what bounds ingest when
      // both run on one machine (cores / (client + server)), whatever else the machine runs.
      'pg.ingest.sdk_cpu_us_per_event': { client: ingest.client_cpu_us_per_event, server: ingest.server_cpu_us_per_event ?? null },
      'pg.ingest.store_cpu_us_per_event': { client: ingestStore.client_cpu_us_per_event, server: ingestStore.server_cpu_us_per_event ?? null },
      'pg.ingest.naive_cpu_us_per_event': { client: naive.client_cpu_us_per_event, server: naive.server_cpu_us_per_event ?? null },
      'pg.ingest.copy_floor_cpu_us_per_event': { client: copyFloor.client_cpu_us_per_event, server: copyFloor.server_cpu_us_per_event ?? null },
      'pg.ingest.bytes_per_event': ingestStore.bytes_per_event,
      'pg.ingest.naive_bytes_per_event': naive.bytes_per_event,
      'pg.ingest.floor_bytes_per_event': floor.bytes_per_event,
      'pg.query.timeline_p50_ms': queries.timeline.p50,
      'pg.query.timeline_p99_ms': queries.timeline.p99,
      'pg.query.naive_timeline_p99_ms': queries.naive_timeline.p99,
      'pg.query.agent_since_p99_ms': queries.agent_since.p99,
      'pg.query.naive_agent_since_p99_ms': queries.naive_agent_since.p99,
      'pg.query.causality_10k_ms': value(queries.causality_10k.median),
      'pg.query.naive_causality_10k_ms': queries.naive_causality_10k.median,
      'pg.query.ancestors_500_ms': value(queries.ancestors_500.median),
      'pg.query.naive_ancestors_500_ms': queries.naive_ancestors_500.median,
      'pg.cli.trace_task_ms': value(cli.trace_task_ms),
      details: { plan, ingest, ingestStore, naive, floor, copyFloor, queries, cli },
    };
    // Issue 8: at least 3x Emmett's best here (22k/s), through the SDK, durable, with every index.
    const sdkReached = ingest.stored === ingest.events && ingest.spooled === 0;
    const sdkRate = sdkReached ? ingest.events_per_s : null;
    results.targets = {
      'PG ingest through the SDK ≥ 65k events/s': sdkRate === null
        ? { actual: `the SDK stored ${ingest.stored} of ${ingest.events} events on the server (spooled ${ingest.spooled})`, met: false }
        : { actual: `${sdkRate}/s`, met: sdkRate >= 65_000 },
    };
    mkdirSync(resultsDir, { recursive: true });
    writeFileSync(join(resultsDir, 'latest-postgres.json'), `${JSON.stringify(results, null, 2)}\n`);

    /** Events/s if every core ran only this ingest's client and server: cores × 10^6 / (client + server µs). */
    const ceiling = (m) => (m.server_cpu_us_per_event ? round((cpus().length * 1e6) / (m.client_cpu_us_per_event + m.server_cpu_us_per_event)) : null);
    const fmt = (x, digits = 0) => (typeof x === 'number' ? x.toLocaleString('en-US', { maximumFractionDigits: digits }) : x?.error ? 'error' : 'n/a');
    const speedup = (ours, baseline) => {
      const r = ratio(baseline, ours);
      if (r === null) return 'n/a';
      return r >= 1 ? `${fmt(r, 2)}× faster` : `${fmt(1 / r, 2)}× slower`;
    };
    const rows = [
      ['measure', 'tracekernel', 'baseline', 'ratio'],
      [`ingest events/s (${fmt(plan.events)} events, SDK)`, sdkReached ? fmt(ingest.events_per_s) : `not on the server (${fmt(ingest.stored)} stored)`, `naive ${fmt(naive.events_per_s)}`, `${fmt(ratio(sdkRate, naive.events_per_s), 2)}×`],
      ['  store.append, 1000 a batch (no SDK)', fmt(ingestStore.events_per_s), `naive ${fmt(naive.events_per_s)}`, `${fmt(ratio(ingestStore.events_per_s, naive.events_per_s), 2)}×`],
      ['  floor: no key, no index', '', `floor ${fmt(floor.events_per_s)}`, `${fmt(ratio(ingestStore.events_per_s, floor.events_per_s), 2)}× of floor`],
      ['  COPY floor: no key, no index, COPY', '', `copy floor ${fmt(copyFloor.events_per_s)}`, `SDK ${fmt(ratio(sdkRate, copyFloor.events_per_s), 2)}× of it`],
      ['CPU µs/event client + server (SDK)', `${fmt(ingest.client_cpu_us_per_event, 1)} + ${fmt(ingest.server_cpu_us_per_event, 1)}`, `naive ${fmt(naive.client_cpu_us_per_event, 1)} + ${fmt(naive.server_cpu_us_per_event, 1)}`, `ceiling ${fmt(ceiling(ingest))}/s on ${cpus().length} cores`],
      ['  store.append', `${fmt(ingestStore.client_cpu_us_per_event, 1)} + ${fmt(ingestStore.server_cpu_us_per_event, 1)}`, `copy floor ${fmt(copyFloor.client_cpu_us_per_event, 1)} + ${fmt(copyFloor.server_cpu_us_per_event, 1)}`, `ceiling ${fmt(ceiling(ingestStore))}/s`],
      ['bytes/event (pg_total_relation_size)', fmt(ingestStore.bytes_per_event, 1), `naive ${fmt(naive.bytes_per_event, 1)}`, `${fmt(ratio(ingestStore.bytes_per_event, naive.bytes_per_event), 2)}×`],
      ['task timeline p50 / p99 ms', `${fmt(queries.timeline.p50, 2)} / ${fmt(queries.timeline.p99, 2)}`, `naive ${fmt(queries.naive_timeline.p50, 2)} / ${fmt(queries.naive_timeline.p99, 2)}`, `${speedup(queries.timeline.p99, queries.naive_timeline.p99)} (p99)`],
      ['agent since, limit 100 p50 / p99 ms', `${fmt(queries.agent_since.p50, 2)} / ${fmt(queries.agent_since.p99, 2)}`, `naive ${fmt(queries.naive_agent_since.p50, 2)} / ${fmt(queries.naive_agent_since.p99, 2)}`, `${speedup(queries.agent_since.p99, queries.naive_agent_since.p99)} (p99)`],
      [`causality tree (${fmt(queries.causality_10k.nodes)} nodes) ms`, fmt(queries.causality_10k.median, 1), `naive ${fmt(queries.naive_causality_10k.median, 1)}`, speedup(queries.causality_10k.median, queries.naive_causality_10k.median)],
      [`ancestors (chain of ${fmt(queries.ancestors_500.chain)}) ms`, fmt(queries.ancestors_500.median, 2), `naive ${fmt(queries.naive_ancestors_500.median, 2)}`, speedup(queries.ancestors_500.median, queries.naive_ancestors_500.median)],
      [`trace <task> --json ms`, fmt(cli.trace_task_ms, 1), `node -e 0: ${fmt(cli.node_baseline_ms, 1)}`, `${fmt(ratio(cli.trace_task_ms, cli.node_baseline_ms), 2)}×`],
    ];
    const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => String(row[c]).length)));
    const line = (row) => `| ${row.map((cell, c) => String(cell).padEnd(widths[c])).join(' | ')} |`;
    console.log(`\ntracekernel bench on PostgreSQL ${server.version} (${quick ? 'quick' : 'full'}, ${cpus().length} cpus, node ${process.version})\n`);
    console.log(line(rows[0]));
    console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
    for (const row of rows.slice(1)) console.log(line(row));
    console.log('\ntargets:');
    for (const [name, { actual, met }] of Object.entries(results.targets)) console.log(`  ${met ? 'met   ' : 'MISSED'}  ${name}: ${actual}`);
    for (const [name, detail] of Object.entries({ causality: queries.causality_10k, ancestors: queries.ancestors_500, cli_task: cli.trace_task_ms })) {
      if (detail?.error) console.log(`  error in ${name}: ${detail.error}`);
    }
    console.log('\nwrote bench/results/latest-postgres.json');
  } finally {
    await database.drop();
    if (profile) log(`profiles kept in ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
}
