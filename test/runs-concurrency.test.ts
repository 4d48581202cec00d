import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { SqliteTraceStore } from '@tracekernel/store';
import { listRuns, verifyRunStore } from '@tracekernel/projector';
import { cleanEnv, TRACE_BIN, tempDirs } from './helpers/trace-cli.js';

const dirs = tempDirs();
afterAll(() => dirs.cleanup());

const PROCESSES = 8;
const RUNS_EACH = 10;

/** An agent process recording runs through the SDK, all racing for one shared idempotency key too. */
function agentScript(): string {
  const sdk = import.meta.resolve('@tracekernel/sdk');
  return `
const { createTracer } = await import(${JSON.stringify(sdk)});
const [db, name] = process.argv.slice(2);
const tracer = createTracer({ agentId: name, db, env: {} });
const problems = [];
const onProblem = (problem) => problems.push(problem);
let shared = 0;
const once = await tracer.run({ task: 'migration', idempotencyKey: 'migrate-once', onProblem }, () => { shared++; });
for (let i = 0; i < ${RUNS_EACH}; i++) {
  await tracer.run({ task: 'work-' + (i % 3), idempotencyKey: name + '-' + i, onProblem }, async (run) => {
    tracer.emit('memory', 'add_entry', { metadata: { topic: name } });
    if (i % 4 === 3) throw Object.assign(new Error('planned failure'), { name: 'Planned' });
  }).catch((error) => { if (error.name !== 'Planned') throw error; });
}
await tracer.close();
process.stdout.write(JSON.stringify({ shared, duplicate: once.duplicate, problems, stats: tracer.stats() }));
`;
}

function run(command: string, args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env: cleanEnv() });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

it(`${PROCESSES} SDK processes and ${PROCESSES} \`trace run\` processes record runs into one store at once`, async () => {
  const dir = dirs.make('trace-runs-concurrency-');
  const db = join(dir, '.trace', 'trace.db');
  const script = join(dir, 'agent.mjs');
  writeFileSync(script, agentScript());
  const agents = Array.from({ length: PROCESSES }, (_, i) => run(process.execPath, [script, db, `agent-${i}`], dir));
  const clis = Array.from({ length: PROCESSES }, (_, i) =>
    run(process.execPath, [TRACE_BIN, 'run', '--task', 'cli-job', '--idempotency-key', `cli-${i}`, '--', 'sh', '-c', `exit ${i % 2}`], dir));
  const agentResults = await Promise.all(agents);
  const cliResults = await Promise.all(clis);

  let sharedCalls = 0;
  for (const result of agentResults) {
    expect(result.stderr).not.toMatch(/SQLITE_BUSY|database is locked/i);
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary.problems).toEqual([]);
    expect(summary.stats.errors).toBe(0);
    sharedCalls += summary.shared;
  }
  // The shared key ran exactly once across all processes: the others were no-ops.
  expect(sharedCalls).toBe(1);
  cliResults.forEach((result, i) => {
    expect(result.stderr).not.toMatch(/SQLITE_BUSY|database is locked|warning/i);
    expect(result.code).toBe(i % 2);
  });

  const store = SqliteTraceStore.open({ path: db, mode: 'read' });
  try {
    const { runs, problems } = await listRuns(store);
    expect(problems).toEqual([]);
    expect(runs).toHaveLength(PROCESSES * RUNS_EACH + 1 + PROCESSES);
    const keys = new Set(runs.map((r) => r.idempotency_key));
    for (let p = 0; p < PROCESSES; p++) {
      for (let i = 0; i < RUNS_EACH; i++) expect(keys.has(`agent-${p}-${i}`)).toBe(true);
      expect(keys.has(`cli-${p}`)).toBe(true);
    }
    const statuses = runs.reduce<Record<string, number>>((acc, r) => ({ ...acc, [r.status]: (acc[r.status] ?? 0) + 1 }), {});
    const failedAgents = PROCESSES * Math.floor((RUNS_EACH + 1) / 4);
    expect(statuses).toEqual({ success: PROCESSES * RUNS_EACH - failedAgents + 1 + PROCESSES / 2, failed: failedAgents + PROCESSES / 2 });
    // Every event emitted inside a run nests under that run's start.
    const inside = await store.query({ kinds: ['memory.add_entry'] });
    expect(inside).toHaveLength(PROCESSES * RUNS_EACH);
    const spans = new Set(runs.map((r) => r.span_id));
    expect(inside.every((event) => event.parent_event_id !== null && spans.has(event.parent_event_id))).toBe(true);
    expect((await verifyRunStore(store)).violations).toEqual([]);
  } finally {
    await store.close();
  }
});
