import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { SqliteTraceStore } from '@tracekernel/store';
import { listRuns, verifyRunStore } from '@tracekernel/projector';
import { checkRunRecord, runRecordSchema } from '@tracekernel/schema';
import { tempDirs } from './helpers/trace-cli.js';

const dirs = tempDirs();
afterAll(() => dirs.cleanup());

const KILLS = 50;
// 50 processes each start node, import the store and migrate or open it: about 50 s on 2 loaded cores.

/**
 * A writer that records runs in a loop the way `trace run` does (start, then end, each one
 * synchronous transaction read back and validated) and prints a line once each is committed.
 * Writes to a pipe are synchronous on Linux, so a printed `ack` was durable before it was printed.
 */
function writerScript(): string {
  const store = import.meta.resolve('@tracekernel/store');
  const sdk = import.meta.resolve('@tracekernel/sdk');
  return `
const { SqliteTraceStore } = await import(${JSON.stringify(store)});
const { RunWriter } = await import(${JSON.stringify(sdk)});
const [path, tag] = process.argv.slice(2);
const store = SqliteTraceStore.open({ path, mode: 'write' });
const writer = new RunWriter(store, { agentId: 'crash-writer' });
for (let i = 0; ; i++) {
  const key = tag + '-' + i;
  const started = await writer.start({ task: 'crash-task', idempotencyKey: key, config: { i }, notes: 'x'.repeat(i % 7 * 100) });
  process.stdout.write('start ' + started.record.span_id + ' ' + key + '\\n');
  const record = await writer.end(started.start, { status: i % 3 === 0 ? 'partial' : 'success', durationMs: i });
  process.stdout.write('ack ' + record.span_id + ' ' + key + ' ' + record.status + '\\n');
}
`;
}

interface Ack { span: string; key: string; status: string }

function killWriter(script: string, db: string, tag: string, early: boolean): Promise<{ acks: Ack[]; starts: string[]; signal: string | null }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script, db, tag], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let timer: NodeJS.Timeout | undefined;
    const kill = () => child.kill('SIGKILL');
    // Early kills land anywhere from module loading to store creation and migration; the others
    // land a random few ms into the recording loop.
    if (early) timer = setTimeout(kill, Math.random() * 400);
    child.stdout.on('data', (chunk) => {
      if (out === '' && !early) timer = setTimeout(kill, Math.random() * 25);
      out += chunk;
    });
    child.on('exit', (_code, signal) => {
      clearTimeout(timer);
      const lines = out.split('\n').filter((line) => line.length > 0);
      // A line cut by the kill is incomplete: only whole lines count as acknowledged.
      const complete = out.endsWith('\n') ? lines : lines.slice(0, -1);
      const acks = complete.filter((line) => line.startsWith('ack ')).map((line) => {
        const [, span, key, status] = line.split(' ');
        return { span: span!, key: key!, status: status! };
      });
      const starts = complete.filter((line) => line.startsWith('start ')).map((line) => line.split(' ')[1]!);
      resolve({ acks, starts, signal });
    });
  });
}

it(`keeps every acknowledged run intact and the store readable across ${KILLS} SIGKILLs`, async () => {
  const dir = dirs.make('trace-crash-');
  const db = join(dir, 'trace.db');
  const script = join(dir, 'writer.mjs');
  writeFileSync(script, writerScript());
  const acked: Ack[] = [];
  const started: string[] = [];
  let killedMidRun = 0;
  for (let round = 0; round < KILLS; round++) {
    const result = await killWriter(script, db, `w${round}`, round % 10 === 0);
    expect(result.signal).toBe('SIGKILL');
    acked.push(...result.acks);
    started.push(...result.starts);
    if (result.starts.length > result.acks.length) killedMidRun++;
    // The store opens after every kill, and every record acknowledged so far is there and valid.
    if (result.starts.length > 0 || round === KILLS - 1) {
      const store = SqliteTraceStore.open({ path: db, mode: 'read' });
      try {
        const { runs, problems } = await listRuns(store, { task: 'crash-task' });
        expect(problems).toEqual([]);
        const bySpan = new Map(runs.map((run) => [run.span_id, run]));
        for (const ack of result.acks) {
          const run = bySpan.get(ack.span);
          expect(run, `acknowledged run ${ack.key}`).toBeDefined();
          expect(runRecordSchema.parse(run)).toEqual(run);
          expect(checkRunRecord(run!)).toEqual([]);
          expect(run).toMatchObject({ idempotency_key: ack.key, status: ack.status });
        }
      } finally {
        await store.close();
      }
    }
  }
  expect(acked.length).toBeGreaterThan(KILLS);
  const store = SqliteTraceStore.open({ path: db, mode: 'read' });
  try {
    const { runs } = await listRuns(store);
    const bySpan = new Map(runs.map((run) => [run.span_id, run]));
    for (const ack of acked) expect(bySpan.get(ack.span)?.status, ack.key).toBe(ack.status);
    // A run interrupted between start and end is never half-written: it is a whole start whose
    // runner is gone, shown as abandoned with its pid and host.
    for (const run of runs) {
      expect(['success', 'partial', 'abandoned']).toContain(run.status);
      if (run.status === 'abandoned') expect(run).toMatchObject({ ended_at: null, duration_ms: null, runner: { name: 'tracekernel-sdk' } });
    }
    expect(started.every((span) => bySpan.has(span))).toBe(true);
    expect(await verifyRunStore(store)).toEqual({ runs: runs.length, violations: [] });
  } finally {
    await store.close();
  }
  console.log(`${KILLS} kills: ${acked.length} runs acknowledged, ${killedMidRun} writers killed between a start and its end`);
}, 180_000);
