import { describe, expect, it } from 'vitest';
import { fromAnyValue, readEnum, readId, readNanos, SPAN_KINDS, toAnyValue } from '../src/otlp-json.js';

describe('OTLP/JSON values', () => {
  it('reads ids in hex (any case) and in the base64 of older exporters, and treats all-zero as absent', () => {
    expect(readId('5B8EFFF798038103D269B633813FC60C', 16, 'traceId')).toBe('5b8efff798038103d269b633813fc60c');
    expect(readId(Buffer.from('a000000000000001', 'hex').toString('base64'), 8, 'spanId')).toBe('a000000000000001');
    expect(readId('0000000000000000', 8, 'parentSpanId')).toBeUndefined();
    expect(readId('', 8, 'parentSpanId')).toBeUndefined();
    expect(() => readId('a0000000000001', 8, 'spans[0].spanId')).toThrow(/^spans\[0\]\.spanId: expected 16 hex digits/);
  });

  it('keeps 64-bit integers exact: a number when safe, else the decimal string', () => {
    expect(fromAnyValue({ intValue: '42' }, 'v')).toBe(42);
    expect(fromAnyValue({ intValue: '9223372036854775807' }, 'v')).toBe('9223372036854775807');
    expect(readNanos('1761141600000000123', 't')).toBe('1761141600000000123');
    expect(readNanos(1_000, 't')).toBe('1000');
    // The proto3 JSON mapping lets a sender write a 64-bit time as a number; past 2^53 it is rounded, yet a time.
    expect(readNanos(1764662401000000000, 't')).toBe('1764662401000000000');
    expect(() => readNanos(1.5, 't')).toThrow(/t: expected epoch nanoseconds/);
    expect(() => readNanos(-5, 'span.startTimeUnixNano')).toThrow(/span\.startTimeUnixNano: expected epoch nanoseconds/);
  });

  it('reads nested values and gives the same JSON back', () => {
    const value = { kvlistValue: { values: [{ key: 'list', value: { arrayValue: { values: [{ stringValue: 'a' }, { doubleValue: 1.5 }, { boolValue: false }] } } }] } };
    const json = fromAnyValue(value, 'v');
    expect(json).toEqual({ list: ['a', 1.5, false] });
    expect(fromAnyValue(toAnyValue(json), 'v')).toEqual(json);
    expect(fromAnyValue({}, 'v')).toBeNull();
  });

  it('takes enums as numbers or, from lenient senders, as names', () => {
    expect(readEnum(2, SPAN_KINDS, 'span_kind_', 'kind', 'unspecified')).toBe('server');
    expect(readEnum('SPAN_KIND_CONSUMER', SPAN_KINDS, 'span_kind_', 'kind', 'unspecified')).toBe('consumer');
    expect(readEnum(undefined, SPAN_KINDS, 'span_kind_', 'kind', 'unspecified')).toBe('unspecified');
    expect(() => readEnum(9, SPAN_KINDS, 'span_kind_', 'spans[1].kind', 'unspecified')).toThrow(/^spans\[1\]\.kind: expected one of 0 \(unspecified\)/);
  });
});
