import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { testDatabase } from './helpers/postgres-db.js';
import { emit, errorLine, short, tempDirs, trace } from './helpers/trace-cli.js';

// `trace prune` with the built CLI on SQLite and PostgreSQL: what it removes, keeps and reports,
// and trees that show a pruned cause.

const dirs = tempDirs();
const databases = testDatabase('tk_prune');
afterAll(async () => {
  await databases.drop();
  dirs.cleanup();
});

const DAY = 86_400_000;
const ago = (days: number) => new Date(Date.now() - days * DAY).toISOString();

describe.each(['sqlite', 'postgres'] as const)('trace prune on %s', (dialect) => {
  const location = async (cwd: string) => (dialect === 'sqlite' ? join(cwd, '.trace', 'trace.db') : databases.create());

  it('removes old events, keeps run records unless --include-runs, and trees show the pruned cause', async () => {
    const cwd = dirs.make();
    const db = await location(cwd);
    const o = { cwd };
    const old = await emit(['spawn', 'wake', '--agent', 'a', '--ts', ago(40), '--db', db], o);
    const oldCause = await emit(['bridge', 'send', '--agent', 'a', '--target', 'c', '--meta', '{"content":"x"}', '--ts', ago(39), '--db', db], o);
    // `trace run` records through the SDK's writer, which does not take a PostgreSQL location yet
    // (the store contract suite covers runs kept on PostgreSQL).
    if (dialect === 'sqlite') expect((await trace(['run', '--task', 'task-r', '--db', db, '--', 'true'], o)).code).toBe(0);
    const recent = await emit(['spawn', 'sleep', '--agent', 'a', '--parent', old, '--cause', oldCause, '--ts', ago(1), '--db', db], o);
    const effect = await emit(['spawn', 'wake', '--agent', 'b', '--parent', recent, '--db', db], o);
    const all = JSON.parse((await trace(['--json', '--db', db], o)).stdout).events.length as number;

    // The run's events are new, so make the cutoff catch the two old ones only.
    const dry = await trace(['prune', '--older-than', '30d', '--dry-run', '--json', '--db', db], o);
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ dry_run: true, include_runs: false, removed: 2, kept: 0, remaining: all, older_than: '30d' });
    expect(JSON.parse((await trace(['--json', '--db', db], o)).stdout).events).toHaveLength(all);

    const text = await trace(['prune', '--older-than', '30d', '--db', db], o);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^Removed 2 events older than .* \(30d ago\) from .*\n\d+ events remain\.\n$/);
    expect(JSON.parse((await trace(['--json', '--db', db], o)).stdout).events).toHaveLength(all - 2);

    const tree = await trace([effect, '--db', db], o);
    expect(tree.code).toBe(0);
    expect(tree.stdout.split('\n').slice(1, 4)).toEqual([
      `[root] (pruned parent ${old})`,
      `  └─> ${short(recent)} spawn a slept (also caused by ${short(oldCause)} [pruned])`,
      `      └─> ${short(effect)} spawn b woke (focus)`,
    ]);
    const json = JSON.parse((await trace([effect, '--json', '--db', db], o)).stdout);
    expect(json.root).toMatchObject({ missing_parent: null, pruned_parent: old, pruned_links: [oldCause], links: [oldCause] });

    if (dialect !== 'sqlite') return;
    // A run record's events are kept unless --include-runs.
    const runs = await trace(['prune', '--older-than', '1s', '--dry-run', '--json', '--db', db], o);
    const runsJson = JSON.parse(runs.stdout);
    expect(runsJson.kept).toBeGreaterThanOrEqual(2);
    const withRuns = JSON.parse((await trace(['prune', '--older-than', '1s', '--dry-run', '--include-runs', '--json', '--db', db], o)).stdout);
    expect(withRuns.removed).toBeGreaterThan(runsJson.removed);
  });

  it('a duration that does not parse is one line, exit 2, and nothing is deleted', async () => {
    const cwd = dirs.make();
    const db = await location(cwd);
    await emit(['spawn', 'wake', '--agent', 'a', '--ts', ago(100), '--db', db], { cwd });
    await emit(['spawn', 'wake', '--agent', 'a', '--db', db], { cwd });
    for (const bad of ['30x', 'thirty days', '-5d', '0d', '']) {
      const result = await trace(['prune', '--older-than', bad, '--db', db], { cwd });
      expect(result.code).toBe(2);
      expect(errorLine(result)).toBe(`trace: --older-than: expected a duration such as 30d, 12h, 90m or 2w, got ${JSON.stringify(bad)}`);
    }
    const json = await trace(['prune', '--older-than', 'soon', '--json', '--db', db], { cwd });
    expect(JSON.parse(json.stdout)).toEqual({ error: { code: 'E_USAGE', message: '--older-than: expected a duration such as 30d, 12h, 90m or 2w, got "soon"' } });
    expect(JSON.parse((await trace(['--json', '--db', db], { cwd })).stdout).events).toHaveLength(2);
  });
});

describe('trace prune on a SQLite store keeping more events than one chain batch', () => {
  // The chain is rebuilt in batches of 4096 events; prune failed with "This database connection
  // is busy executing a query" on any such store, with or without a trace serve open on it.
  it('removes the old events and leaves a store that verifies', async () => {
    const cwd = dirs.make();
    const db = join(cwd, 's.db');
    // uuidv7 ids, as an export writes them: the time, then a counter for the random bits.
    const id = (ms: number, n: number) => {
      const hex = ms.toString(16).padStart(12, '0') + `7000${(0x8000 + n).toString(16)}` + n.toString(16).padStart(12, '0');
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    };
    const line = (days: number, n: number, agent: string) => JSON.stringify({ id: id(Date.now() - days * DAY, n), primitive: 'spawn', type: 'wake', agent_id: agent, ts: ago(days) });
    const lines = [line(400, 0, 'old')];
    for (let i = 1; i <= 4100; i++) lines.push(line(1, i, 'a'));
    writeFileSync(join(cwd, 'events.ndjson'), `${lines.join('\n')}\n`);
    expect((await trace(['import', 'ndjson', join(cwd, 'events.ndjson'), '--db', db], { cwd })).code).toBe(0);

    const pruned = await trace(['prune', '--older-than', '365d', '--json', '--db', db], { cwd });
    expect(pruned.stderr).toBe('');
    expect(JSON.parse(pruned.stdout)).toMatchObject({ removed: 1, remaining: 4100 });
    expect((await trace(['verify', '--db', db], { cwd })).code).toBe(0);
  });
});
