import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventCatalog, eventIdAt } from '@tracekernel/schema';
import { SqliteTraceStore } from '@tracekernel/store';
import { shell, tempDirs, trace, type TraceResult } from './helpers/trace-cli.js';

// Issue 12: `trace <name> --json` skips oclif (and, through V8's code cache, most of the compiling)
// when it can. It must answer exactly what `trace show <name> --json` answers through oclif, fail
// in the same words, and leave nothing half-printed.

const dirs = tempDirs();
const catalog = new EventCatalog();
const T0 = Date.UTC(2025, 9, 22, 14);
const EVENTS = 3_000;
let cwd: string;
let cache: string;
const ids = { create: eventIdAt(T0), claim: eventIdAt(T0 + 1_000), twinA: '', twinB: '' };

beforeAll(async () => {
  cwd = dirs.make();
  cache = dirs.make('trace-cache-');
  const store = SqliteTraceStore.open({ path: join(cwd, '.trace', 'trace.db'), mode: 'write' });
  ids.twinA = `${eventIdAt(T0 + 5_000).slice(0, 24)}beef0001aaaa`;
  ids.twinB = `${eventIdAt(T0 + 6_000).slice(0, 24)}beef0002bbbb`;
  const events = [
    catalog.prepare({ id: ids.create, ts: T0, primitive: 'ops', type: 'create_task', agent_id: 'lead', target_id: 'task-pay', metadata: { title: 'Pay \u001b[31mred' } }),
    catalog.prepare({ id: ids.claim, ts: T0 + 1_000, primitive: 'ops', type: 'claim_task', agent_id: 'worker', target_id: 'task-pay', parent_event_id: ids.create }),
    catalog.prepare({ id: ids.twinA, ts: T0 + 5_000, primitive: 'spawn', type: 'wake', agent_id: 'twin' }),
    catalog.prepare({ id: ids.twinB, ts: T0 + 6_000, primitive: 'spawn', type: 'sleep', agent_id: 'twin' }),
    // A name that is both an agent and a channel.
    catalog.prepare({ ts: T0 + 7_000, primitive: 'bridge', type: 'send', agent_id: 'both', target_id: 'both', metadata: { content: 'hi' } }),
  ];
  // Enough of a task that its answer outgrows a pipe's buffer.
  for (let i = 0; i < EVENTS; i++) {
    events.push(catalog.prepare({ ts: T0 + 10_000 + i, primitive: 'bridge', type: 'send', agent_id: 'worker', target_id: 'payments', parent_event_id: ids.claim, metadata: { content: `step ${i}` } }));
  }
  await store.append(events);
  await store.close();
});
afterAll(() => dirs.cleanup());

const env = () => ({ XDG_CACHE_HOME: cache });
const fast = (args: string[], where = cwd) => trace(args, { cwd: where, env: env() });
const viaOclif = (args: string[], where = cwd) => trace(['show', ...args], { cwd: where, env: env() });
const same = (a: TraceResult, b: TraceResult) => expect({ code: a.code, stdout: a.stdout, stderr: a.stderr }).toEqual({ code: b.code, stdout: b.stdout, stderr: b.stderr });

describe('trace <name> --json without oclif', () => {
  it('answers a task, agent, channel, event id and short id as trace show does', async () => {
    for (const args of [['task-pay', '--json'], ['--json', 'worker'], ['payments', '--json', '--db', '.trace/trace.db'], [ids.claim, '--json'], [ids.claim.slice(24, 32), `--db=${join(cwd, '.trace/trace.db')}`, '--json']]) {
      const [answer, reference] = await Promise.all([fast(args), viaOclif(args)]);
      expect(answer.code).toBe(0);
      same(answer, reference);
    }
    const task = JSON.parse((await fast(['task-pay', '--json'])).stdout);
    expect(task.events.length).toBe(2 + EVENTS);
    // Control characters in stored text are escaped, as everywhere in --json.
    expect((await fast(['task-pay', '--json'])).stdout).toContain('Pay \\u001b[31mred');
  });

  it('fails in the same words, exit code and stdout as through oclif', async () => {
    const empty = dirs.make();
    const cases: Array<[string[], string]> = [
      [['nobody', '--json'], cwd],
      [['stat', '--json'], cwd], // a typo of a command
      [['both', '--json'], cwd], // ambiguous: an agent and a channel
      [['beef', '--json'], cwd], // ambiguous short id
      [['019a0000-0000-4000-8000-000000000000', '--json'], cwd], // a uuid, not a v7
      [['task-pay', '--json'], empty], // no store
      [['task-pay', '--json', '--db', join(empty, 'missing.db')], cwd],
    ];
    for (const [args, where] of cases) {
      const [answer, reference] = await Promise.all([fast(args, where), viaOclif(args, where)]);
      expect(answer.code).not.toBe(0);
      same(answer, reference);
    }
  });

  it('leaves every other form to oclif, flags and all', async () => {
    for (const args of [['task-pay', '--json', '--limit', '1'], ['task-pay', '--json', '--include-private'], ['task-pay', '--json', '--jsno']]) {
      same(await fast(args), await viaOclif(args));
    }
    expect(JSON.parse((await fast(['task-pay', '--json', '--limit', '1'])).stdout).events).toHaveLength(1);
  });

  it('keeps one code cache in the user cache directory, written once, and survives a damaged one', async () => {
    const own = dirs.make('trace-cache-');
    const run = () => trace(['task-pay', '--json'], { cwd, env: { XDG_CACHE_HOME: own } });
    const first = await run();
    expect(first.code).toBe(0);
    const files = readdirSync(join(own, 'tracekernel'));
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(new RegExp(`^show-json-fast-[0-9a-f]{16}-${process.version.replace(/\./g, '\\.')}-${process.arch}\\.v8$`));
    const file = join(own, 'tracekernel', files[0]!);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const written = readFileSync(file);
    same(await run(), first);
    expect(readFileSync(file).equals(written)).toBe(true);

    writeFileSync(file, Buffer.alloc(written.length, 7));
    same(await run(), first);
    // V8 refused the damaged cache; the run wrote a good one back.
    expect(readFileSync(file).equals(Buffer.alloc(written.length, 7))).toBe(false);
    same(await run(), first);
  });

  it('ends quietly, exit 0, when the reader stops early', async () => {
    const result = await shell('trace task-pay --json | head -c 100 > /dev/null; echo "exit ${PIPESTATUS[0]}"', { cwd, env: env() });
    expect(result.stdout.trim()).toBe('exit 0');
    expect(result.stderr).toBe('');
  });
});
