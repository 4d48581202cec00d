import { afterEach, describe, expect, it } from 'vitest';
import { EventCatalog, MAX_CAUSES, MAX_METADATA_BYTES, TraceError, eventIdTime, eventSchema, newEventId } from '@tracekernel/schema';

const catalog = new EventCatalog();
const T0 = Date.UTC(2025, 9, 22, 14, 0, 0);

function errorOf(fn: () => unknown): TraceError {
  try {
    fn();
  } catch (error) {
    if (error instanceof TraceError) return error;
    throw error;
  }
  throw new Error('expected a TraceError');
}

describe('the causes limit', () => {
  const ids = (n: number) => Array.from({ length: n }, () => newEventId());

  it('is 256, the same as the stored envelope', () => {
    expect(MAX_CAUSES).toBe(256);
    const causes = ids(MAX_CAUSES);
    const { event } = catalog.prepare({ primitive: 'spawn', type: 'wake', causes });
    expect(event.causes).toEqual(causes);
    expect(eventSchema.safeParse(event).success).toBe(true);
  });

  it('refuses one more with E_SCHEMA naming causes and the limit', () => {
    const error = errorOf(() => catalog.prepare({ primitive: 'spawn', type: 'wake', causes: ids(MAX_CAUSES + 1) }));
    expect(error.code).toBe('E_SCHEMA');
    expect(error.message).toBe('causes: 257 event ids, more than the limit of 256 causes per event');
  });
});

describe('the metadata limit counts UTF-8 bytes', () => {
  const wake = (reason: string) => catalog.prepare({ primitive: 'spawn', type: 'wake', metadata: { note: reason } });
  // `{"note":""}` is 11 bytes of JSON around the value.
  const room = MAX_METADATA_BYTES - 11;

  it('accepts ASCII up to the limit, byte for byte', () => {
    expect(Buffer.byteLength(wake('x'.repeat(room)).metadataJson)).toBe(MAX_METADATA_BYTES);
    expect(errorOf(() => wake('x'.repeat(room + 1))).message).toBe(
      `metadata: ${MAX_METADATA_BYTES + 1} bytes of JSON (UTF-8), more than the limit of ${MAX_METADATA_BYTES} bytes`,
    );
  });

  it('counts a CJK character as its three bytes', () => {
    // 1M CJK characters are 1M UTF-16 units but 3 MB of UTF-8: the old check let them through.
    const error = errorOf(() => wake('漢'.repeat(1_000_000)));
    expect(error.code).toBe('E_SCHEMA');
    expect(error.message).toBe(`metadata: ${3_000_011} bytes of JSON (UTF-8), more than the limit of ${MAX_METADATA_BYTES} bytes`);
    const fits = Math.floor(room / 3);
    expect(Buffer.byteLength(wake('漢'.repeat(fits)).metadataJson)).toBeLessThanOrEqual(MAX_METADATA_BYTES);
    expect(() => wake('漢'.repeat(fits + 1))).toThrow(/more than the limit/);
  });

  it('counts an emoji (a surrogate pair) as its four bytes', () => {
    const fits = Math.floor(room / 4);
    expect(Buffer.byteLength(wake('😀'.repeat(fits)).metadataJson)).toBeLessThanOrEqual(MAX_METADATA_BYTES);
    expect(() => wake('😀'.repeat(fits + 1))).toThrow(/more than the limit/);
  });
});

describe('a __proto__ key in metadata', () => {
  const refused = (json: string, path: string) => {
    const error = errorOf(() => catalog.prepare({ primitive: 'spawn', type: 'wake', metadata: JSON.parse(json) }));
    expect(error.code).toBe('E_SCHEMA');
    expect(error.message).toBe(
      `${path}: the key "__proto__" is not allowed in metadata (JavaScript gives it a special meaning); rename it (spawn.wake)`,
    );
  };

  it('is refused at any depth, naming where it is, instead of being silently dropped', () => {
    refused('{"reason":"x","__proto__":{"admin":true}}', 'metadata.__proto__');
    refused('{"__proto__":1}', 'metadata.__proto__');
    refused('{"a":{"b":{"__proto__":null}}}', 'metadata.a.b.__proto__');
    refused('{"list":[1,{"ok":1},{"__proto__":{}}]}', 'metadata.list.2.__proto__');
    refused('{"\\u005f_proto__":{}}', 'metadata.__proto__');
  });

  it('other keys that name Object members are plain data', () => {
    const { event, metadataJson } = catalog.prepare({
      primitive: 'spawn', type: 'wake', metadata: JSON.parse('{"constructor":1,"prototype":{"toString":2},"hasOwnProperty":3}'),
    });
    expect(JSON.parse(metadataJson)).toEqual({ constructor: 1, prototype: { toString: 2 }, hasOwnProperty: 3 });
    expect(event.metadata).toEqual(JSON.parse(metadataJson));
  });

  it('circular metadata is a clear E_SCHEMA error, not a stack overflow', () => {
    const loop: Record<string, unknown> = { reason: 'x' };
    loop.self = { loop };
    const error = errorOf(() => catalog.prepare({ primitive: 'spawn', type: 'wake', metadata: loop }));
    expect(error.code).toBe('E_SCHEMA');
    expect(error.message).toMatch(/^metadata: nested more than 512 levels deep, or circular$/);
  });
});

describe('ts in prepare', () => {
  const savedTz = process.env.TZ;
  afterEach(() => {
    if (savedTz === undefined) delete process.env.TZ;
    else process.env.TZ = savedTz;
  });
  const at = (ts: unknown) => catalog.prepare({ primitive: 'spawn', type: 'wake', ts: ts as number }).event;

  it('takes epoch ms, an ISO string (no offset is UTC, whatever TZ says) or a Date; the id carries the time', () => {
    process.env.TZ = 'America/New_York';
    for (const ts of [T0, '2025-10-22 14:00', '2025-10-22T16:00:00+02:00', String(T0), new Date(T0)]) {
      const event = at(ts);
      expect(event.ts).toBe(T0);
      expect(eventIdTime(event.id)).toBe(T0);
    }
  });

  it('refuses what is not a real time, naming ts', () => {
    for (const ts of ['2025-10-22 junk', '2025-02-30T00:00:00Z', '2025-10-22T24:00:00Z', -1, 2 ** 48, 1.5]) {
      const error = errorOf(() => at(ts));
      expect(error.code).toBe('E_INVALID_TIME');
      expect(error.message).toMatch(/^ts: /);
    }
  });
});
