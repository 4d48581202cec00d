import { afterEach, describe, expect, it } from 'vitest';
import { MAX_TS, TIME_FORMS, TraceError, parseTime } from '@tracekernel/schema';

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

describe('parseTime', () => {
  const savedTz = process.env.TZ;
  afterEach(() => {
    if (savedTz === undefined) delete process.env.TZ;
    else process.env.TZ = savedTz;
  });

  it('reads ISO-8601 with an explicit offset: Z, +HH:MM, -HHMM, +HH', () => {
    expect(parseTime('2025-10-22T14:00:00Z', 'ts')).toBe(T0);
    expect(parseTime('2025-10-22t14:00:00z', 'ts')).toBe(T0);
    expect(parseTime('2025-10-22T16:00:00+02:00', 'ts')).toBe(T0);
    expect(parseTime('2025-10-22T09:00:00-0500', 'ts')).toBe(T0);
    expect(parseTime('2025-10-22 16:00+02', 'ts')).toBe(T0);
    expect(parseTime('2025-10-22 16:00 +02:00', 'ts')).toBe(T0);
    expect(parseTime('2025-10-22T09:30-04:30', 'ts')).toBe(T0);
  });

  it('reads fractional seconds, to the millisecond', () => {
    expect(parseTime('2025-10-22T14:00:00.5Z', 'ts')).toBe(T0 + 500);
    expect(parseTime('2025-10-22T14:00:00.250Z', 'ts')).toBe(T0 + 250);
    expect(parseTime('2025-10-22T14:00:00.123456789Z', 'ts')).toBe(T0 + 123);
    expect(parseTime('2025-10-22T14:00:00,250Z', 'ts')).toBe(T0 + 250);
  });

  it('reads epoch milliseconds as a number, a string of digits, and a Date', () => {
    expect(parseTime(T0, 'ts')).toBe(T0);
    expect(parseTime(String(T0), 'ts')).toBe(T0);
    expect(parseTime(` ${T0}\n`, 'ts')).toBe(T0);
    expect(parseTime(0, 'ts')).toBe(0);
    expect(parseTime(MAX_TS, 'ts')).toBe(MAX_TS);
    expect(parseTime(new Date(T0), 'ts')).toBe(T0);
  });

  it('reads a time without an offset as UTC, whatever TZ says', () => {
    for (const tz of ['America/New_York', 'Asia/Kolkata', 'Pacific/Chatham', 'UTC']) {
      process.env.TZ = tz;
      expect(parseTime('2025-10-22 14:00', 'ts')).toBe(T0);
      expect(parseTime('2025-10-22T14:00:00', 'ts')).toBe(T0);
      expect(parseTime('2025-10-22', 'ts')).toBe(Date.UTC(2025, 9, 22));
    }
  });

  it.each([
    '2025-10-22 junk',
    '2025-10-22T14:00:00Z junk',
    '2025-02-30T00:00:00Z',
    '2025-02-29',
    '2024-02-30',
    '2025-04-31T12:00:00Z',
    '2025-13-01',
    '2025-00-10',
    '2025-10-00',
    '2025-10-22T24:00:00Z',
    '2025-10-22T23:60:00Z',
    '2025-10-22T23:59:60Z',
    '2025-10-22T14:00:00+24:00',
    '2025-10-22T14:00:00+02:60',
    '2025-10-22T14',
    '2025-10-22T14:00:00.Z',
    '2025-10-22T14:00:00.1234567890Z',
    '2025-10-22  14:00',
    '25-10-22',
    '0075-01-01',
    'Oct 22 2025',
    'Wed, 22 Oct 2025 14:00:00 GMT',
    'yesterday',
    '',
    '1.5',
    '-1',
    '+1761141600000',
    '0x10',
    '1e12',
  ])('rejects %j with E_INVALID_TIME naming the field and the accepted forms', (value) => {
    const error = errorOf(() => parseTime(value, '--ts'));
    expect(error.code).toBe('E_INVALID_TIME');
    expect(error.message).toBe(`--ts: could not parse ${JSON.stringify(value)}; expected ${TIME_FORMS}`);
  });

  it('rejects numbers that are not epoch milliseconds, and other types', () => {
    expect(errorOf(() => parseTime(1.5, 'ts')).message).toBe(`ts: could not parse 1.5; expected ${TIME_FORMS}`);
    expect(errorOf(() => parseTime(Number.NaN, 'ts')).code).toBe('E_INVALID_TIME');
    expect(errorOf(() => parseTime(new Date('nope'), 'ts')).message).toBe(`ts: could not parse an invalid Date; expected ${TIME_FORMS}`);
    expect(errorOf(() => parseTime(true, 'ts')).message).toBe(`ts: could not parse a value of type boolean; expected ${TIME_FORMS}`);
    expect(errorOf(() => parseTime(null, 'ts')).message).toBe(`ts: could not parse null; expected ${TIME_FORMS}`);
  });

  it('rejects times outside [1970, 2^48 ms) with a range error', () => {
    for (const value of [-1, MAX_TS + 1, '1969-12-31T23:59:59Z', '1970-01-01T00:00:00+00:01', String(MAX_TS + 1)]) {
      const error = errorOf(() => parseTime(value, 'ts'));
      expect(error.code).toBe('E_INVALID_TIME');
      expect(error.message).toMatch(/^ts: .* is out of range; event times run from 1970-01-01T00:00:00Z/);
    }
  });

  it('names the other forms a caller accepted before asking', () => {
    expect(errorOf(() => parseTime('soon', '--since', { otherForms: '"now"' })).message).toBe(`--since: could not parse "soon"; expected ${TIME_FORMS}, or "now"`);
  });
});
