import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TRACE_BIN, cleanEnv, emit, tempDirs, trace } from './helpers/trace-cli.js';

// The web viewer in a real browser (Debian's chromium, driven by playwright-core), against a real
// `trace serve` of the built CLI over the demo's store. The page exposes what it drew as the
// read-only `window.__traceViewer`; the tests compare that with what the store answers.

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const DEMO = resolve(import.meta.dirname, '../apps/cli/dist/demo/run-demo.js');
const run = promisify(execFile);
const dirs = tempDirs();

let cwd: string;
let shots: string;
let server: ChildProcess;
let base: string;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

/** Starts `trace serve --port 0` and resolves with the URL it prints. */
function serve(dir: string): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [TRACE_BIN, 'serve', '--port', '0'], { cwd: dir, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (chunk) => {
      out += chunk;
      const match = /http:\/\/127\.0\.0\.1:\d+\//.exec(out);
      if (match) done({ child, url: match[0] });
    });
    child.stderr!.on('data', (chunk) => (out += chunk));
    child.on('exit', (code) => fail(new Error(`trace serve exited ${code}: ${out}`)));
  });
}

const state = <T>(read: string): Promise<T> => page.evaluate(`(() => { const s = window.__traceViewer; return ${read}; })()`) as Promise<T>;

async function waitForVersionAfter(version: number): Promise<void> {
  await page.waitForFunction((v) => (window as any).__traceViewer.version > v && !(window as any).__traceViewer.loading, version);
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`no browser at ${CHROMIUM}: apt-get install -y chromium (.ci/run does)`);
  cwd = dirs.make('tracekernel-viewer-');
  shots = join(cwd, 'screenshots');
  mkdirSync(shots);
  const [, launched] = await Promise.all([
    run(process.execPath, [DEMO], { cwd, env: cleanEnv() }),
    chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] }),
  ]);
  browser = launched;
  ({ child: server, url: base } = await serve(cwd));
  page = await browser.newPage({ viewport: { width: 1400, height: 860 }, colorScheme: 'light' });
  page.on('pageerror', (error) => pageErrors.push(error.message));
});

afterEach(() => {
  expect(pageErrors).toEqual([]);
});

afterAll(async () => {
  await browser?.close();
  server?.kill('SIGTERM');
  dirs.cleanup();
});

describe('the web viewer', () => {
  it('opens the demo task: waterfall rows, bars and graph nodes and edges are the store’s', async () => {
    const timeline = JSON.parse((await trace(['task-abc123', '--json'], { cwd })).stdout);
    const causality = JSON.parse((await trace(['--causality', 'task-abc123', '--json'], { cwd })).stdout);

    await page.goto(`${base}#/task/task-abc123`);
    await page.waitForFunction(() => (window as any).__traceViewer?.waterfall() && (window as any).__traceViewer.graph());
    const waterfall = await state<any>('s.waterfall()');

    // Every event of the task's timeline, in its order, and nothing else.
    expect(waterfall.eventIds).toEqual(timeline.events.map((event: any) => event.id));
    // One row per task, each subtask nested under the task that created it.
    const created = timeline.events.filter((event: any) => event.type === 'create_task');
    expect(waterfall.rows.map((row: any) => [row.key, row.depth])).toEqual(
      created.map((event: any) => [event.target_id, event.metadata.parent_task_id ? 1 : 0]),
    );
    // Each task's own ops events are marks on its row; every event is on exactly one row.
    for (const event of timeline.events.filter((e: any) => e.primitive === 'ops')) {
      expect(waterfall.rows.find((row: any) => row.key === event.target_id).eventIds).toContain(event.id);
    }
    expect(waterfall.rows.flatMap((row: any) => row.eventIds).sort()).toEqual(timeline.events.map((e: any) => e.id).sort());
    // task-sub1 was blocked from its block_task until its second claim.
    const sub1 = timeline.events.filter((e: any) => e.target_id === 'task-sub1');
    const blocked = sub1.find((e: any) => e.type === 'block_task');
    const retry = sub1.find((e: any) => e.type === 'claim_task' && e.metadata.attempt === 2);
    expect(waterfall.bars.filter((bar: any) => bar.row === 'task-sub1' && bar.state === 'blocked')).toEqual([
      { row: 'task-sub1', state: 'blocked', start: Date.parse(blocked.ts), end: Date.parse(retry.ts) },
    ]);
    expect(waterfall.bars.filter((bar: any) => bar.row === 'task-sub1').map((bar: any) => bar.state)).toEqual(['open', 'claimed', 'blocked', 'claimed', 'complete']);

    // The graph: a node per tree node, a solid edge per parent link, a cause edge per further cause.
    const graph = await state<any>('s.graph()');
    const treeEdges: string[] = [];
    const causeEdges: string[] = [];
    const ids: string[] = [];
    const walk = (node: any): void => {
      ids.push(node.event.id);
      for (const link of node.links) causeEdges.push(`${link}>${node.event.id}`);
      for (const child of node.children) {
        treeEdges.push(`${node.event.id}>${child.event.id}`);
        walk(child);
      }
    };
    walk(causality.root);
    expect(graph.focus).toBe(causality.focus);
    expect(graph.nodes.map((node: any) => node.id).sort()).toEqual([...ids].sort());
    expect(graph.nodes.filter((node: any) => node.flags.includes('focus')).map((node: any) => node.id)).toEqual([causality.focus]);
    const edges = (kind: string) => graph.edges.filter((edge: any) => edge.kind === kind).map((edge: any) => `${edge.from}>${edge.to}`).sort();
    expect(edges('declared')).toEqual(treeEdges.sort());
    // Fan-in: the reduce has three further causes, drawn as edges into the one node.
    expect(causeEdges.length).toBeGreaterThanOrEqual(4);
    expect(edges('cause')).toEqual(causeEdges.sort());
    expect(new Set(ids).size).toBe(ids.length);

    await page.screenshot({ path: join(shots, 'task-waterfall.png') });
    await page.keyboard.press('g');
    await page.waitForFunction(() => (window as any).__traceViewer.frames.graph > 0);
    await page.screenshot({ path: join(shots, 'task-graph.png') });
    await page.keyboard.press('w');
  });

  it('clicks through to an event, its details and neighbours, by mouse and by keys', async () => {
    const timeline = JSON.parse((await trace(['task-sub1', '--json'], { cwd })).stdout);
    const blocked = timeline.events.find((e: any) => e.type === 'block_task');
    const point = await state<{ x: number; y: number }>(`s.pointOf(${JSON.stringify(blocked.id)})`);
    await page.mouse.click(point.x, point.y);
    await page.waitForFunction((id) => (window as any).__traceViewer.detail?.event.id === id, blocked.id);
    expect(await page.textContent('#details code[data-event-id]')).toBe(blocked.id);
    expect(await page.textContent('#details')).toContain('need API key');
    expect(await page.getAttribute('#details button.copy', 'data-copy')).toBe(blocked.id);

    // Its cause, from the details panel.
    await page.click(`#details button.neighbour[data-event-id="${blocked.parent_event_id}"]`);
    await page.waitForFunction((id) => (window as any).__traceViewer.detail?.event.id === id, blocked.parent_event_id);

    // → moves along the row: the next event on the cause's row, in time order.
    const rows = (await state<any>('s.waterfall()')).rows;
    const row = rows.find((r: any) => r.eventIds.includes(blocked.parent_event_id));
    const next = row.eventIds[row.eventIds.indexOf(blocked.parent_event_id) + 1];
    await page.locator('#waterfall').focus();
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction((id) => (window as any).__traceViewer.detail?.event.id === id, next);
    await page.screenshot({ path: join(shots, 'event-details.png') });

    // Enter opens the selected event's causality graph, focused on it.
    await page.keyboard.press('Enter');
    await page.waitForFunction((id) => (window as any).__traceViewer.graph()?.focus === id && (window as any).__traceViewer.tab === 'graph', next);
    const causality = JSON.parse((await trace(['--causality', next, '--json'], { cwd })).stdout);
    expect(causality.focus).toBe(next);
    const graph = await state<any>('s.graph()');
    expect(graph.nodes.find((node: any) => node.id === next).flags).toContain('focus');
    // A click on a node selects it.
    const parentPoint = await state<{ x: number; y: number }>(`s.pointOf(${JSON.stringify(blocked.parent_event_id)})`);
    await page.mouse.click(parentPoint.x, parentPoint.y);
    await page.waitForFunction((id) => (window as any).__traceViewer.selected === id, blocked.parent_event_id);
    await page.screenshot({ path: join(shots, 'event-graph.png') });
  });

  it('shows a new event as it lands, without a reload', async () => {
    await page.goto(`${base}#/task/task-sub2`);
    await page.waitForFunction(() => (window as any).__traceViewer.waterfall()?.rows[0]?.key === 'task-sub2' && (window as any).__traceViewer.live.state === 'live');
    await page.evaluate(() => ((window as any).sameDocument = true));
    const before = await state<number>('s.version');
    const id = await emit(['ops', 'block_task', '--target', 'task-sub2', '--agent', 'haiku-2', '--meta', '{"reason":"live from the test"}'], { cwd });
    await page.waitForFunction((added) => (window as any).__traceViewer.waterfall().eventIds.includes(added), id, { timeout: 15_000 });
    await waitForVersionAfter(before);
    expect(await page.evaluate(() => (window as any).sameDocument)).toBe(true);
    const waterfall = await state<any>('s.waterfall()');
    expect(waterfall.rows.find((row: any) => row.key === 'task-sub2').eventIds.at(-1)).toBe(id);
    expect(waterfall.bars.some((bar: any) => bar.row === 'task-sub2' && bar.state === 'blocked')).toBe(true);
    expect((await state<any>('s.live')).received).toBeGreaterThanOrEqual(1);
    await page.screenshot({ path: join(shots, 'live-event.png') });
  });

  it('finds by name and lists runs with their attempt chain, digests and error; dark mode follows the system', async () => {
    const failed = await trace(['run', '--task', 'deploy', '--json', '--', 'sh', '-c', 'echo boom >&2; exit 3'], { cwd });
    const first = JSON.parse(failed.stdout).run;
    const retried = JSON.parse((await trace(['run', '--task', 'deploy', '--retry-of', first.span_id, '--json', '--', 'true'], { cwd })).stdout).run;

    await page.goto(`${base}#/`);
    await page.waitForSelector('.recent-tasks a');
    await page.keyboard.press('/');
    await page.keyboard.type('Adyen');
    await page.waitForSelector('.find-results .virtual-row[data-kind="task"]');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => (window as any).__traceViewer.subject?.id === 'task-sub1' && (window as any).__traceViewer.waterfall()?.rows[0]?.key === 'task-sub1');

    // An agent by name, and an event by an id prefix typed on the start page, before any task is open.
    const findFromHome = async (query: string, kind: string) => {
      await page.goto(`${base}#/`);
      await page.waitForSelector('.recent-tasks a');
      await page.keyboard.press('/');
      await page.fill('#find', query);
      await page.waitForSelector(`.find-results .virtual-row[data-kind="${kind}"]`);
      await page.keyboard.press('Enter');
    };
    await findFromHome('zealot', 'agent');
    await page.waitForFunction(() => window.location.hash === '#/agent/zealot-1');
    const blocked = JSON.parse((await trace(['--task', 'task-sub1', '--primitive', 'ops.block_task', '--json'], { cwd })).stdout).events[0];
    await findFromHome(blocked.id.slice(0, 13), 'event');
    await page.waitForFunction((id) => window.location.hash === `#/event/${id}`, blocked.id);

    await page.goto(`${base}#/runs`);
    await page.waitForSelector(`.virtual-row[data-span-id="${retried.span_id}"]`);
    await page.click(`.virtual-row[data-span-id="${retried.span_id}"]`);
    await page.waitForSelector('.attempts .attempt.current');
    const attempts = await page.$$eval('.attempts .attempt', (items) => items.map((item) => (item as HTMLElement).dataset.spanId));
    expect(attempts).toEqual([first.span_id, retried.span_id]);
    expect(await page.textContent('.attempts')).toContain('exit 3');
    expect(await page.textContent('.run-fields')).toContain(retried.trace_id);
    await page.click(`.attempts a[href="#/run/${first.span_id}"]`);
    await page.waitForSelector('.run-error');
    expect(await page.textContent('.run-error')).toContain('boom');
    await page.screenshot({ path: join(shots, 'run-page.png') });

    const dark = await browser.newPage({ viewport: { width: 1200, height: 800 }, colorScheme: 'dark' });
    await dark.goto(`${base}#/task/task-abc123`);
    await dark.waitForFunction(() => (window as any).__traceViewer?.frames.waterfall > 0);
    const background = (p: Page) => p.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(await background(dark)).not.toBe(await background(page));
    await dark.screenshot({ path: join(shots, 'task-waterfall-dark.png') });
    await dark.close();
    expect(existsSync(join(shots, 'task-waterfall.png'))).toBe(true);
  });
});
