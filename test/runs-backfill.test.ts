import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { emit, tempDirs, trace } from './helpers/trace-cli.js';

const dirs = tempDirs();
afterAll(() => dirs.cleanup());

const T0 = Date.parse('2025-11-04T10:00:00Z');
const uuid = (n: number) => `6f1c1e1a-0b7e-4c1e-9d7a-${String(n).padStart(12, '0')}`;
const record = (n: number, extra: Record<string, unknown> = {}) => ({
  task_id: 'nightly', status: 'success', started_at_ts: T0 + n, ended_at_ts: T0 + n + 10,
  trace_id: uuid(n), span_id: uuid(n), idempotency_key: `k${n}`, schema_version: 1, ...extra,
});

it('imports every valid line, and reports bad groups, deep JSON and span conflicts by line with exit 1', async () => {
  const cwd = dirs.make();
  const other = await emit(['ops', 'create_task', '--agent', 'a', '--target', 'task-1', '--meta', '{"title":"x"}'], { cwd });
  const deep = `${'['.repeat(50_000)}${']'.repeat(50_000)}`;
  const lines = [
    JSON.stringify(record(1)),
    JSON.stringify(record(2, { grants: { scopes: 'admin' } })),
    JSON.stringify(record(3)),
    `{"task_id":"nightly","retrieval":{"filters":{"x":${deep}}}}`,
    JSON.stringify(record(5, { span_id: other, trace_id: other })),
    JSON.stringify(record(6, { io: { tool_calls: 'none' } })),
    JSON.stringify(record(7)),
  ];
  writeFileSync(join(cwd, 'runs.ndjson'), `${lines.join('\n')}\n`);
  const result = await trace(['runs', 'backfill', 'runs.ndjson', '--json'], { cwd });
  expect(result.code).toBe(1);
  const report = JSON.parse(result.stdout);
  expect(report).toMatchObject({ new: 3, duplicate: 0, invalid: 3, conflict: 1 });
  expect(report.problems.map((problem: { line: number }) => problem.line)).toEqual([2, 4, 5, 6]);
  expect(result.stderr).toMatch(/^trace: runs\.ndjson:2: grants\.scopes: /m);
  expect(result.stderr).toMatch(/^trace: runs\.ndjson:4: retrieval\.filters\.x(\[0\])+: nested deeper than 64 levels$/m);
  expect(result.stderr).toContain(`runs.ndjson:5: conflict: span_id ${other} is the id of a stored ops.create_task event`);
  expect(result.stderr).toMatch(/^trace: runs\.ndjson:6: io\.tool_calls: /m);
  expect(result.stderr).not.toMatch(/internal error|Maximum call stack/);
  const runs = JSON.parse((await trace(['runs', '--json'], { cwd })).stdout).runs;
  expect(runs.map((run: { idempotency_key: string }) => run.idempotency_key).sort()).toEqual(['k1', 'k3', 'k7']);

  // Re-running the import adds nothing; the conflict is still a conflict, not a duplicate.
  const again = await trace(['runs', 'backfill', 'runs.ndjson', '--json'], { cwd });
  expect(again.code).toBe(1);
  expect(JSON.parse(again.stdout)).toMatchObject({ new: 0, duplicate: 3, invalid: 3, conflict: 1 });
});
