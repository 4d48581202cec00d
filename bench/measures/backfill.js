// `trace runs backfill` at the SDK level: records/s for a file of N run records into a fresh store
// (one process per N, so caches and the heap belong to that size). The parent compares each size
// with a small baseline size measured in the same run: linear time keeps the ratio near 1.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newEventId } from '@tracekernel/schema';
import { openStore } from '@tracekernel/store';
import { backfillRuns } from '@tracekernel/sdk';
import { args, report, round } from '../lib/child.js';

const { records: recordsArg = '1000', tasks: tasksArg = '50' } = args();
const records = Number(recordsArg);
const tasks = Number(tasksArg);
const t0 = Date.parse('2025-01-01T00:00:00Z');

// Every fourth record is a retry of the one before (the lookups a retry needs), every tenth has
// parents and tool calls (the reference checks), one in a hundred is still running.
const lines = [];
let previous = null;
for (let i = 0; i < records; i++) {
  const span = newEventId();
  const retry = i % 4 === 3 && previous !== null && previous.status === 'failed';
  const status = i % 100 === 99 ? 'running' : i % 4 === 2 ? 'failed' : 'success';
  const started = t0 + i * 1000;
  const record = {
    task_id: retry ? previous.task_id : `task-${i % tasks}`,
    task_slug: `task_${i % tasks}`,
    status,
    started_at_ts: started,
    ended_at_ts: status === 'running' ? null : started + 400,
    trace_id: retry ? previous.trace_id : span,
    span_id: span,
    attempt: retry ? previous.attempt + 1 : 1,
    retry_of: retry ? previous.span_id : null,
    idempotency_key: `bench-${i}`,
    runner: { name: 'scheduler', version: '1.0', pid: 1000 + (i % 50), host: 'bench' },
    ...(status === 'failed' ? { error: { type: 'exit 1', message: 'failed' } } : {}),
    ...(i % 10 === 0 && previous ? { parents: [previous.span_id], retrieval: { memory_count: 1, query: 'recent', filters: { topic: 'x' } } } : {}),
    schema_version: 1,
  };
  lines.push(JSON.stringify(record));
  previous = record;
}
const text = lines.join('\n');

const dir = mkdtempSync(join(tmpdir(), 'tracekernel-bench-backfill-'));
const store = await openStore({ db: join(dir, 'trace.db'), mode: 'write', env: {} });
const started = performance.now();
const result = await backfillRuns(store, text);
const seconds = (performance.now() - started) / 1000;
await store.close();
rmSync(dir, { recursive: true, force: true });
if (result.new !== records) throw new Error(`backfill imported ${result.new} of ${records}: ${JSON.stringify(result.problems.slice(0, 3))}`);
report({ records, seconds: round(seconds, 2), records_per_s: round(records / seconds) });
