import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shell, trace } from './helpers/trace-cli.js';
import { materializeSpaceSample } from './fixtures/space-os-sample/materialize.js';

// End to end, as a user runs it; the mapping itself is tested in-process in packages/import/test.
const sample = materializeSpaceSample();
const SAMPLE = sample.space;
afterAll(() => rmSync(sample.root, { recursive: true, force: true }));
/** The task the @zealot mention started (spawn.db:tasks.uuid7). */
const PAYMENT_TASK = '019a124b-333e-7684-bb56-73da835e781f';

describe('trace import space, export and --space', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tracekernel-import-e2e-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('--dry-run creates no store; the import prints the summary the issue gives; a second one adds nothing', async () => {
    const dry = await trace(['import', 'space', SAMPLE, '--dry-run', '--json'], { cwd: dir });
    expect(dry.code).toBe(0);
    expect(existsSync(join(dir, '.trace'))).toBe(false);
    const first = await trace(['import', 'space', SAMPLE, '--json'], { cwd: dir });
    expect(first.code).toBe(0);
    const summary = JSON.parse(first.stdout);
    expect(Object.keys(summary)).toEqual(['source', 'added', 'duplicates', 'invalid', 'tables', 'timezone', 'unresolved_agents']);
    expect(summary).toEqual({ ...JSON.parse(dry.stdout) });
    expect(summary.timezone).toEqual({ offset_minutes: -240, zone: null, from: 'inferred' });
    expect(summary.tables['bridge.db:messages']).toEqual({ added: 202, duplicates: 0, invalid: 0 });
    expect(first.stderr).toContain('sessions.db: not in the directory, skipped');
    const again = await trace(['import', 'space', SAMPLE, '--tz', 'America/New_York'], { cwd: dir });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(new RegExp(`^added 0 events, ${summary.added} duplicate, 0 invalid rows, 0 inferred causes; local zone America/New_York \\(flag\\)`));
  });

  it('exports one task as a standalone store that answers the same timeline, and NDJSON that reads back unchanged', async () => {
    const exported = await trace(['export', 'sqlite', '--task', PAYMENT_TASK, '-o', 'incident.db', '--json'], { cwd: dir });
    expect(exported.code).toBe(0);
    const [full, incident] = await Promise.all([
      trace(['--task', PAYMENT_TASK, '--json'], { cwd: dir }),
      trace(['--db', 'incident.db', '--task', PAYMENT_TASK, '--json'], { cwd: dir }),
    ]);
    expect(JSON.parse(exported.stdout).events).toBeGreaterThan(0);
    expect(JSON.parse(full.stdout).events.length).toBeGreaterThan(0);
    expect(incident.stdout).toBe(full.stdout);

    const roundTrip = await shell(`trace export ndjson -o all.ndjson && trace import ndjson - --db copy.db --json < all.ndjson && trace export ndjson --db copy.db > again.ndjson`, { cwd: dir });
    expect(roundTrip.code).toBe(0);
    expect(JSON.parse(roundTrip.stdout)).toMatchObject({ duplicates: 0, invalid: 0, errors: [] });
    expect(readFileSync(join(dir, 'again.ndjson'), 'utf8')).toBe(readFileSync(join(dir, 'all.ndjson'), 'utf8'));
  });

  it('--space answers queries straight from the directory, writing nothing anywhere', async () => {
    const empty = join(dir, 'elsewhere');
    mkdirSync(empty);
    const before = readdirSync(SAMPLE).sort();
    const channel = await trace(['--space', SAMPLE, '--channel', 'payments', '--json'], { cwd: empty });
    expect(channel.code).toBe(0);
    const blocked = JSON.parse(channel.stdout).events.find((event: { metadata: { content?: string } }) => event.metadata.content?.startsWith('Blocked on subtask 2'));
    const [text, declared] = await Promise.all([
      trace(['--space', SAMPLE, '--causality', blocked.id], { cwd: empty }),
      trace(['--space', SAMPLE, '--causality', blocked.id, '--no-inferred', '--json'], { cwd: empty }),
    ]);
    expect(text.stdout).toMatch(/┄> [0-9a-f]{8} bridge zealot-3 posted to #payments: "Sandbox credentials.*\(inferred: read-before-act 0\.7\)/);
    expect(JSON.parse(declared.stdout).root).toMatchObject({ event: { id: blocked.id }, children: [], inferred: null });
    expect(readdirSync(empty)).toEqual([]);
    expect(readdirSync(SAMPLE).sort()).toEqual(before);
  });

  it('refuses a directory with no space-os data, or a bad --tz, with a one-line error, and writes nothing', async () => {
    const nothing = join(dir, 'nothing');
    mkdirSync(nothing);
    const result = await trace(['import', 'space', nothing, '--json'], { cwd: nothing });
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toEqual({ error: { code: 'E_SOURCE', message: expect.stringContaining('no space-os data') } });
    // A bad --tz is refused before any store is created.
    const zone = await trace(['import', 'space', SAMPLE, '--tz', 'Mars/Olympus', '--json'], { cwd: nothing });
    expect(zone.code).toBe(2);
    expect(JSON.parse(zone.stdout)).toEqual({ error: { code: 'E_USAGE', message: expect.stringContaining('--tz') } });
    expect(readdirSync(nothing)).toEqual([]);
  });
});
