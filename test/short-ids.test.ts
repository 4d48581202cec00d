import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventCatalog, eventIdAt } from '@tracekernel/schema';
import { SqliteTraceStore } from '@tracekernel/store';
import { countEvents, storePath } from './helpers/store-files.js';
import { traceOnTty } from './helpers/pty.js';
import { errorLine, short, tempDirs, trace, type TraceResult } from './helpers/trace-cli.js';

// Issue 15 §1: every timeline line and tree node prints a short id, and every place that takes an
// event id takes it back; an ambiguous one lists the candidates.

const dirs = tempDirs();
const catalog = new EventCatalog();
const T0 = Date.UTC(2025, 9, 22, 14);
const lines = (result: TraceResult) => result.stdout.trimEnd().split('\n');
/** An id at `ts` whose last group is `tail`, so that two events can share a short prefix. */
const idWithTail = (ts: number, tail: string) => `${eventIdAt(ts).slice(0, 24)}${tail}`;

let cwd: string;
const ids = {
  create: idWithTail(T0, 'a1a1a1a1a1a1'),
  claim: idWithTail(T0 + 60_000, 'b2b2b2b2b2b2'),
  done: idWithTail(T0 + 120_000, 'c3c3c3c3c3c3'),
  twinA: idWithTail(T0 + 180_000, 'beef0001aaaa'),
  twinB: idWithTail(T0 + 240_000, 'beef0002bbbb'),
};

beforeAll(async () => {
  cwd = dirs.make();
  // Chosen ids need the store's API: `trace emit` makes its own.
  const store = SqliteTraceStore.open({ path: join(cwd, '.trace', 'trace.db'), mode: 'write' });
  await store.append([
    catalog.prepare({ id: ids.create, ts: T0, primitive: 'ops', type: 'create_task', agent_id: 'zealot-1', target_id: 'task-x', metadata: { title: 'Pay' } }),
    catalog.prepare({ id: ids.claim, ts: T0 + 60_000, primitive: 'ops', type: 'claim_task', agent_id: 'haiku-1', target_id: 'task-x', parent_event_id: ids.create }),
    // Emitted outside within(): no edge reaches it from the task's creation.
    catalog.prepare({ id: ids.done, ts: T0 + 120_000, primitive: 'ops', type: 'complete_task', agent_id: 'haiku-1', target_id: 'task-x' }),
    catalog.prepare({ id: ids.twinA, ts: T0 + 180_000, primitive: 'spawn', type: 'wake', agent_id: 'twin' }),
    catalog.prepare({ id: ids.twinB, ts: T0 + 240_000, primitive: 'spawn', type: 'sleep', agent_id: 'twin' }),
  ]);
  await store.close();
});
afterAll(() => dirs.cleanup());

describe('short ids', () => {
  it('are printed on every timeline line, after the time marked Z', async () => {
    const result = await trace(['task-x'], { cwd });
    expect(lines(result)).toEqual([
      'Timeline for task-x (Pay):',
      `2025-10-22 14:00:00Z | a1a1a1a1 | ops       | task-x (Pay) created by zealot-1`,
      `2025-10-22 14:01:00Z | b2b2b2b2 | ops       | task-x claimed by haiku-1`,
      `2025-10-22 14:02:00Z | c3c3c3c3 | ops       | task-x completed by haiku-1`,
    ]);
  });

  it('are taken back by trace <id> and --causality, which mark the focus (bold on a TTY)', async () => {
    const [positional, flag, longer, tty] = await Promise.all([
      trace(['b2b2b2b2'], { cwd }),
      trace(['--causality', 'B2B2'], { cwd }),
      trace(['--causality', 'b2b2b2b2b2b2', '--json'], { cwd }),
      traceOnTty(['b2b2b2b2', '--no-pager'], { cwd, columns: 200 }).then((result) => result.stdout),
    ]);
    expect(positional.stderr).toBe('');
    expect(lines(positional)).toEqual([
      `Causality chain for ${ids.claim}:`,
      '[root] a1a1a1a1 ops task-x (Pay) created by zealot-1',
      '  └─> b2b2b2b2 ops task-x claimed by haiku-1 (focus)',
    ]);
    expect(lines(flag)).toEqual(lines(positional));
    expect(JSON.parse(longer.stdout)).toMatchObject({ focus: ids.claim, unreached: [] });
    expect(tty).toContain('\u001B[1m\u001B[33mops\u001B[39m task-x claimed by haiku-1\u001B[22m');
    expect(tty).toContain('\u001B[1m (focus)\u001B[22m');
  });

  it('a task\'s causality lists its events that no edge reaches from its creation after the tree', async () => {
    const [text, asJson] = await Promise.all([trace(['--causality', 'task-x'], { cwd }), trace(['--causality', 'task-x', '--json'], { cwd })]);
    expect(lines(text)).toEqual([
      'Causality chain for task-x:',
      '[root] a1a1a1a1 ops task-x (Pay) created by zealot-1 (focus)',
      '  └─> b2b2b2b2 ops task-x claimed by haiku-1',
      '',
      "Not caused by the task's creation:",
      '2025-10-22 14:02:00Z | c3c3c3c3 | ops       | task-x completed by haiku-1',
    ]);
    expect(JSON.parse(asJson.stdout).unreached.map((event: { id: string }) => event.id)).toEqual([ids.done]);
  });

  it('an ambiguous short id lists every candidate with enough digits to pick it (E_AMBIGUOUS_ID), and emit writes nothing', async () => {
    const before = countEvents(storePath(cwd));
    const [bare, asJson, causality, parent] = await Promise.all([
      trace(['beef'], { cwd }),
      trace(['beef', '--json'], { cwd }),
      trace(['--causality', 'beef000'], { cwd }),
      trace(['emit', 'spawn', 'wake', '--agent', 'x', '--parent', 'beef'], { cwd }),
    ]);
    for (const result of [bare, causality, parent]) {
      expect(result.code).toBe(1);
      expect(errorLine(result)).toMatch(/the short id beef0{0,3} names 2 events; give more digits: beef0001aaaa \(2025-10-22 14:03:00Z spawn\.wake by twin\), beef0002bbbb \(2025-10-22 14:04:00Z spawn\.sleep by twin\)$/);
    }
    expect(JSON.parse(asJson.stdout).error.code).toBe('E_AMBIGUOUS_ID');
    expect(countEvents(storePath(cwd))).toBe(before);
    const unique = await trace(['beef0002'], { cwd });
    expect(lines(unique)[1]).toBe('[root] beef0002 spawn twin slept (focus)');
  });

  it('--parent and --cause of emit take short ids; an unknown one is E_NOT_FOUND', async () => {
    const emitted = await trace(['emit', 'bridge', 'send', '--agent', 'x', '--target', 'payments', '--meta', '{"content":"hi"}', '--parent', 'a1a1a1a1', '--cause', 'b2b2,c3c3c3c3', '--json'], { cwd });
    expect(emitted.stderr).toBe('');
    expect(JSON.parse(emitted.stdout)).toMatchObject({ parent_event_id: ids.create, causes: [ids.claim, ids.done] });
    const unknown = await trace(['emit', 'spawn', 'wake', '--agent', 'x', '--cause', 'dddd'], { cwd });
    expect(unknown.code).toBe(1);
    expect(errorLine(unknown)).toBe('trace: --cause: no event has the short id dddd');
  });

  it('runs show takes the short id of a run\'s span', async () => {
    const ran = JSON.parse((await trace(['run', '--task', 'nightly', '--json', '--', 'true'], { cwd })).stdout);
    const shown = await trace(['runs', 'show', short(ran.run.span_id), '--json'], { cwd });
    expect(shown.stderr).toBe('');
    expect(JSON.parse(shown.stdout).run.span_id).toBe(ran.run.span_id);
  });
});
