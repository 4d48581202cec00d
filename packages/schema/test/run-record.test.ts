import { describe, expect, it } from 'vitest';
import {
  EventCatalog,
  RUN_INVARIANTS,
  checkRunRecord,
  newEventId,
  parseRunRecordInput,
  readRunStart,
  runRecordFromEvents,
  runRecordSchema,
  runRecordToMetadata,
  type RunRecord,
} from '@tracekernel/schema';

const catalog = new EventCatalog();
const runner = { name: 'scheduler', version: '1.0.0', pid: 351425, host: 'd-vps' };

function recordOf(startMeta: Record<string, unknown>, endMeta?: Record<string, unknown>): RunRecord {
  const start = catalog.prepare({ primitive: 'run', type: 'start', target_id: 't', ts: 1_000, metadata: { schema_version: 1, task_id: 't', idempotency_key: 'k', runner, ...startMeta } });
  const end = endMeta
    ? catalog.prepare({ primitive: 'run', type: 'end', target_id: 't', ts: 2_042, metadata: { schema_version: 1, span_id: start.event.id, duration_ms: 1042, ...endMeta } })
    : null;
  return runRecordFromEvents(start.event, end?.event);
}

describe('the run primitive', () => {
  it('is in the built-in catalog with start and end, targeting the task', () => {
    expect(catalog.primitive('run')).toMatchObject({ target: 'task' });
    expect(Object.keys(catalog.primitive('run').types)).toEqual(['start', 'end']);
    const start = catalog.prepare({ primitive: 'run', type: 'start', agent_id: 'cron', target_id: 'daily', metadata: { schema_version: 1, task_id: 'daily', idempotency_key: 'k', runner, attempt: 2, retry_of: newEventId() } });
    expect(catalog.describe(start.event)).toBe('run of daily started by cron (attempt 2, manual)');
  });

  it('rejects metadata that is not v1, naming the field', () => {
    expect(() => catalog.prepare({ primitive: 'run', type: 'start', target_id: 't', metadata: { schema_version: 1, task_id: 't', runner } }))
      .toThrow(/metadata\.idempotency_key/);
    expect(() => catalog.prepare({ primitive: 'run', type: 'end', target_id: 't', metadata: { schema_version: 1, span_id: 'x', status: 'done', duration_ms: 1 } }))
      .toThrow(/metadata\.status/);
    expect(() => catalog.prepare({ primitive: 'run', type: 'start', target_id: 't', metadata: { schema_version: 2, task_id: 't', idempotency_key: 'k', runner } }))
      .toThrow(/metadata\.schema_version/);
  });
});

describe('runRecordFromEvents', () => {
  it('projects a running record and an ended one with defaults filled in', () => {
    const running = recordOf({});
    expect(runRecordSchema.parse(running)).toEqual(running);
    expect(running).toMatchObject({ status: 'running', ended_at: null, ended_at_ts: null, duration_ms: null, attempt: 1, trigger: 'manual', error: null });
    expect(running.trace_id).toBe(running.span_id);
    const ended = recordOf({ trigger: 'scheduled' }, { status: 'failed', error: { type: 'Timeout', message: 'slow' } });
    expect(ended).toMatchObject({ status: 'failed', started_at: '1970-01-01T00:00:01.000Z', ended_at: '1970-01-01T00:00:02.042Z', duration_ms: 1042, error: { type: 'Timeout', message: 'slow', stack_hash: null } });
  });

  it('lets the end replace parents and retrieval known only at the end', () => {
    const parent = newEventId();
    const record = recordOf({ parents: [] }, { status: 'success', parents: [parent], retrieval: { memory_count: 1, source: 'memory' } });
    expect(record).toMatchObject({ parents: [parent], retrieval: { memory_count: 1, source: 'memory', query: null } });
  });

  it('round-trips through runRecordToMetadata and parseRunRecordInput', () => {
    const record = recordOf({ trace_id: newEventId(), notes: 'n' }, { status: 'partial', io: { files_written: ['a'] } });
    const { start, end } = runRecordToMetadata(record);
    expect(end).toMatchObject({ status: 'partial', duration_ms: 1042 });
    expect(start).toMatchObject({ span_id: record.span_id, trace_id: record.trace_id });
    expect(parseRunRecordInput(JSON.parse(JSON.stringify(record)))).toEqual(record);
  });
});

describe('readRunStart (schema evolution)', () => {
  const v1 = { schema_version: 1, task_id: 't', idempotency_key: 'k', runner };
  it('reads v1 and an additive v2, keeping the version; refuses an incompatible v2 with a reason', () => {
    expect(readRunStart(v1).schema_version).toBe(1);
    expect(readRunStart({ ...v1, schema_version: 2, new_field: [1] })).toMatchObject({ schema_version: 2, task_id: 't' });
    expect(() => readRunStart({ ...v1, schema_version: 2, trigger: { kind: 'cron' } }))
      .toThrow(/schema_version 2 is newer than this reader \(1\) and not compatible with it \(start\.trigger: .*\); upgrade tracekernel/);
    expect(() => readRunStart({ ...v1, schema_version: 0 })).toThrow(/schema_version/);
  });
});

describe('parseRunRecordInput', () => {
  const base = { task_id: 't', status: 'success', started_at: '2025-11-04T18:29:12Z', ended_at: '2025-11-04T18:29:13.042Z', trace_id: newEventId(), span_id: newEventId(), idempotency_key: 'k', schema_version: 1 };
  it('fills optional groups and derives the other time form and the duration', () => {
    expect(parseRunRecordInput(base)).toMatchObject({
      started_at: '2025-11-04T18:29:12.000Z', started_at_ts: Date.parse(base.started_at), duration_ms: 1042, attempt: 1, retry_of: null,
      runner: { name: 'backfill', version: null, pid: null, host: null }, grants: { scopes: [], impersonation: false },
    });
  });
  it('names the field of a bad record', () => {
    expect(() => parseRunRecordInput([])).toThrow(/JSON object/);
    expect(() => parseRunRecordInput({ ...base, status: 'done' })).toThrow(/^status: /);
    expect(() => parseRunRecordInput({ ...base, ended_at: undefined })).toThrow(/ended_at: required/);
    expect(() => parseRunRecordInput({ ...base, started_at_ts: 5 })).toThrow(/disagrees/);
    expect(parseRunRecordInput({ ...base, status: 'abandoned', ended_at: null }).status).toBe('running');
    expect(() => parseRunRecordInput({ ...base, status: 'running' })).toThrow(/ended_at: must be null while running/);
    expect(() => parseRunRecordInput({ ...base, schema_version: 2 })).toThrow(/schema_version/);
    expect(() => parseRunRecordInput({ ...base, extra: 1 })).toThrow(/extra|Unrecognized/);
  });
});

describe('checkRunRecord', () => {
  it('finds the record-local invariants 2, 3, 4, 6 and 9', () => {
    const good = parseRunRecordInput({ task_id: 't', status: 'success', started_at_ts: 10, ended_at_ts: 20, trace_id: newEventId(), span_id: newEventId(), idempotency_key: 'k', schema_version: 1 });
    expect(checkRunRecord(good)).toEqual([]);
    const rules = (record: RunRecord) => checkRunRecord(record).map((v) => v.rule);
    expect(rules({ ...good, ended_at_ts: 5, duration_ms: -5 })).toEqual([2, 2]);
    expect(rules({ ...good, status: 'failed', error: null })).toEqual([3]);
    expect(rules({ ...good, status: 'failed', error: { type: 'E', message: null, stack_hash: null } })).toEqual([3]);
    expect(rules({ ...good, retrieval: { ...good.retrieval, memory_count: 1 } })).toEqual([4]);
    expect(rules({ ...good, attempt: 0 })).toEqual([6]);
    expect(rules({ ...good, attempt: 2 })).toEqual([6]);
    expect(rules({ ...good, retry_of: newEventId() })).toEqual([6]);
    expect(rules({ ...good, trace_id: 'nope', span_id: 'also-nope' })).toEqual([9, 9]);
    expect(Object.keys(RUN_INVARIANTS)).toHaveLength(10);
  });
});
