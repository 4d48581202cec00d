import { mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventCatalog, newEventId } from '@tracekernel/schema';
import { openStore, type TraceStore } from '@tracekernel/store';
import { verifyRunStore } from '@tracekernel/projector';
import { BACKFILL_MAX_DEPTH, RunLookup, RunWriter, backfillRuns, createTracer } from '@tracekernel/sdk';

let dir: string;
let db: string;
let store: TraceStore;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tracekernel-run-records-'));
  db = join(dir, 'trace.db');
  store = await openStore({ db, mode: 'write', env: {} });
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const T0 = Date.parse('2025-11-04T10:00:00Z');
function record(key: string, extra: Record<string, unknown> = {}) {
  const span = newEventId();
  return { task_id: 'nightly', status: 'success', started_at_ts: T0, ended_at_ts: T0 + 500, trace_id: span, span_id: span, idempotency_key: key, schema_version: 1, ...extra };
}
const ndjson = (...lines: unknown[]) => lines.map((line) => (typeof line === 'string' ? line : JSON.stringify(line))).join('\n');

describe('backfill', () => {
  it('reports a mistyped grants, io or retrieval by line and reason, and imports every other line', async () => {
    const text = ndjson(
      record('a'),
      record('b', { grants: { scopes: 'admin' } }),
      record('c'),
      record('d', { io: { files_written: 7 } }),
      record('e', { retrieval: { memory_count: 'many' } }),
      record('f'),
    );
    const report = await backfillRuns(store, text);
    expect(report).toMatchObject({ new: 3, duplicate: 0, invalid: 3, conflict: 0 });
    expect(report.problems.map((problem) => problem.line)).toEqual([2, 4, 5]);
    expect(report.problems[0]!.reason).toMatch(/^grants\.scopes: /);
    expect(report.problems[1]!.reason).toMatch(/^io\.files_written: /);
    expect(report.problems[2]!.reason).toMatch(/^retrieval\.memory_count: /);
    expect((await store.query({ kinds: ['run.start'] })).map((event) => event.metadata.idempotency_key).sort()).toEqual(['a', 'c', 'f']);
  });

  it('refuses JSON nested deeper than the bound with the path, instead of overflowing the stack', async () => {
    const filters = `${'{"f":'.repeat(100_000)}"leaf"${'}'.repeat(100_000)}`;
    const text = `${JSON.stringify(record('ok'))}\n{"task_id":"nightly","retrieval":{"filters":${filters}}}\n`;
    const report = await backfillRuns(store, text);
    expect(report).toMatchObject({ new: 1, invalid: 1 });
    expect(report.problems[0]).toEqual({ line: 2, reason: expect.stringMatching(new RegExp(`^retrieval\\.filters(\\.f)+: nested deeper than ${BACKFILL_MAX_DEPTH} levels$`)) });
  });

  it('reports a span_id that is the id of a stored event of another kind as a conflict, not a duplicate', async () => {
    const catalog = new EventCatalog();
    const other = catalog.prepare({ primitive: 'ops', type: 'create_task', target_id: 'task-1', metadata: { title: 'x' } });
    await store.append([other]);
    const report = await backfillRuns(store, ndjson(record('clash', { span_id: other.event.id, trace_id: other.event.id }), record('fine')));
    expect(report).toMatchObject({ new: 1, duplicate: 0, invalid: 0, conflict: 1 });
    expect(report.problems).toEqual([{ line: 1, reason: expect.stringContaining(`span_id ${other.event.id} is the id of a stored ops.create_task event`) }]);
    expect(await store.getByIdempotencyKey('run:clash')).toBeUndefined();
  });

  it('writes many records per transaction, sees earlier lines and stored runs, and re-runs as duplicates', async () => {
    const first = record('r1', { status: 'failed', error: { type: 'exit 1', message: 'boom' } });
    const retry = { ...record('r2'), trace_id: first.trace_id, attempt: 2, retry_of: first.span_id };
    const lines = [first, retry, ...Array.from({ length: 25 }, (_, i) => record(`bulk-${i}`, { task_id: `task-${i % 3}` }))];
    const report = await backfillRuns(store, ndjson(...lines), { batchSize: 4 });
    expect(report).toMatchObject({ new: 27, duplicate: 0, invalid: 0, conflict: 0 });
    expect((await verifyRunStore(store)).violations).toEqual([]);
    // A retry of a stored run, in a later import, and a repeat of the whole file.
    const third = { ...record('r3'), trace_id: first.trace_id, attempt: 3, retry_of: retry.span_id };
    expect(await backfillRuns(store, ndjson(...lines, third), { batchSize: 4 })).toMatchObject({ new: 1, duplicate: 27 });
    expect(await backfillRuns(store, ndjson(record('dup-span', { span_id: retry.span_id, trace_id: retry.span_id })))).toMatchObject({ invalid: 1 });
  });
});

describe('RunLookup', () => {
  it('finds a start by span through its event id, its end key, or its task, for spans from other systems too', async () => {
    const foreignEnded = '6f1c1e1a-0b7e-4c1e-9d7a-2f1e3d4c5b6a';
    const foreignRunning = '0e4ad3a5-2f7c-4b8e-8a59-7c1d2e3f4a5b';
    const ours = record('ours');
    const report = await backfillRuns(store, ndjson(
      ours,
      record('f1', { span_id: foreignEnded, trace_id: foreignEnded }),
      record('f2', { span_id: foreignRunning, trace_id: foreignRunning, status: 'running', ended_at_ts: null }),
    ));
    expect(report.new).toBe(3);
    const lookup = new RunLookup(store);
    expect((await lookup.startBySpan(ours.span_id))?.id).toBe(ours.span_id);
    expect((await lookup.startBySpan(foreignEnded))?.metadata.idempotency_key).toBe('f1');
    expect(await lookup.startBySpan(foreignRunning)).toBeUndefined();
    expect((await lookup.startBySpan(foreignRunning, { task: 'nightly' }))?.metadata.idempotency_key).toBe('f2');
    expect((await lookup.recordOf((await lookup.startByKey('f1'))!)).status).toBe('success');
  });

  it('lets trace run and the SDK retry a backfilled run with a foreign span', async () => {
    const span = '6f1c1e1a-0b7e-4c1e-9d7a-2f1e3d4c5b6a';
    await backfillRuns(store, ndjson(record('old', { span_id: span, trace_id: span, status: 'failed', error: { type: 'x', message: 'y' } })));
    const started = await new RunWriter(store).start({ task: 'nightly', retryOf: span });
    expect(started.started && started.record).toMatchObject({ attempt: 2, retry_of: span, trace_id: span, idempotency_key: 'old#2' });
  });
});

describe('tracer.run read connection', () => {
  const openFilesOf = (path: string) => readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === path;
    } catch {
      return false;
    }
  }).length;

  it('is closed by Tracer.close()', async () => {
    const path = join(dir, 'sdk.db');
    const tracer = createTracer({ agentId: 'scheduler', db: path, env: {} });
    const outcome = await tracer.run({ task: 'nightly', idempotencyKey: 'once' }, () => 'done');
    expect(outcome.record?.status).toBe('success');
    const before = openFilesOf(path);
    await tracer.close();
    expect(before).toBeGreaterThan(0);
    expect(openFilesOf(path)).toBe(0);
  });
});
