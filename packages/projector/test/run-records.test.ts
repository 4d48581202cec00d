import { hostname } from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  EventCatalog,
  eventIdAt,
  runEndEventKey,
  runStartEventKey,
  type PreparedEvent,
  type RunRecord,
  type TraceEvent,
} from '@tracekernel/schema';
import type { TraceStore } from '@tracekernel/store';
import { findRun, foldRuns, listRuns, verifyRunStore, verifyRuns } from '@tracekernel/projector';
import { DIALECTS, fixtures, type Fixture } from './store-fixture.js';

const T0 = Date.UTC(2025, 10, 4, 18, 29, 12);
const catalog = new EventCatalog();

let f: Fixture;
let store: TraceStore;

const runner = { name: 'scheduler', version: '1.0.0', pid: 351425, host: 'd-vps' };

interface RunSpec {
  task?: string;
  key: string;
  at: number;
  span?: string;
  trace?: string;
  attempt?: number;
  retryOf?: string | null;
  end?: { at: number; status: string; duration?: number; error?: unknown; io?: unknown } | null;
  start?: Record<string, unknown>;
  eventKey?: string | null;
}

async function append(prepared: PreparedEvent): Promise<TraceEvent> {
  const [result] = await store.append([prepared]);
  expect(result?.inserted).toBe(true);
  return prepared.event;
}

/** Writes a run as the writers do (keys, parent link), with whatever metadata a test needs. */
async function writeRun(spec: RunSpec): Promise<{ start: TraceEvent; end: TraceEvent | null; span: string }> {
  const id = spec.span ?? eventIdAt(spec.at);
  const task = spec.task ?? 'daily_reflection';
  const start = await append(catalog.prepare({
    primitive: 'run', type: 'start', id, ts: spec.at, agent_id: 'scheduler', target_id: task,
    idempotency_key: spec.eventKey === undefined ? runStartEventKey(spec.key) : spec.eventKey,
    metadata: {
      schema_version: 1, task_id: task, task_slug: task, trigger: 'scheduled', idempotency_key: spec.key,
      trace_id: spec.trace ?? id, span_id: id, attempt: spec.attempt ?? 1, retry_of: spec.retryOf ?? null, runner,
      ...spec.start,
    },
  }));
  let end: TraceEvent | null = null;
  if (spec.end) {
    end = await append(catalog.prepare({
      primitive: 'run', type: 'end', ts: spec.end.at, agent_id: 'scheduler', target_id: task, parent_event_id: start.id,
      idempotency_key: runEndEventKey(id),
      metadata: {
        schema_version: 1, span_id: id, status: spec.end.status, duration_ms: spec.end.duration ?? spec.end.at - spec.at,
        error: spec.end.error ?? null, ...(spec.end.io ? { io: spec.end.io } : {}),
      },
    }));
  }
  return { start, end, span: id };
}

describe.each(DIALECTS)('%s', (dialect) => {
  const open = fixtures(dialect);
  beforeEach(async () => {
    f = await open();
    store = f.store;
  });
  afterEach(() => f.cleanup());

  describe('foldRuns and listRuns', () => {
    it('projects start and end into one record with the issue field names', async () => {
      await writeRun({ key: 'k1', at: T0, end: { at: T0 + 1042, status: 'success' } });
      const { runs, problems } = await listRuns(store);
      expect(problems).toEqual([]);
      expect(runs).toHaveLength(1);
      const run = runs[0]!;
      expect(Object.keys(run).sort()).toEqual([
        'attempt', 'code_ref', 'config_digest', 'duration_ms', 'ended_at', 'ended_at_ts', 'error', 'grants', 'idempotency_key', 'input_digest',
        'io', 'notes', 'parents', 'retrieval', 'retry_of', 'runner', 'schema_version', 'span_id', 'started_at', 'started_at_ts',
        'status', 'task_id', 'task_name', 'task_slug', 'task_type', 'trace_id', 'trigger',
      ]);
      expect(run).toMatchObject({
        status: 'success', started_at: '2025-11-04T18:29:12.000Z', ended_at: '2025-11-04T18:29:13.042Z',
        started_at_ts: T0, ended_at_ts: T0 + 1042, duration_ms: 1042, attempt: 1, retry_of: null, runner,
        grants: { scopes: [], impersonation: false }, error: null, schema_version: 1,
      });
    });

    it('keeps a run without an end running, and marks it abandoned when its runner is gone', async () => {
      const { span } = await writeRun({ key: 'k1', at: T0 });
      expect((await listRuns(store, {}, { liveness: () => undefined })).runs[0]!.status).toBe('running');
      expect((await listRuns(store, {}, { liveness: () => true })).runs[0]!.status).toBe('running');
      const gone = await listRuns(store, {}, { liveness: (r) => (r.pid === runner.pid ? false : undefined) });
      expect(gone.runs[0]).toMatchObject({ status: 'abandoned', span_id: span, ended_at: null, duration_ms: null });
    });

    it('checks the pid on this host by default', async () => {
      // A pid that cannot exist on Linux (above pid_max) on this host: abandoned; another host: unknown.
      await writeRun({ key: 'here', at: T0, start: { runner: { name: 'x', version: null, pid: 2 ** 30, host: hostname() } } });
      await writeRun({ key: 'there', at: T0 + 1, start: { runner: { name: 'x', version: null, pid: 2 ** 30, host: 'elsewhere' } } });
      await writeRun({ key: 'me', at: T0 + 2, start: { runner: { name: 'x', version: null, pid: process.pid, host: hostname() } } });
      const byKey = Object.fromEntries((await listRuns(store)).runs.map((run) => [run.idempotency_key, run.status]));
      expect(byKey).toEqual({ here: 'abandoned', there: 'running', me: 'running' });
    });

    it('filters by task, slug, status and since, newest first', async () => {
      await writeRun({ task: 'a', key: 'a1', at: T0, end: { at: T0 + 5, status: 'success' } });
      await writeRun({ task: 'b', key: 'b1', at: T0 + 10, end: { at: T0 + 20, status: 'failed', error: { type: 'E', message: 'm' } } });
      await writeRun({ task: 'a', key: 'a2', at: T0 + 30, end: { at: T0 + 40, status: 'failed', error: { type: 'E', message: 'm' } } });
      await writeRun({ task: 'a', key: 'a3', at: T0 + 50 });
      const keys = (list: { runs: RunRecord[] }) => list.runs.map((run) => run.idempotency_key);
      expect(keys(await listRuns(store, {}, { liveness: () => undefined }))).toEqual(['a3', 'a2', 'b1', 'a1']);
      expect(keys(await listRuns(store, { task: 'a' }))).toEqual(['a3', 'a2', 'a1']);
      expect(keys(await listRuns(store, { task_slug: 'b' }))).toEqual(['b1']);
      expect(keys(await listRuns(store, { status: 'failed' }))).toEqual(['a2', 'b1']);
      expect(keys(await listRuns(store, { since: T0 + 10, task: 'a' }))).toEqual(['a3', 'a2']);
      expect(keys(await listRuns(store, { task: 'nope' }))).toEqual([]);
    });

    it('uses the first end of a span and reports a second one and an orphan end', async () => {
      const r = await writeRun({ key: 'k', at: T0, end: { at: T0 + 5, status: 'success' } });
      const { start, end } = { start: r.start, end: r.end! };
      const second = { ...end, id: eventIdAt(T0 + 6), ts: T0 + 6, metadata: { ...end.metadata, status: 'failed' } };
      const orphan = { ...end, id: eventIdAt(T0 + 7), ts: T0 + 7, metadata: { ...end.metadata, span_id: eventIdAt(T0) } };
      const folded = foldRuns([orphan, second, end, start]);
      expect(folded.runs.map((run) => run.record.status)).toEqual(['success']);
      expect(folded.problems.map((problem) => problem.message)).toEqual([
        expect.stringContaining('a second end'),
        expect.stringContaining('which has no start'),
      ]);
    });
  });

  describe('findRun', () => {
    it('finds a run by span_id or idempotency_key, with its attempt chain', async () => {
      const first = await writeRun({ key: 'nightly', at: T0, trace: '0b5c1a4e-7c9d-4a52-9f7e-1c2d3e4f5a6b', end: { at: T0 + 5, status: 'failed', error: { type: 'Timeout', message: 'slow' } } });
      const second = await writeRun({ key: 'nightly#2', at: T0 + 10, trace: '0b5c1a4e-7c9d-4a52-9f7e-1c2d3e4f5a6b', attempt: 2, retryOf: first.span, end: { at: T0 + 15, status: 'success' } });
      await writeRun({ key: 'other', at: T0 + 20, end: { at: T0 + 25, status: 'success' } });
      const bySpan = await findRun(store, second.span);
      expect(bySpan.run).toMatchObject({ span_id: second.span, attempt: 2, retry_of: first.span, status: 'success' });
      expect(bySpan.attempts.map((run) => run.span_id)).toEqual([first.span, second.span]);
      const byKey = await findRun(store, 'nightly');
      expect(byKey.run.span_id).toBe(first.span);
      expect(byKey.run.error).toEqual({ type: 'Timeout', message: 'slow', stack_hash: null });
      await expect(findRun(store, 'missing')).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
    });

    it('finds runs imported with span ids from another system (uuidv4)', async () => {
      const span = '6f1c1b6e-2d2a-4c1b-9a55-3d6b0f5e2a11';
      const start = await append(catalog.prepare({
        primitive: 'run', type: 'start', ts: T0, target_id: 't', idempotency_key: runStartEventKey('imp'),
        metadata: { schema_version: 1, task_id: 't', idempotency_key: 'imp', span_id: span, trace_id: span, runner },
      }));
      expect(start.id).not.toBe(span);
      expect((await findRun(store, span)).run.span_id).toBe(span);
    });
  });

  describe('schema evolution', () => {
    /** A hand-written v2 sample: what a later tracekernel might write. */
    async function writeV2(metadata: Record<string, unknown>, at: number): Promise<TraceEvent> {
      const event: TraceEvent = {
        id: eventIdAt(at), ts: at, primitive: 'run', type: 'start', agent_id: 'future', target_id: 'daily_reflection',
        session_id: null, parent_event_id: null, causes: [], idempotency_key: runStartEventKey(String(metadata.idempotency_key)),
        schema_version: 1, metadata: metadata as TraceEvent['metadata'],
      };
      return append({ event, metadataJson: JSON.stringify(metadata) });
    }

    it('keeps reading v1 records next to v2 ones, reads an additive v2 and reports an incompatible one', async () => {
      await writeRun({ key: 'v1-a', at: T0, end: { at: T0 + 5, status: 'success' } });
      await writeV2({
        schema_version: 2, task_id: 'daily_reflection', idempotency_key: 'v2-additive', runner, trigger: 'scheduled',
        cost_usd: 0.12, embedding: { skipped: true },
      }, T0 + 10);
      await writeV2({
        schema_version: 2, task_id: 'daily_reflection', idempotency_key: 'v2-breaking', trigger: { kind: 'cron', by: 'x' },
        runner: [{ name: 'a' }],
      }, T0 + 20);
      await writeRun({ key: 'v1-b', at: T0 + 30 });
      const { runs, problems } = await listRuns(store, {}, { liveness: () => undefined });
      expect(runs.map((run) => [run.idempotency_key, run.schema_version, run.status])).toEqual([
        ['v1-b', 1, 'running'],
        ['v2-additive', 2, 'running'],
        ['v1-a', 1, 'success'],
      ]);
      expect(problems).toHaveLength(1);
      expect(problems[0]!.message).toMatch(/schema_version 2 is newer than this reader \(1\).*trigger/);
      const verification = await verifyRunStore(store);
      expect(verification.violations.filter((v) => v.rule === 'schema')).toHaveLength(1);
    });
  });

  describe('verifyRuns', () => {
    it('finds nothing wrong in a clean store', async () => {
      const first = await writeRun({ key: 'x', at: T0, end: { at: T0 + 5, status: 'failed', error: { type: 'E', message: 'boom' } } });
      await writeRun({ key: 'x#2', at: T0 + 10, trace: first.span, attempt: 2, retryOf: first.span, end: { at: T0 + 12, status: 'success' } });
      expect(await verifyRunStore(store)).toEqual({ runs: 2, violations: [] });
    });

    it('a run whose parent is a private event does not reference a missing event', async () => {
      const hidden = await append(catalog.prepare({ primitive: 'ops', type: 'create_task', target_id: 'tool', metadata: { title: 'private' }, private: true }));
      await writeRun({ key: 'p', at: T0, start: { parents: [hidden.id], retrieval: { memory_count: 1 } }, end: { at: T0 + 5, status: 'success' } });
      expect(await verifyRunStore(store)).toEqual({ runs: 1, violations: [] });
    });

    it('a private run is not found by its idempotency key', async () => {
      const start = await append(catalog.prepare({
        primitive: 'run', type: 'start', ts: T0, agent_id: 'scheduler', target_id: 'secret_task', idempotency_key: runStartEventKey('hidden-key'), private: true,
        metadata: { schema_version: 1, task_id: 'secret_task', task_slug: 'secret_task', trigger: 'scheduled', idempotency_key: 'hidden-key', trace_id: eventIdAt(T0), span_id: eventIdAt(T0), attempt: 1, retry_of: null, runner },
      }));
      expect(start.private).toBe(true);
      await expect(findRun(store, 'hidden-key')).rejects.toThrow(/no run with span_id or idempotency_key "hidden-key"/);
      expect((await listRuns(store)).runs).toEqual([]);
      expect((await findRun(store, 'hidden-key', { includePrivate: true })).run.task_id).toBe('secret_task');
      expect((await listRuns(store, {}, { includePrivate: true })).runs.map((run) => run.task_id)).toEqual(['secret_task']);
    });

    it('reports each of the ten invariants with its run and rule', async () => {
      const tool = await append(catalog.prepare({ primitive: 'ops', type: 'create_task', target_id: 'tool', metadata: { title: 'a tool call' } }));
      const base = await writeRun({ key: 'base', at: T0, trace: '0b5c1a4e-7c9d-4a52-9f7e-1c2d3e4f5a6b', end: { at: T0 + 5, status: 'failed', error: { type: 'E', message: 'x' } } });
      const violators: Record<number, string> = {};
      // 1: the start escaped the store's key (hand-emitted without it)
      violators[1] = (await writeRun({ key: 'unkeyed', at: T0 + 100, eventKey: null })).span;
      // 2: success that ended before it started
      violators[2] = (await writeRun({ key: 'backwards', at: T0 + 200, end: { at: T0 + 150, status: 'success', duration: -50 } })).span;
      // 3: failed without error
      violators[3] = (await writeRun({ key: 'silent', at: T0 + 300, end: { at: T0 + 301, status: 'failed' } })).span;
      // 4: memory_count without parents
      violators[4] = (await writeRun({ key: 'memory', at: T0 + 400, start: { retrieval: { memory_count: 2 }, parents: [tool.id] } })).span;
      // 5: a retry in another trace
      violators[5] = (await writeRun({ key: 'base#2', at: T0 + 500, attempt: 2, retryOf: base.span, trace: 'aaaaaaaa-7c9d-4a52-9f7e-1c2d3e4f5a6b' })).span;
      // 6: attempt 3 without retry_of
      violators[6] = (await writeRun({ key: 'attempt', at: T0 + 600, attempt: 3 })).span;
      // 7: retry_of holds the trace_id
      violators[7] = (await writeRun({ key: 'base#3', at: T0 + 700, attempt: 2, retryOf: '0b5c1a4e-7c9d-4a52-9f7e-1c2d3e4f5a6b', trace: '0b5c1a4e-7c9d-4a52-9f7e-1c2d3e4f5a6b' })).span;
      // 8: the same idempotency key twice (the second escaped the event key)
      violators[8] = (await writeRun({ key: 'base', at: T0 + 800, eventKey: 'something-else' })).span;
      // 9: a trace_id that is not a UUID
      violators[9] = (await writeRun({ key: 'trace', at: T0 + 900, trace: 'trace-123' })).span;
      // 10: io referencing missing events, next to one that exists
      violators[10] = (await writeRun({ key: 'io', at: T0 + 1000, end: { at: T0 + 1001, status: 'success', io: { tool_calls: [tool.id, eventIdAt(T0)], script_runs: ['scr_733'] } } })).span;

      const { runs, violations } = await verifyRunStore(store);
      expect(runs).toBe(11);
      for (const [rule, span] of Object.entries(violators)) {
        expect(violations, `rule ${rule}`).toContainEqual(expect.objectContaining({ rule: Number(rule), span_id: span }));
      }
      expect(violations.some((v) => v.span_id === base.span)).toBe(false);
      const ten = violations.find((v) => v.rule === 10)!;
      expect(ten.message).toContain('scr_733');
      expect(ten.message).not.toContain(tool.id);
      // verifyRuns is pure: the same events with every reference known drop rule 10 only.
      const events = await store.query({ kinds: ['run'] });
      const known = verifyRuns(events, new Set([tool.id, eventIdAt(T0), 'scr_733'].concat(
        ten.message.split(': ')[1]!.split(', '),
      )));
      expect(known.violations.some((v) => v.rule === 10)).toBe(false);
      expect(known.violations.length).toBe(violations.length - 1);
    });
  });
});
