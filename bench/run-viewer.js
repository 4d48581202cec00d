// `npm run bench -- --viewer [--quick]`: the web viewer in real Chromium (Debian's chromium, driven by
// playwright-core) against `trace serve` of the built CLI, on a store with one 100,000-event task.
// Measures time to first render, frame times while panning and zooming (waterfall and graph), and
// main-thread long tasks (PerformanceObserver 'longtask') after the first render. The baseline, in
// the same run, is the first render of one leaf task of the same store (about 100 events).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { median, percentile, round } from './lib/child.js';
import { cpuTicks, stealPercent } from './lib/host-steal.js';
import { VIEWER_TASK, writeViewerStore } from './lib/viewer-data.js';

export async function runViewer({ quick = false, keep = false } = {}) {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(chromiumPath)) throw new Error(`bench --viewer: no browser at ${chromiumPath} (apt-get install -y chromium)`);
  const log = (message) => process.stderr.write(`bench: ${message}\n`);
  const plan = quick ? { events: 100_000, loads: 3, gestures: 60 } : { events: 100_000, loads: 7, gestures: 150 };
  const work = mkdtempSync(join(tmpdir(), 'tracekernel-bench-viewer-'));
  const db = join(work, 'viewer.db');

  log(`writing a store with a ${plan.events.toLocaleString('en-US')}-event task...`);
  const written = await writeViewerStore(db, { events: plan.events });
  const server = spawn(process.execPath, [join(root, 'apps/cli/bin/run.js'), 'serve', '--db', db, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const base = await new Promise((done, fail) => {
    let out = '';
    server.stdout.on('data', (chunk) => {
      out += chunk;
      const match = /http:\/\/127\.0\.0\.1:\d+\//.exec(out);
      if (match) done(match[0]);
    });
    server.on('exit', (code) => fail(new Error(`trace serve exited ${code}: ${out}`)));
  });
  const stopServer = () => server.kill('SIGTERM');
  process.once('exit', stopServer);
  const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
  const context = await browser.newContext({ viewport: { width: 1600, height: 900 } });
  await context.addInitScript(() => {
    window.__benchLongTasks = [];
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) window.__benchLongTasks.push({ start: entry.startTime, duration: entry.duration });
    }).observe({ type: 'longtask', buffered: true });
  });

  /** A fresh document on a route; resolves with its time to first render (ms since navigation start). */
  async function load(page, route, minEvents) {
    await page.goto('about:blank');
    await page.goto(`${base}#${route}`);
    await page.waitForFunction((min) => {
      const s = window.__traceViewer;
      return s && s.firstRenderAt !== null && !s.loading && s.counts.events >= min;
    }, minEvents, { timeout: 120_000, polling: 50 });
    const measured = await page.evaluate(() => {
      const timings = window.__traceViewer.loadTimings;
      // When the worker sent the events' request, on the page's clock: what the page costs before the server can start.
      return { first: window.__traceViewer.firstRenderAt, timings: { ...timings, requestAt: timings.startEpoch - performance.timeOrigin } };
    });
    // The graph request follows the first render; let the server finish it before the next sample.
    await page.waitForFunction(() => window.__traceViewer.counts.graphNodes > 0, undefined, { timeout: 180_000, polling: 200 });
    return measured;
  }

  /** Frame times (rAF to rAF) while `gesture` runs `plan.gestures` times, and the long tasks meanwhile. */
  async function frames(page, gesture) {
    await page.evaluate(() => {
      window.__benchFrames = [];
      window.__benchFrom = performance.now();
      let last = performance.now();
      const tick = (now) => {
        window.__benchFrames.push(now - last);
        last = now;
        if (window.__benchFrames !== null) window.__benchRaf = requestAnimationFrame(tick);
      };
      window.__benchRaf = requestAnimationFrame(tick);
    });
    for (let i = 0; i < plan.gestures; i++) await gesture(i);
    const result = await page.evaluate(() => {
      const deltas = window.__benchFrames.slice(1);
      cancelAnimationFrame(window.__benchRaf);
      window.__benchFrames = null;
      const from = window.__benchFrom;
      return { deltas, longTasks: window.__benchLongTasks.filter((task) => task.start >= from) };
    });
    const sorted = [...result.deltas].sort((a, b) => a - b);
    return {
      frames: sorted.length,
      p50_ms: round(percentile(sorted, 50), 1),
      p95_ms: round(percentile(sorted, 95), 1),
      max_ms: round(sorted.at(-1) ?? NaN, 1),
      long_tasks: result.longTasks.length,
      longest_task_ms: round(Math.max(0, ...result.longTasks.map((task) => task.duration)), 1),
    };
  }

  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  const leaf = `${VIEWER_TASK}-g0-l0`;
  log('first render, baseline leaf task and 100k-event task, alternating...');
  const bigLoads = [];
  const leafLoads = [];
  let loadLongest = 0;
  let leafCount = 0;
  const bigTimings = [];
  /** The share of the machine's CPU the host took during each big load. */
  const bigSteal = [];
  const runTicks = cpuTicks();
  for (let i = 0; i < plan.loads; i++) {
    leafLoads.push((await load(page, `/task/${leaf}`, 1)).first);
    leafCount = await page.evaluate(() => window.__traceViewer.counts.events);
    const ticks = cpuTicks();
    const big = await load(page, `/task/${VIEWER_TASK}`, written.events);
    bigSteal.push(stealPercent(ticks, cpuTicks()));
    bigLoads.push(big.first);
    bigTimings.push(big.timings);
    loadLongest = Math.max(loadLongest, ...(await page.evaluate(() => window.__benchLongTasks.map((task) => task.duration))), 0);
  }
  const counts = await page.evaluate(() => window.__traceViewer.counts);
  log('waiting for the 100k-node causality graph...');
  await page.waitForFunction((n) => window.__traceViewer.counts.graphNodes >= n, Math.floor(written.events * 0.9), { timeout: 120_000, polling: 200 });
  const graphCounts = await page.evaluate(() => window.__traceViewer.counts);
  // Long tasks between the first render and now (the graph's arrival included).
  const settled = await page.evaluate(() => {
    const after = window.__traceViewer.firstRenderAt;
    return window.__benchLongTasks.filter((task) => task.start >= after).map((task) => task.duration);
  });

  const box = await page.locator('#waterfall').boundingBox();
  const cx = box.x + box.width * 0.6;
  const cy = box.y + box.height * 0.5;
  log('waterfall: pan and zoom...');
  await page.mouse.move(cx, cy);
  const waterfallFrames = await frames(page, async (i) => {
    if (i % 3 === 2) {
      await page.keyboard.down('Control');
      await page.mouse.wheel(0, i % 6 === 2 ? -240 : 200);
      await page.keyboard.up('Control');
    } else {
      await page.mouse.down();
      await page.mouse.move(cx + (i % 2 ? -120 : 120), cy + (i % 4 < 2 ? 60 : -60), { steps: 4 });
      await page.mouse.up();
      await page.mouse.move(cx, cy);
    }
  });
  log('graph: pan and zoom...');
  await page.keyboard.press('g');
  await page.keyboard.press('0');
  await page.waitForTimeout(300);
  const graphFrames = await frames(page, async (i) => {
    if (i % 3 === 2) {
      await page.keyboard.down('Control');
      await page.mouse.wheel(0, i % 6 === 2 ? -300 : 240);
      await page.keyboard.up('Control');
    } else {
      await page.mouse.down();
      await page.mouse.move(cx + (i % 2 ? -150 : 150), cy + (i % 4 < 2 ? 80 : -80), { steps: 4 });
      await page.mouse.up();
      await page.mouse.move(cx, cy);
    }
  });
  await browser.close();
  server.kill('SIGTERM');
  const runSteal = stealPercent(runTicks, cpuTicks());

  const sortedBig = [...bigLoads].sort((a, b) => a - b);
  const part = (name) => round(median(bigTimings.map((timings) => timings[name])), 0);
  const breakdown = { request_sent_at_ms: part('requestAt'), server_ms: part('serverMs'), body_ms: part('bodyMs'), layout_ms: part('layoutMs'), bytes: part('bytes') };
  breakdown.rest_ms = round(median(bigLoads) - breakdown.server_ms - breakdown.body_ms - breakdown.layout_ms, 0);
  const results = {
    quick,
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? null, node: process.version },
    store: written,
    leaf_events: leafCount,
    shown: { ...counts, graphNodes: graphCounts.graphNodes, graphEdges: graphCounts.graphEdges },
    'viewer.first_render_ms': round(median(bigLoads), 0),
    'viewer.first_render_max_ms': round(sortedBig.at(-1), 0),
    'viewer.first_render_breakdown': breakdown,
    'viewer.first_render_without_server_ms': round(median(bigLoads.map((ms, i) => ms - bigTimings[i].serverMs)), 0),
    // Of each big load, in order; a load that lost CPU to the host is slow whatever the code does.
    'viewer.first_render_steal_pct': bigSteal,
    'viewer.run_steal_pct': runSteal,
    'viewer.first_render_leaf_ms': round(median(leafLoads), 0),
    'viewer.first_render_vs_leaf': round(median(bigLoads) / median(leafLoads), 2),
    'viewer.load_longest_task_ms': round(loadLongest, 1),
    'viewer.after_load_longest_task_ms': round(Math.max(0, ...settled, waterfallFrames.longest_task_ms, graphFrames.longest_task_ms), 1),
    waterfall: waterfallFrames,
    graph: graphFrames,
    page_errors: errors,
    details: { plan, bigLoads: bigLoads.map((ms) => round(ms)), leafLoads: leafLoads.map((ms) => round(ms)), settledLongTasks: settled.map((ms) => round(ms, 1)) },
  };
  const p95 = Math.max(waterfallFrames.p95_ms, graphFrames.p95_ms);
  results.targets = {
    'first render of a 100k-event task ≤ 2 s': { actual: `${results['viewer.first_render_ms']} ms (median of ${plan.loads}; max ${results['viewer.first_render_max_ms']} ms)`, met: results['viewer.first_render_max_ms'] <= 2000 },
    'p95 frame ≤ 50 ms while panning and zooming': { actual: `${p95} ms (waterfall ${waterfallFrames.p95_ms}, graph ${graphFrames.p95_ms})`, met: p95 <= 50 },
    'no main-thread task > 200 ms after load': { actual: `${results['viewer.after_load_longest_task_ms']} ms`, met: results['viewer.after_load_longest_task_ms'] <= 200 },
  };
  const resultsDir = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, 'latest-viewer.json'), `${JSON.stringify(results, null, 2)}\n`);

  const rows = [
    ['measure', 'value', 'sample'],
    [`first render, ${written.events.toLocaleString('en-US')}-event task (median / max)`, `${results['viewer.first_render_ms']} / ${results['viewer.first_render_max_ms']} ms`, `${plan.loads} loads`],
    ['  request sent (after navigation start)', `${breakdown.request_sent_at_ms} ms`, 'median'],
    ['  of which: server (request to headers)', `${breakdown.server_ms} ms`, 'median'],
    ['  body (read + JSON.parse, worker)', `${breakdown.body_ms} ms`, `${(breakdown.bytes / 1e6).toFixed(1)} MB`],
    ['  layout (worker)', `${breakdown.layout_ms} ms`, ''],
    ['  page, script, transfer, first paint', `${breakdown.rest_ms} ms`, ''],
    ['first render without the server\'s part', `${results['viewer.first_render_without_server_ms']} ms`, 'median'],
    [`first render, leaf task (${leafCount} events) baseline`, `${results['viewer.first_render_leaf_ms']} ms`, `${plan.loads} loads`],
    ['  ratio 100k / leaf', `${results['viewer.first_render_vs_leaf']}×`, ''],
    ['waterfall frame p50 / p95 / max', `${waterfallFrames.p50_ms} / ${waterfallFrames.p95_ms} / ${waterfallFrames.max_ms} ms`, `${waterfallFrames.frames} frames, ${plan.gestures} gestures`],
    [`graph (${graphCounts.graphNodes.toLocaleString('en-US')} nodes) frame p50 / p95 / max`, `${graphFrames.p50_ms} / ${graphFrames.p95_ms} / ${graphFrames.max_ms} ms`, `${graphFrames.frames} frames, ${plan.gestures} gestures`],
    ['longest main-thread task after first render', `${results['viewer.after_load_longest_task_ms']} ms`, `${settled.length + waterfallFrames.long_tasks + graphFrames.long_tasks} long tasks`],
    ['longest main-thread task during loads', `${results['viewer.load_longest_task_ms']} ms`, ''],
    ['CPU taken by the VM host during the big loads', bigSteal.includes(null) ? 'n/a' : `${median(bigSteal)}% median, ${Math.max(...bigSteal)}% max`, `whole run ${runSteal ?? 'n/a'}%`],
  ];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => String(row[c]).length)));
  const line = (row) => `| ${row.map((cell, c) => String(cell).padEnd(widths[c])).join(' | ')} |`;
  console.log(`\ntracekernel viewer bench (${quick ? 'quick' : 'full'}, ${cpus().length} cpus, chromium headless)\n`);
  console.log(line(rows[0]));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const row of rows.slice(1)) console.log(line(row));
  console.log('\ntargets:');
  for (const [name, { actual, met }] of Object.entries(results.targets)) console.log(`  ${met ? 'met   ' : 'MISSED'}  ${name}: ${actual}`);
  if (errors.length > 0) console.log(`\npage errors: ${errors.join('; ')}`);
  console.log('\nwrote bench/results/latest-viewer.json');
  if (keep) log(`store kept in ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
