import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countEvents, storePath } from './helpers/store-files.js';
import { EVENT_ID, emit, short, tempDirs, trace } from './helpers/trace-cli.js';

const dirs = tempDirs();
afterAll(() => dirs.cleanup());

describe('trace emit', () => {
  let cwd: string;
  beforeAll(() => {
    cwd = dirs.make();
  });

  it('creates ./.trace/trace.db when no store is found and prints the new event id', async () => {
    expect(existsSync(storePath(cwd))).toBe(false);
    const result = await trace(['emit', 'spawn', 'wake', '--agent', 'zealot-1'], { cwd });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^[0-9a-f-]{36}\n$/);
    expect(result.stdout.trim()).toMatch(EVENT_ID);
    expect(countEvents(storePath(cwd))).toBe(1);
  });

  it('stores every flag; --json prints the stored event in the JSON contract', async () => {
    const parent = await emit(['ops', 'create_task', '--agent', 'zealot-1', '--target', 'task-1', '--meta', '{"title":"Build payment system"}'], { cwd });
    const cause = await emit(['bridge', 'send', '--agent', 'alice', '--target', 'payments', '--meta', '{"content":"hi"}'], { cwd });
    const other = await emit(['bridge', 'note', '--agent', 'alice', '--target', 'payments', '--meta', '{"content":"fyi"}'], { cwd });
    const result = await trace([
      'emit', 'ops', 'claim_task', '--agent', 'haiku-1', '--target', 'task-1', '--parent', parent,
      '--cause', cause, '--cause', other, '--meta', '{"attempt":2,"extra":"kept"}', '--ts', '2025-10-22T14:05:00.123Z',
      '--session', '42', '--idempotency-key', 'claim-1', '--json',
    ], { cwd });
    expect(result.code).toBe(0);
    const event = JSON.parse(result.stdout);
    expect(event).toEqual({
      id: expect.stringMatching(EVENT_ID),
      ts: '2025-10-22T14:05:00.123Z',
      primitive: 'ops',
      type: 'claim_task',
      agent_id: 'haiku-1',
      target_id: 'task-1',
      parent_event_id: parent,
      causes: [cause, other],
      session_id: '42',
      metadata: { attempt: 2, extra: 'kept' },
    });
    // The id carries the event's time (uuidv7), and the store returns the same event.
    expect(parseInt(event.id.slice(0, 8) + event.id.slice(9, 13), 16)).toBe(Date.parse('2025-10-22T14:05:00.123Z'));
    const read = await trace([event.id, '--json'], { cwd });
    const node = JSON.parse(read.stdout);
    expect(node.focus).toBe(event.id);
  });

  it('--cause takes a comma list, and --ts takes epoch milliseconds', async () => {
    const a = await emit(['spawn', 'wake', '--agent', 'x'], { cwd });
    const b = await emit(['spawn', 'wake', '--agent', 'y'], { cwd });
    const result = await trace(['emit', 'memory', 'add_entry', '--agent', 'x', '--meta', '{"topic":"payments"}', '--cause', `${a},${b}`, '--ts', '1761141600000', '--json'], { cwd });
    const event = JSON.parse(result.stdout);
    expect(event.causes).toEqual([a, b]);
    expect(event.ts).toBe('2025-10-22T14:00:00.000Z');
  });

  it('a repeated idempotency key stores nothing and prints the first event id', async () => {
    const before = countEvents(storePath(cwd));
    const first = await emit(['knowledge', 'add_discovery', '--agent', 'z', '--meta', '{"domain":"architecture"}', '--idempotency-key', 'disc-1'], { cwd });
    const again = await trace(['emit', 'knowledge', 'add_discovery', '--agent', 'z', '--meta', '{"domain":"other"}', '--idempotency-key', 'disc-1', '--json'], { cwd });
    expect(JSON.parse(again.stdout)).toMatchObject({ id: first, metadata: { domain: 'architecture' } });
    expect(await emit(['knowledge', 'add_discovery', '--meta', '{"domain":"x"}', '--idempotency-key', 'disc-1'], { cwd })).toBe(first);
    expect(countEvents(storePath(cwd))).toBe(before + 1);
  });

  it('TRACE_PARENT and TRACE_AGENT are the defaults for --parent and --agent; flags win', async () => {
    const parent = await emit(['spawn', 'spawn', '--agent', 'zealot-1', '--target', 'haiku-9'], { cwd });
    const env = { TRACE_PARENT: parent, TRACE_AGENT: 'haiku-9' };
    const inherited = JSON.parse((await trace(['emit', 'spawn', 'wake', '--json'], { cwd, env })).stdout);
    expect(inherited).toMatchObject({ agent_id: 'haiku-9', parent_event_id: parent });
    const overridden = JSON.parse((await trace(['emit', 'spawn', 'wake', '--agent', 'other', '--parent', inherited.id, '--json'], { cwd, env })).stdout);
    expect(overridden).toMatchObject({ agent_id: 'other', parent_event_id: inherited.id });
  });

  it('a parent that is not stored yet is kept and shown as a missing parent', async () => {
    const dir = dirs.make();
    const missing = '01a20000-0000-7000-8000-000000000001';
    const id = await emit(['ops', 'create_task', '--agent', 'z', '--target', 'orphan', '--meta', '{"title":"Orphan"}', '--parent', missing, '--ts', '2025-10-22T14:00:00Z'], { cwd: dir });
    const [text, asJson] = await Promise.all([trace(['--causality', 'orphan'], { cwd: dir }), trace([id, '--json'], { cwd: dir })]);
    expect(text.stderr).toBe('');
    expect(text.stdout.trimEnd().split('\n')).toEqual([
      'Causality chain for orphan:',
      `[root] (missing parent ${missing})`,
      `  └─> ${short(id)} ops orphan (Orphan) created by z (focus)`,
    ]);
    const body = JSON.parse(asJson.stdout);
    expect(body.root).toMatchObject({ missing_parent: missing, children: [], links: [] });
    expect(body.root.event.id).toBe(id);
  });
});

describe('finding the store', () => {
  it('a nested subdirectory finds the parent .trace/trace.db, for reads and writes', async () => {
    const root = dirs.make();
    await emit(['spawn', 'wake', '--agent', 'top'], { cwd: root });
    const nested = join(root, 'a', 'b', 'c');
    mkdirSync(nested, { recursive: true });
    await emit(['spawn', 'wake', '--agent', 'deep'], { cwd: nested });
    expect(existsSync(join(nested, '.trace'))).toBe(false);
    expect(countEvents(storePath(root))).toBe(2);
    const result = await trace(['--agent', 'top', '--json'], { cwd: nested });
    expect(JSON.parse(result.stdout).events).toHaveLength(1);
  });

  it('TRACE_DB and --db point at a store anywhere; --db wins over TRACE_DB', async () => {
    const here = dirs.make();
    const elsewhere = join(dirs.make(), 'custom.db');
    const other = join(dirs.make(), 'other.db');
    await emit(['spawn', 'wake', '--agent', 'env-agent'], { cwd: here, env: { TRACE_DB: elsewhere } });
    await emit(['spawn', 'wake', '--agent', 'flag-agent', '--db', other], { cwd: here, env: { TRACE_DB: elsewhere } });
    expect(existsSync(join(here, '.trace'))).toBe(false);
    expect(countEvents(elsewhere)).toBe(1);
    expect(countEvents(other)).toBe(1);
    const [viaEnv, viaFlag] = await Promise.all([
      trace(['stats', '--json'], { cwd: here, env: { TRACE_DB: elsewhere } }),
      trace(['--agent', 'flag-agent', '--json', '--db', other], { cwd: here }),
    ]);
    expect(JSON.parse(viaEnv.stdout)).toMatchObject({ path: elsewhere, events: 1, by_agent: [{ agent: 'env-agent', count: 1 }] });
    expect(JSON.parse(viaFlag.stdout).events).toHaveLength(1);
  });
});
