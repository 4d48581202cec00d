import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { SqliteTraceStore } from '@tracekernel/store';
import { eventIdAt, runStartEventKey, type TraceEvent } from '@tracekernel/schema';
import { tempDirs, trace } from './helpers/trace-cli.js';
import { storePath } from './helpers/store-files.js';

const dirs = tempDirs();
afterAll(() => dirs.cleanup());

const T0 = Date.UTC(2025, 10, 4, 18, 0, 0);

/** A start event as a later tracekernel might write it, stored as-is (the store does not validate). */
function v2Start(at: number, metadata: Record<string, unknown>): { event: TraceEvent; metadataJson: string } {
  const event: TraceEvent = {
    id: eventIdAt(at), ts: at, primitive: 'run', type: 'start', agent_id: 'future-scheduler', target_id: String(metadata.task_id),
    session_id: null, parent_event_id: null, causes: [], idempotency_key: runStartEventKey(String(metadata.idempotency_key)),
    schema_version: 1, metadata: metadata as TraceEvent['metadata'],
  };
  return { event, metadataJson: JSON.stringify(metadata) };
}

it('keeps reading v1 run records once v2 records exist in the same store', async () => {
  const cwd = dirs.make('trace-runs-v2-');
  // A v1 run recorded by this version.
  const v1 = await trace(['run', '--task', 'report', '--idempotency-key', 'v1-run', '--', 'true'], { cwd });
  expect(v1.code).toBe(0);
  mkdirSync(join(cwd, '.trace'), { recursive: true });
  const store = SqliteTraceStore.open({ path: storePath(cwd), mode: 'write' });
  const runner = { name: 'scheduler', version: '2.0.0', pid: 1, host: 'elsewhere' };
  store.appendSync([
    // Additive v2: new fields only, every v1 field still meaning the same.
    v2Start(T0, { schema_version: 2, task_id: 'report', idempotency_key: 'v2-additive', trigger: 'scheduled', runner, cost_usd: 0.42, embedding_skipped: true }),
    // Breaking v2: trigger became an object and runner a list.
    v2Start(T0 + 1000, { schema_version: 2, task_id: 'report', idempotency_key: 'v2-breaking', trigger: { kind: 'cron', spec: '0 * * * *' }, runner: [runner] }),
  ]);
  await store.close();

  const listed = await trace(['runs', '--json'], { cwd });
  expect(listed.code).toBe(0);
  const { runs } = JSON.parse(listed.stdout);
  expect(runs.map((run: any) => [run.idempotency_key, run.schema_version])).toEqual([['v1-run', 1], ['v2-additive', 2]]);
  expect(runs[1]).toMatchObject({ status: 'running', trigger: 'scheduled', runner });
  expect(runs[1]).not.toHaveProperty('cost_usd');
  expect(listed.stderr).toMatch(/^trace: warning: skipped run event .*: run record schema_version 2 is newer than this reader \(1\) and not compatible with it \(start\.trigger: .*\); upgrade tracekernel\n$/);

  const v1Shown = await trace(['runs', 'show', 'v1-run', '--json'], { cwd });
  expect(JSON.parse(v1Shown.stdout).run).toMatchObject({ status: 'success', schema_version: 1 });
  const v2Shown = await trace(['runs', 'show', 'v2-breaking'], { cwd });
  expect(v2Shown.code).toBe(1);
  expect(v2Shown.stderr).toContain('schema_version 2 is newer than this reader');

  const verified = await trace(['runs', 'verify', '--json'], { cwd });
  expect(verified.code).toBe(1);
  const { violations } = JSON.parse(verified.stdout);
  expect(violations).toHaveLength(1);
  expect(violations[0]).toMatchObject({ rule: 'schema' });
});
