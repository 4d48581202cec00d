import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteTraceStore } from '@tracekernel/store';
import { configDigest } from '@tracekernel/sdk';
import { cleanEnv, TRACE_BIN, tempDirs, trace } from './helpers/trace-cli.js';
import { storePath } from './helpers/store-files.js';

const dirs = tempDirs();
afterAll(() => dirs.cleanup());

const T = `"${process.execPath}" "${TRACE_BIN}"`;
const json = (stdout: string) => JSON.parse(stdout);

async function readStore<R>(dir: string, fn: (store: SqliteTraceStore) => Promise<R>): Promise<R> {
  const store = SqliteTraceStore.open({ path: storePath(dir), mode: 'read' });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

describe('trace run', () => {
  const cwd = dirs.make('trace-run-');
  let first: Record<string, any>;

  it('records a failing command: exit code passed through, stderr tail as the error, digests, nesting', async () => {
    writeFileSync(join(cwd, 'config.json'), '{ "model": "m1", "limits": { "b": 2, "a": 1 } }');
    writeFileSync(join(cwd, 'input.txt'), 'data');
    const script = `${T} emit memory add_entry --meta '{"topic":"inside"}' > /dev/null; echo "line 1" >&2; echo "disk full" >&2; exit 3`;
    const result = await trace(['run', '--task', 'nightly-backup', '--config', 'config.json', '--input', 'input.txt',
      '--idempotency-key', 'backup-2025-11-04', '--json', '--', 'sh', '-c', script], { cwd });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('disk full');
    const { run, exit_code } = json(result.stdout);
    first = run;
    expect(exit_code).toBe(3);
    expect(run).toMatchObject({
      task_id: 'nightly-backup', task_slug: 'nightly_backup', task_type: 'command', status: 'failed', attempt: 1, retry_of: null,
      idempotency_key: 'backup-2025-11-04', config_digest: configDigest({ limits: { a: 1, b: 2 }, model: 'm1' }),
      error: { type: 'exit 3', message: 'line 1\ndisk full', stack_hash: null },
      runner: { name: 'trace-cli', host: hostname() },
    });
    expect(run.input_digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(run.ended_at_ts).toBeGreaterThanOrEqual(run.started_at_ts);
    // The child's own event nests under the run through TRACE_PARENT.
    await readStore(cwd, async (store) => {
      const [inside] = await store.query({ kinds: ['memory.add_entry'] });
      expect(inside!.parent_event_id).toBe(run.span_id);
      const ends = await store.query({ kinds: ['run.end'] });
      expect(ends.map((end) => end.parent_event_id)).toEqual([run.span_id]);
    });
  });

  it('makes a repeat with the same idempotency key a no-op that does not start the command', async () => {
    const result = await trace(['run', '--idempotency-key', 'backup-2025-11-04', '--', 'touch', 'ran-again'], { cwd });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`already ran (span ${first.span_id}, failed)`);
    expect(existsSync(join(cwd, 'ran-again'))).toBe(false);
  });

  it('records a retry as the next attempt of the same trace, and passes exit code 0', async () => {
    const result = await trace(['run', '--task', 'nightly-backup', '--retry-of', first.span_id, '--json', '--', 'true'], { cwd });
    expect(result.code).toBe(0);
    const { run } = json(result.stdout);
    expect(run).toMatchObject({
      status: 'success', attempt: 2, retry_of: first.span_id, trace_id: first.trace_id, idempotency_key: 'backup-2025-11-04#2', error: null,
    });
    expect(run.span_id).not.toBe(first.span_id);
  });

  it('refuses bad flags before recording anything, and reports a missing command as 127', async () => {
    const before = (await trace(['runs', '--json'], { cwd })).stdout;
    const noCommand = await trace(['run', '--task', 'x'], { cwd });
    expect(noCommand.code).toBe(2);
    expect(noCommand.stderr).toMatch(/^trace: give the command after --/);
    const badInput = await trace(['run', '--input', 'missing.txt', '--', 'touch', 'should-not-exist'], { cwd });
    expect(badInput.code).toBe(2);
    expect(badInput.stderr).toContain('--input');
    expect(existsSync(join(cwd, 'should-not-exist'))).toBe(false);
    const badRetry = await trace(['run', '--retry-of', '01a209e6-5aa1-7054-908e-8c68d2c5c1da', '--', 'true'], { cwd });
    expect(badRetry.code).toBe(1);
    expect((await trace(['runs', '--json'], { cwd })).stdout).toBe(before);
    const missing = await trace(['run', '--task', 'ghost', '--', 'no-such-command-xyz'], { cwd });
    expect(missing.code).toBe(127);
    expect(missing.stderr).toContain('command not found');
  });

  it('lists, filters and shows runs, newest first, with the JSON contract', async () => {
    const all = json((await trace(['runs', '--json'], { cwd })).stdout).runs;
    expect(all.map((run: any) => [run.task_id, run.status])).toEqual([['ghost', 'failed'], ['nightly-backup', 'success'], ['nightly-backup', 'failed']]);
    const failed = json((await trace(['runs', '--status', 'failed', '--task', 'nightly-backup', '--json'], { cwd })).stdout).runs;
    expect(failed.map((run: any) => run.span_id)).toEqual([first.span_id]);
    expect(json((await trace(['runs', '--slug', 'ghost', '--since', '1h ago', '--json'], { cwd })).stdout).runs).toHaveLength(1);
    expect(json((await trace(['runs', '--since', '2100-01-01', '--json'], { cwd })).stdout).runs).toEqual([]);

    const shown = json((await trace(['runs', 'show', 'backup-2025-11-04', '--json'], { cwd })).stdout);
    expect(Object.keys(shown)).toEqual(['run', 'attempts']);
    expect(shown.run).toEqual(first);
    expect(shown.attempts.map((run: any) => [run.attempt, run.status])).toEqual([[1, 'failed'], [2, 'success']]);
    const text = await trace(['runs', 'show', first.span_id], { cwd });
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('disk full');
    expect(text.stdout).toContain(first.config_digest);
    expect(text.stdout).toMatch(/Attempts \(trace .*\):\n> 1\. .*failed: exit 3.*\n {2}2\. .*success/);
    const listing = await trace(['runs'], { cwd });
    expect(listing.stdout.split('\n')[0]).toMatch(/^STARTED \(UTC\) +\| STATUS +\| DURATION \| TASK +\| ATTEMPT +\| SPAN ID$/);
    expect(listing.stdout.split('\n')[1]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \| failed +\| .* \| ghost +\| attempt 1 \| /);
    const unknown = await trace(['runs', 'show', 'nope'], { cwd });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('trace: no run with span_id or idempotency_key "nope"\n');
  });

  it('verifies the invariants: exit 0 when they hold, exit 1 listing each violation with run and rule', async () => {
    const clean = await trace(['runs', 'verify'], { cwd });
    expect(clean.code).toBe(0);
    expect(clean.stdout).toContain('3 runs checked: all 10 invariants hold.');
    // A hand-emitted start that skips the writer: no event key, a reused key, attempt 2 without retry_of.
    const meta = JSON.stringify({ schema_version: 1, task_id: 'rogue', idempotency_key: 'backup-2025-11-04', attempt: 2, runner: { name: 'hand' } });
    const emitted = await trace(['emit', 'run', 'start', '--target', 'rogue', '--meta', meta], { cwd });
    expect(emitted.code).toBe(0);
    const span = emitted.stdout.trim();
    const bad = await trace(['runs', 'verify'], { cwd });
    expect(bad.code).toBe(1);
    for (const rule of [1, 6, 8]) expect(bad.stdout).toContain(`run ${span} (backup-2025-11-04): rule ${rule}: `);
    const report = json((await trace(['runs', 'verify', '--json'], { cwd })).stdout);
    expect(report.runs).toBe(4);
    expect(report.violations.map((v: any) => v.rule).sort()).toEqual([1, 6, 8]);
    expect(report.violations.every((v: any) => v.span_id === span)).toBe(true);
  });
});

describe('trace run interrupted', () => {
  it('leaves a running record with pid and host that trace runs marks abandoned', async () => {
    const cwd = dirs.make('trace-run-kill-');
    const child = spawn(process.execPath, [TRACE_BIN, 'run', '--task', 'sleeper', '--', 'sleep', '30'], { cwd, env: cleanEnv(), detached: true, stdio: 'ignore' });
    const deadline = Date.now() + 30_000;
    let started = false;
    while (!started && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      if (!existsSync(storePath(cwd))) continue;
      started = await readStore(cwd, async (store) => (await store.query({ kinds: ['run.start'] })).length === 1).catch(() => false);
    }
    expect(started).toBe(true);
    process.kill(-child.pid!, 'SIGKILL'); // the wrapper and its child, as a crash would
    await new Promise((resolve) => child.on('exit', resolve));
    const { runs } = json((await trace(['runs', '--json'], { cwd })).stdout);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: 'abandoned', ended_at: null, runner: { name: 'trace-cli', pid: child.pid, host: hostname() } });
    expect((await trace(['runs', 'verify'], { cwd })).code).toBe(0);
  });
});

describe('trace runs backfill', () => {
  const span = (n: number) => `6f1c1b6e-2d2a-4c1b-9a55-3d6b0f5e2a${String(n).padStart(2, '0')}`;
  const trace1 = '0b5c1a4e-7c9d-4a52-9f7e-1c2d3e4f5a6b';
  const base = {
    task_id: 'daily_reflection', task_slug: 'daily_reflection', task_name: 'Daily reflection', task_type: 'reflection', trigger: 'scheduled',
    trace_id: trace1, runner: { name: 'scheduler', version: '1.0.0', pid: 351425, host: 'd-vps' },
  };
  const lines = [
    JSON.stringify({ ...base, status: 'failed', started_at: '2025-11-04T18:29:12.000Z', ended_at: '2025-11-04T18:29:13.042Z', duration_ms: 1042,
      span_id: span(1), attempt: 1, retry_of: null, idempotency_key: 'refl-2025-11-04', error: { type: 'Timeout', message: 'llm slow', stack_hash: null }, schema_version: 1 }),
    JSON.stringify({ ...base, status: 'success', started_at_ts: Date.parse('2025-11-04T18:30:00Z'), ended_at_ts: Date.parse('2025-11-04T18:30:02Z'),
      span_id: span(2), attempt: 2, retry_of: span(1), idempotency_key: 'refl-2025-11-04#2', config_digest: 'sha256:abc123', notes: 'retried', schema_version: 1 }),
    '{not json',
    JSON.stringify({ ...base, status: 'failed', started_at: '2025-11-05T00:00:00Z', ended_at: '2025-11-05T00:00:01Z', span_id: span(3), trace_id: span(3), idempotency_key: 'no-error', schema_version: 1 }),
    '',
    JSON.stringify({ ...base, status: 'success', span_id: span(4), idempotency_key: 'no-start', schema_version: 1 }),
    JSON.stringify({ ...base, status: 'skipped', started_at: '2025-11-06T00:00:00Z', ended_at: '2025-11-06T00:00:00Z', span_id: span(5), trace_id: span(5), idempotency_key: 'skip-1', schema_version: 1 }),
  ];

  it('imports valid lines, reports invalid ones by line number, honours keys on re-run, and dry-runs without writing', async () => {
    const cwd = dirs.make('trace-backfill-');
    writeFileSync(join(cwd, 'old.ndjson'), `${lines.join('\n')}\n`);
    const dry = await trace(['runs', 'backfill', 'old.ndjson', '--dry-run', '--json'], { cwd });
    expect(dry.code).toBe(1);
    expect(json(dry.stdout)).toMatchObject({ dry_run: true, new: 3, duplicate: 0, invalid: 3 });
    expect(existsSync(storePath(cwd))).toBe(false);

    const real = await trace(['runs', 'backfill', 'old.ndjson'], { cwd });
    expect(real.code).toBe(1);
    expect(real.stdout).toContain('imported 3 new, 0 duplicate, 3 invalid');
    const problems = real.stderr.trim().split('\n');
    expect(problems).toEqual([
      expect.stringMatching(/^trace: old\.ndjson:3: not JSON/),
      expect.stringMatching(/^trace: old\.ndjson:4: invariant 3: status is failed but error/),
      expect.stringMatching(/^trace: old\.ndjson:6: started_at: required/),
    ]);

    const again = await trace(['runs', 'backfill', 'old.ndjson', '--json'], { cwd });
    expect(json(again.stdout)).toMatchObject({ dry_run: false, new: 0, duplicate: 3, invalid: 3 });
    const dryAgain = await trace(['runs', 'backfill', 'old.ndjson', '--dry-run', '--json'], { cwd });
    expect(json(dryAgain.stdout)).toMatchObject({ new: 0, duplicate: 3, invalid: 3 });

    const shown = json((await trace(['runs', 'show', span(2), '--json'], { cwd })).stdout);
    expect(shown.run).toMatchObject({
      status: 'success', started_at: '2025-11-04T18:30:00.000Z', ended_at: '2025-11-04T18:30:02.000Z', duration_ms: 2000,
      attempt: 2, retry_of: span(1), trace_id: trace1, config_digest: 'sha256:abc123', notes: 'retried', runner: base.runner,
    });
    expect(shown.attempts.map((run: any) => run.span_id)).toEqual([span(1), span(2)]);
    const first = JSON.parse(lines[0]!);
    const { runs } = json((await trace(['runs', '--json'], { cwd })).stdout);
    expect(runs.find((run: any) => run.span_id === span(1))).toEqual({
      ...first, task_name: 'Daily reflection', started_at_ts: Date.parse(first.started_at), ended_at_ts: Date.parse(first.ended_at),
      config_digest: null, input_digest: null, parents: [], notes: null, code_ref: null,
      retrieval: { memory_count: 0, query: null, filters: null, latency_ms: null, source: null },
      io: { files_written: [], artifact_ids: [], tool_calls: [], script_runs: [] }, grants: { scopes: [], impersonation: false },
    });
    expect((await trace(['runs', 'verify'], { cwd })).code).toBe(0);
  });
});
