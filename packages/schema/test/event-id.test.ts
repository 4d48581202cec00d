import { describe, expect, it } from 'vitest';
import { TraceError, eventIdAt, eventIdTime, isEventId, newEventId, parseEventId } from '@tracekernel/schema';

describe('event ids', () => {
  it('are uuidv7 strings carrying the current time, strictly increasing within a process', () => {
    const before = Date.now();
    const ids = Array.from({ length: 20_000 }, () => newEventId());
    const after = Date.now();
    expect(ids.every(isEventId)).toBe(true);
    for (let i = 1; i < ids.length; i++) expect(ids[i]! > ids[i - 1]!).toBe(true);
    expect(eventIdTime(ids[0]!)).toBeGreaterThanOrEqual(before);
    expect(eventIdTime(ids[ids.length - 1]!)).toBeLessThanOrEqual(after + 5); // the counter may borrow a few ms
  });

  it('can carry an explicit time', () => {
    const ts = Date.UTC(2025, 9, 22, 14, 0, 0);
    const id = eventIdAt(ts);
    expect(isEventId(id)).toBe(true);
    expect(eventIdTime(id)).toBe(ts);
    expect(() => eventIdAt(-1)).toThrow(TraceError);
  });

  it('rejects what is not a uuidv7, naming the field', () => {
    expect(parseEventId(' 01A209D2-B101-70AE-90A9-4F7BC47D4A12 ')).toBe('01a209d2-b101-70ae-90a9-4f7bc47d4a12');
    expect(() => parseEventId('task-abc123', '--parent')).toThrow('--parent: expected a uuidv7 event id, got "task-abc123"');
    // a valid uuid of another version is not an event id
    expect(isEventId('9b2f3c1e-8d4a-4b6e-9f1a-2c3d4e5f6a7b')).toBe(false);
  });
});

describe('isTraceError', () => {
  it('recognises a TraceError from another copy of the module, and nothing else', async () => {
    const { isTraceError } = await import('@tracekernel/schema');
    const fromOtherCopy = Object.assign(new Error('no such run'), { name: 'TraceError', code: 'E_NOT_FOUND' });
    expect(isTraceError(new TraceError('E_USAGE', 'bad flag'))).toBe(true);
    expect(isTraceError(fromOtherCopy)).toBe(true);
    expect(isTraceError(new Error('plain'))).toBe(false);
    expect(isTraceError({ name: 'TraceError', code: 'E_USAGE' })).toBe(false);
  });
});
