import { TraceError } from './trace-error.js';

/** Event times are epoch milliseconds in [0, 2^48): the 48-bit time field of a uuidv7. */
export const MAX_TS = 2 ** 48 - 1;

/** The accepted forms, as error messages and docs name them. */
export const TIME_FORMS =
  'an ISO-8601 time (2025-10-22T14:00:00Z, 2025-10-22 14:00:00.250+02:00, 2025-10-22 14:00, 2025-10-22; ' +
  'no offset means UTC) or epoch milliseconds';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
// Date, then an optional time (T or one space), then an optional offset (Z, +02:00, -0500, +02).
// Anchored at both ends: nothing may follow, so `2025-10-22 junk` is not a date.
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)? ?([Zz]|[+-]\d{2}(?::?\d{2})?)?)?$/;
const EPOCH_MS = /^\d{1,15}$/;

function isoToEpoch(match: RegExpExecArray): number | undefined {
  const [, y, mo, d, h = '0', mi = '0', s = '0', fraction = '', zone = 'Z'] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  // No hour 24 and no leap second 60: an event time names one instant, written one way.
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return undefined;
  const ms = Number(fraction.padEnd(3, '0').slice(0, 3));
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  // Date.UTC rolls 2025-02-30 over into March, and reads years 0-99 as 1900-1999: reject both.
  const check = new Date(utc);
  if (check.getUTCDate() !== day || check.getUTCFullYear() !== year) return undefined;
  if (zone === 'Z' || zone === 'z') return utc;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const offsetHours = Number(digits.slice(0, 2));
  const offsetMinutes = Number(digits.slice(2) || '0');
  if (offsetHours > 23 || offsetMinutes > 59) return undefined;
  return utc - sign * (offsetHours * HOUR + offsetMinutes * MINUTE);
}

function invalid(field: string, value: unknown, otherForms: string | undefined): TraceError {
  const shown =
    typeof value === 'string' ? JSON.stringify(value)
    : typeof value === 'number' ? String(value)
    : value instanceof Date ? 'an invalid Date'
    : value === null ? 'null'
    : `a value of type ${typeof value}`;
  const expected = otherForms === undefined ? TIME_FORMS : `${TIME_FORMS}, or ${otherForms}`;
  return new TraceError('E_INVALID_TIME', `${field}: could not parse ${shown}; expected ${expected}`);
}

export interface ParseTimeOptions {
  /** Further forms the caller accepted before calling, for the error message (e.g. `"2h ago"`). */
  otherForms?: string;
}

/**
 * Reads an event time, the same way for `trace emit --ts`, `--since`/`--until`, the SDK's `ts`
 * and ingest over HTTP. Accepts:
 * - epoch milliseconds, as an integer number or a string of digits;
 * - an ISO-8601 time: `2025-10-22T14:00:00Z`, `2025-10-22 14:00:00.250+02:00`, `2025-10-22T09:30-0500`,
 *   `2025-10-22 14:00`, `2025-10-22`. Seconds and fractions of a second are optional (digits past
 *   milliseconds are dropped). **A time without an offset is UTC**, whatever `TZ` says, like the
 *   times `trace` prints, so a line copied from its output means the same instant everywhere;
 * - a `Date`.
 *
 * It rejects what is not a real time (`2025-02-30`, hour 24, trailing text) and times outside
 * [1970-01-01, 2^48 ms).
 *
 * @param field what the value was given as, e.g. `--ts` or `ts`; errors name it.
 * @throws TraceError E_INVALID_TIME naming `field` and the accepted forms.
 */
export function parseTime(value: unknown, field: string, options: ParseTimeOptions = {}): number {
  let ms: number | undefined;
  if (typeof value === 'number') {
    ms = value;
  } else if (value instanceof Date) {
    ms = value.getTime();
  } else if (typeof value === 'string') {
    const text = value.trim();
    if (EPOCH_MS.test(text)) ms = Number(text);
    else {
      const iso = ISO.exec(text);
      if (iso) ms = isoToEpoch(iso);
    }
  }
  if (ms === undefined || !Number.isSafeInteger(ms)) throw invalid(field, value, options.otherForms);
  if (ms < 0 || ms > MAX_TS) {
    throw new TraceError(
      'E_INVALID_TIME',
      `${field}: ${typeof value === 'string' ? JSON.stringify(value) : String(ms)} is out of range; ` +
        `event times run from 1970-01-01T00:00:00Z (epoch ms 0) to epoch ms ${MAX_TS}`,
    );
  }
  return ms;
}
