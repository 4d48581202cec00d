import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteTraceStore } from '@tracekernel/store';
import { findRun, verifyRunStore } from '@tracekernel/projector';
import { canonicalJson, configDigest, createTracer, inputDigest, runTask, type Tracer } from '@tracekernel/sdk';

let dir: string;
let db: string;
let tracer: Tracer;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tracekernel-run-task-'));
  db = join(dir, 'trace.db');
  tracer = createTracer({ agentId: 'scheduler', db, env: {} });
});
afterEach(async () => {
  await tracer.close();
  rmSync(dir, { recursive: true, force: true });
});

async function withStore<T>(fn: (store: SqliteTraceStore) => Promise<T>): Promise<T> {
  const store = SqliteTraceStore.open({ path: db, mode: 'read' });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

describe('digests', () => {
  it('hashes config as canonical JSON, whatever the key order', () => {
    expect(canonicalJson({ b: [1, { d: 2, c: null }], a: 'x', skip: undefined })).toBe('{"a":"x","b":[1,{"c":null,"d":2}]}');
    expect(configDigest({ a: 1, b: { c: 2, d: 3 } })).toBe(configDigest({ b: { d: 3, c: 2 }, a: 1 }));
    expect(configDigest({ a: 1 })).not.toBe(configDigest({ a: 2 }));
    expect(configDigest({ a: 1 })).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(/config\.n/);
  });

  it('hashes input files by content and path, with the git head when given', () => {
    writeFileSync(join(dir, 'a.txt'), 'one');
    writeFileSync(join(dir, 'b.txt'), 'two');
    const base = inputDigest(['a.txt', 'b.txt'], { cwd: dir, gitHead: null });
    expect(inputDigest(['b.txt', 'a.txt'], { cwd: dir, gitHead: null })).toBe(base);
    expect(inputDigest(['a.txt', 'b.txt'], { cwd: dir, gitHead: 'a'.repeat(40) })).not.toBe(base);
    writeFileSync(join(dir, 'b.txt'), 'changed');
    expect(inputDigest(['a.txt', 'b.txt'], { cwd: dir, gitHead: null })).not.toBe(base);
    expect(() => inputDigest(['missing.txt'], { cwd: dir })).toThrow(/missing\.txt: ENOENT/);
  });
});

describe('runTask', () => {
  it('records start and end, parents the events emitted inside, and reads the record back', async () => {
    let inner = '';
    writeFileSync(join(dir, 'in.txt'), 'input');
    const result = await runTask(tracer, {
      task: { id: 'daily_reflection', name: 'Daily reflection', type: 'reflection' },
      trigger: 'scheduled', config: { model: 'x', depth: 2 }, inputs: ['in.txt'], cwd: dir, idempotencyKey: 'daily-2025-11-04',
    }, async (run) => {
      inner = tracer.emit('memory', 'add_entry', { metadata: { topic: 'reflection' } });
      run.toolCall(inner);
      run.fileWritten('out/summary.md');
      await new Promise((resolve) => setTimeout(resolve, 5));
      return 42;
    });
    expect(result.value).toBe(42);
    expect(result.duplicate).toBe(false);
    expect(result.problems).toEqual([]);
    expect(result.record).toMatchObject({
      task_id: 'daily_reflection', task_slug: 'daily_reflection', task_name: 'Daily reflection', task_type: 'reflection',
      trigger: 'scheduled', status: 'success', attempt: 1, retry_of: null, idempotency_key: 'daily-2025-11-04',
      span_id: result.spanId, config_digest: configDigest({ depth: 2, model: 'x' }),
      io: { files_written: ['out/summary.md'], artifact_ids: [], tool_calls: [inner], script_runs: [] },
      runner: { name: 'tracekernel-sdk', pid: process.pid }, error: null,
    });
    expect(result.record!.input_digest).toMatch(/^sha256:/);
    expect(result.record!.duration_ms).toBeGreaterThanOrEqual(0);
    await withStore(async (store) => {
      const [event] = await store.get([inner]);
      expect(event!.parent_event_id).toBe(result.spanId);
      expect((await findRun(store, 'daily-2025-11-04')).run).toEqual(result.record);
      expect(await verifyRunStore(store)).toEqual({ runs: 1, violations: [] });
    });
  });

  it("rethrows the function's own error unchanged and records the run as failed", async () => {
    class QuotaError extends Error {
      override name = 'QuotaError';
    }
    const thrown = new QuotaError('quota exceeded');
    let handleSpan = '';
    await expect(runTask(tracer, { task: 'sync' }, (run) => {
      handleSpan = run.spanId;
      throw thrown;
    })).rejects.toBe(thrown);
    const record = await withStore(async (store) => (await findRun(store, handleSpan)).run);
    expect(record).toMatchObject({ status: 'failed', error: { type: 'QuotaError', message: 'quota exceeded' } });
    expect(record.error!.stack_hash).toMatch(/^sha256:/);
  });

  it('makes a second run with the same idempotency key a no-op that returns the first', async () => {
    const first = await tracer.run({ task: 'once', idempotencyKey: 'k' }, () => 'first');
    let called = false;
    const second = await runTask(tracer, { task: 'once', idempotencyKey: 'k' }, () => {
      called = true;
      return 'second';
    });
    expect(called).toBe(false);
    expect(second).toMatchObject({ duplicate: true, value: undefined, spanId: first.spanId });
    expect(second.record).toEqual(first.record);
    await withStore(async (store) => expect((await verifyRunStore(store)).runs).toBe(1));
  });

  it('records retries as attempts of one trace, and lets the function set partial or failed', async () => {
    const first = await runTask(tracer, { task: 'flaky', idempotencyKey: 'flaky-1' }, (run) => {
      run.setStatus('failed', { type: 'Timeout', message: 'upstream slow' });
    });
    const second = await first.retry((run) => {
      run.setStatus('partial');
      run.note('2 of 3 shards');
      return run.attempt;
    });
    expect(first.record).toMatchObject({ status: 'failed', error: { type: 'Timeout', message: 'upstream slow' } });
    expect(second.value).toBe(2);
    expect(second.record).toMatchObject({
      status: 'partial', attempt: 2, retry_of: first.spanId, trace_id: first.traceId, idempotency_key: 'flaky-1#2', notes: '2 of 3 shards',
    });
    const third = await runTask(tracer, { task: 'flaky', retryOf: second.spanId }, () => 'ok');
    expect(third.record).toMatchObject({ attempt: 3, retry_of: second.spanId, trace_id: first.traceId, idempotency_key: 'flaky-1#3' });
    await withStore(async (store) => {
      const detail = await findRun(store, third.spanId);
      expect(detail.attempts.map((run) => run.attempt)).toEqual([1, 2, 3]);
      expect(await verifyRunStore(store)).toEqual({ runs: 3, violations: [] });
    });
  });

  it('records consumed events as parents with a matching memory_count', async () => {
    const memory = tracer.emit('memory', 'add_entry', { metadata: { topic: 't' } });
    const result = await runTask(tracer, { task: 'reflect' }, (run) => {
      run.consumed([memory], { query: 'recent', source: 'memory' });
    });
    expect(result.record).toMatchObject({ parents: [memory], retrieval: { memory_count: 1, query: 'recent', source: 'memory' } });
    await withStore(async (store) => expect((await verifyRunStore(store)).violations).toEqual([]));
  });

  it('never fails the run when the store cannot be written, and reports the problem', async () => {
    writeFileSync(join(dir, 'not-a-dir'), 'x');
    const broken = createTracer({ agentId: 'a', db: join(dir, 'not-a-dir', 'trace.db'), env: {} });
    broken.on('error', () => {});
    const problems: string[] = [];
    try {
      const result = await runTask(broken, { task: 't', startTimeoutMs: 2000, onProblem: (p) => problems.push(p) }, () => 'still ran');
      expect(result.value).toBe('still ran');
      expect(result.record).toBeNull();
      expect(problems.length).toBeGreaterThan(0);
      expect(result.problems).toEqual(problems);
    } finally {
      await broken.close().catch(() => {});
    }
  });
});
