import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { testDatabase } from './helpers/postgres-db.js';
import { TRACE_BIN, cleanEnv, emit, errorLine, shell, tempDirs, trace } from './helpers/trace-cli.js';

// `trace --follow --json` as a real child process, racing writer processes, on SQLite and PostgreSQL.

const dirs = tempDirs();
const databases = testDatabase('tk_follow');
afterAll(async () => {
  await databases.drop();
  dirs.cleanup();
});

const PACKAGES = resolve(import.meta.dirname, '../packages');
const moduleUrl = (pkg: string) => pathToFileURL(join(PACKAGES, pkg, 'dist/index.js')).href;

/** A follower: its stdout lines as they come, and a way to stop it with a signal. */
function follower(args: string[], cwd: string) {
  const child: ChildProcess = spawn(process.execPath, [TRACE_BIN, ...args], { cwd, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let changed: () => void = () => {};
  child.stdout!.on('data', (chunk) => {
    stdout += chunk;
    changed();
  });
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => { changed(); done(code); }));
  const lines = () => stdout.split('\n').filter(Boolean);
  return {
    lines,
    stderr: () => stderr,
    /** Waits until the follower has printed at least n lines (or has exited). */
    async until(n: number): Promise<void> {
      while (lines().length < n && child.exitCode === null) await new Promise<void>((wake) => (changed = wake));
    },
    async stop(signal: NodeJS.Signals): Promise<number | null> {
      child.kill(signal);
      return exited;
    },
  };
}

const ids = (lines: readonly string[]) => lines.map((line) => (JSON.parse(line) as { id: string }).id);

/** Every event id in the store, through the CLI's unfiltered timeline. */
async function storeIds(db: string, cwd: string): Promise<string[]> {
  const result = await trace(['--json', '--db', db], { cwd });
  if (result.code !== 0) throw new Error(result.stderr);
  return (JSON.parse(result.stdout) as { events: Array<{ id: string }> }).events.map((event) => event.id);
}

/**
 * A writer process that appends through the store API (any dialect), and one through SDK tracers
 * (SQLite: the SDK's writer does not take a PostgreSQL location yet).
 */
function writerScripts(dir: string) {
  const storeWriter = join(dir, 'store-writer.mjs');
  writeFileSync(storeWriter, `
import { EventCatalog } from '${moduleUrl('schema')}';
import { openStoreAt } from '${moduleUrl('store')}';
const [db, agent, count] = process.argv.slice(2);
const catalog = new EventCatalog();
const store = await openStoreAt(db, { mode: 'write' });
for (let i = 0; i < Number(count); i += 5) {
  const batch = Array.from({ length: 5 }, (_, j) => catalog.prepare({ primitive: 'spawn', type: 'wake', agent_id: agent, metadata: { n: i + j } }));
  await store.append(batch);
}
await store.close();
`);
  const sdkWriter = join(dir, 'sdk-writer.mjs');
  writeFileSync(sdkWriter, `
import { createTracer } from '${moduleUrl('sdk')}';
const [db, agent, count] = process.argv.slice(2);
const tracer = createTracer({ agentId: agent, db, flushIntervalMs: 5 });
for (let i = 0; i < Number(count); i++) {
  tracer.emit('spawn', 'wake', { metadata: { n: i } });
  if (i % 10 === 9) await new Promise((resolve) => setTimeout(resolve, 5));
}
await tracer.close();
`);
  return { storeWriter, sdkWriter };
}

function node(script: string, args: string[], cwd: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [script, ...args], { cwd, env: cleanEnv(), stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('exit', (code) => done({ code, stderr }));
  });
}

describe.each(['sqlite', 'postgres'] as const)('trace --follow on %s', (dialect) => {
  const location = async (cwd: string) => (dialect === 'sqlite' ? join(cwd, '.trace', 'trace.db') : databases.create());

  it('prints exactly the store\'s events while several writer processes race it, then exits 0 on SIGINT', async () => {
    const cwd = dirs.make();
    const db = await location(cwd);
    const first = await emit(['spawn', 'wake', '--agent', 'setup', '--db', db], { cwd });
    // --limit 1 prints the one event already there: the follower is running and has its start.
    const follow = follower(['--follow', '--json', '--limit', '1', '--db', db], cwd);
    await follow.until(1);
    expect(ids(follow.lines())).toEqual([first]);

    const { storeWriter, sdkWriter } = writerScripts(cwd);
    const loop = (agent: string) =>
      shell(`set -e; for i in 1 2 3 4 5; do trace emit ops claim_task --agent ${agent} --target task-$i --db '${db}' > /dev/null; done`, { cwd });
    const writers = await Promise.all([
      node(storeWriter, [db, 'store-a', '60'], cwd),
      node(storeWriter, [db, 'store-b', '60'], cwd),
      ...(dialect === 'sqlite' ? [node(sdkWriter, [db, 'sdk-a', '80'], cwd), node(sdkWriter, [db, 'sdk-b', '80'], cwd)] : []),
      loop('shell-a'),
      loop('shell-b'),
    ]);
    expect(writers.map((writer) => [writer.code, writer.stderr])).toEqual(writers.map(() => [0, '']));

    const stored = await storeIds(db, cwd);
    expect(stored).toHaveLength(1 + 120 + (dialect === 'sqlite' ? 160 : 0) + 10);
    await follow.until(stored.length);
    expect(await follow.stop('SIGINT')).toBe(0);
    const printed = ids(follow.lines());
    expect(new Set(printed).size).toBe(printed.length);
    expect([...printed].sort()).toEqual([...stored].sort());
    expect(follow.stderr()).toBe('');
  });

  it('follows a task: its subtasks and what its events cause, nothing else; SIGTERM ends it with 0', async () => {
    const cwd = dirs.make();
    const db = await location(cwd);
    const opts = { cwd };
    const created = await emit(['ops', 'create_task', '--agent', 'z', '--target', 'task-x', '--meta', '{"title":"X"}', '--db', db], opts);
    const follow = follower(['--task', 'task-x', '--follow', '--json', '--limit', '1', '--db', db], cwd);
    await follow.until(1);

    const sub = await emit(['ops', 'create_task', '--agent', 'z', '--target', 'task-y', '--meta', '{"title":"Y","parent_task_id":"task-x"}', '--db', db], opts);
    await emit(['spawn', 'wake', '--agent', 'unrelated', '--db', db], opts);
    const claim = await emit(['ops', 'claim_task', '--agent', 'h', '--target', 'task-y', '--db', db], opts);
    const said = await emit(['bridge', 'send', '--agent', 'h', '--target', 'chan', '--parent', claim, '--meta', '{"content":"on it"}', '--db', db], opts);
    const reply = await emit(['bridge', 'send', '--agent', 'z', '--target', 'chan', '--cause', said, '--meta', '{"content":"ok"}', '--db', db], opts);
    await emit(['bridge', 'send', '--agent', 'q', '--target', 'chan', '--meta', '{"content":"not ours"}', '--db', db], opts);
    const done = await emit(['ops', 'complete_task', '--agent', 'h', '--target', 'task-y', '--db', db], opts);

    await follow.until(6);
    expect(await follow.stop('SIGTERM')).toBe(0);
    expect(ids(follow.lines())).toEqual([created, sub, claim, said, reply, done]);
    // The same members as the task's timeline.
    const timeline = await trace(['--task', 'task-x', '--json', '--db', db], opts);
    expect([...ids(follow.lines())].sort()).toEqual((JSON.parse(timeline.stdout).events as Array<{ id: string }>).map((e) => e.id).sort());
  });

  it('refuses --follow with --until in one line (exit 2)', async () => {
    const cwd = dirs.make();
    const db = await location(cwd);
    await emit(['spawn', 'wake', '--agent', 'a', '--db', db], { cwd });
    const result = await trace(['--follow', '--until', 'now', '--db', db], { cwd });
    expect(result.code).toBe(2);
    expect(errorLine(result)).toBe('trace: --follow has no end: drop --until, or --follow to read a closed window');
    expect(result.stdout).toBe('');
  });
});
