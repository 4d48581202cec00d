import { afterEach, describe, expect, it } from 'vitest';
import { createTracer } from '@tracekernel/sdk';
import { eventIdTime } from '@tracekernel/schema';
import { readAll, tempStorePath } from './helpers.js';

const T0 = Date.UTC(2025, 9, 22, 14, 0, 0);

describe('emit input through the SDK', () => {
  const savedTz = process.env.TZ;
  afterEach(() => {
    if (savedTz === undefined) delete process.env.TZ;
    else process.env.TZ = savedTz;
  });

  it('ts takes epoch ms, an ISO string (no offset is UTC, whatever TZ says) or a Date, as trace emit --ts does', async () => {
    process.env.TZ = 'America/New_York';
    const db = tempStorePath();
    const tracer = createTracer({ agentId: 'zealot-1', db });
    const ids = [
      tracer.emit('spawn', 'wake', { ts: T0 }),
      tracer.emit('spawn', 'wake', { ts: '2025-10-22 14:00' }),
      tracer.emit('spawn', 'wake', { ts: '2025-10-22T10:00:00-04:00' }),
      tracer.spawn.wake({ ts: new Date(T0) }),
    ];
    expect(() => tracer.emit('spawn', 'wake', { ts: '2025-10-22 junk' })).toThrow(/^ts: could not parse "2025-10-22 junk"; expected an ISO-8601 time/);
    expect(() => tracer.emit('spawn', 'wake', { ts: '2025-02-30' })).toThrow(expect.objectContaining({ code: 'E_INVALID_TIME' }));
    await tracer.close();
    const events = await readAll(db);
    expect(events.map((event) => event.id).sort()).toEqual([...ids].sort());
    expect(events.map((event) => event.ts)).toEqual([T0, T0, T0, T0]);
    expect(events.every((event) => eventIdTime(event.id) === T0)).toBe(true);
  });

  it('refuses 257 causes, 3 MB of CJK metadata and a __proto__ key, storing none of them', async () => {
    const db = tempStorePath();
    const tracer = createTracer({ agentId: 'zealot-1', db });
    const root = tracer.spawn.wake({});
    expect(() => tracer.emit('spawn', 'wake', {}, { causes: Array.from({ length: 257 }, () => root) })).toThrow(
      /^causes: 257 event ids, more than the limit of 256 causes per event$/,
    );
    expect(() => tracer.emit('spawn', 'wake', { metadata: { blob: '漢'.repeat(1_000_000) } })).toThrow(/^metadata: 3000011 bytes of JSON \(UTF-8\)/);
    expect(() => tracer.emit('spawn', 'wake', { metadata: JSON.parse('{"__proto__":{"admin":true}}') })).toThrow(/^metadata\.__proto__: /);
    await tracer.close();
    expect((await readAll(db)).map((event) => event.id)).toEqual([root]);
  });
});
