import { TraceError } from '@tracekernel/schema';
import type { TraceStore } from '@tracekernel/store';

export interface ResolveTimeOptions {
  /** The flag being parsed, e.g. `--since`; errors name it. */
  flag: string;
  /** The agent whose latest spawn.wake `last wake` means. */
  agent?: string | undefined;
  /** The reference for relative times, epoch ms; defaults to Date.now(). */
  now?: number | undefined;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const UNITS: Record<string, number> = {
  ms: 1, msec: 1, msecs: 1, millisecond: 1, milliseconds: 1,
  s: 1000, sec: 1000, secs: 1000, second: 1000, seconds: 1000,
  m: MINUTE, min: MINUTE, mins: MINUTE, minute: MINUTE, minutes: MINUTE,
  h: HOUR, hr: HOUR, hrs: HOUR, hour: HOUR, hours: HOUR,
  d: DAY, day: DAY, days: DAY,
  w: 7 * DAY, wk: 7 * DAY, wks: 7 * DAY, week: 7 * DAY, weeks: 7 * DAY,
};
const RELATIVE = /^(\d+(?:\.\d+)?)\s*([a-z]+)(?:\s+ago)?$/;
// Date, then optional time (T or space), then optional zone. A time without a zone is UTC, like
// the times timelines print, so a line copied from `trace` output means the same instant.
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[t ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?\s*(z|[+-]\d{2}(?::?\d{2})?)?)?$/;
const MAX_TS = 2 ** 48;

function parseIso(match: RegExpExecArray): number | undefined {
  const [, y, mo, d, h = '0', mi = '0', s = '0', fraction = '', zone = 'z'] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  const ms = Number(fraction.padEnd(3, '0').slice(0, 3));
  const local = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  // Date.UTC rolls 2025-02-30 over into March: reject dates that do not exist.
  if (new Date(local).getUTCDate() !== day) return undefined;
  if (zone === 'z') return local;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const offsetHours = Number(digits.slice(0, 2));
  const offsetMinutes = Number(digits.slice(2) || '0');
  if (offsetHours > 23 || offsetMinutes > 59) return undefined;
  return local - sign * (offsetHours * HOUR + offsetMinutes * MINUTE);
}

/** Parses a time spec that needs no store; undefined when it is not one of the store-free forms. */
export function parseTimeSpec(spec: string, now: number): number | undefined {
  const text = spec.trim().toLowerCase().replace(/\s+/g, ' ');
  if (text === 'now') return now;
  const relative = RELATIVE.exec(text);
  if (relative) {
    const unit = UNITS[relative[2]!];
    return unit === undefined ? undefined : Math.round(now - Number(relative[1]) * unit);
  }
  const iso = ISO.exec(text);
  return iso ? parseIso(iso) : undefined;
}

/**
 * Parses `--since`/`--until`: ISO times (`2025-10-22T14:00:00Z`, `2025-10-22 14:00:00`,
 * `2025-10-22`; no zone means UTC), relative times (`2h ago`, `30m`, `1d`, `90s`, `2 hours ago`, `1w`),
 * `now`, and `last wake` (the ts of `options.agent`'s latest spawn.wake, read from the store).
 *
 * @throws TraceError E_INVALID_TIME when the spec does not parse; E_USAGE for `last wake` without
 *   an agent; E_NOT_FOUND when the agent never woke; E_NO_STORE for `last wake` without a store.
 */
export async function resolveTime(store: TraceStore | null, spec: string, options: ResolveTimeOptions): Promise<number> {
  const { flag } = options;
  const now = options.now ?? Date.now();
  if (spec.trim().toLowerCase().replace(/\s+/g, ' ') === 'last wake') {
    if (!options.agent) throw new TraceError('E_USAGE', `${flag} "last wake" needs --agent`);
    if (store === null) throw new TraceError('E_NO_STORE', `${flag} "last wake" needs a trace store`);
    const [wake] = await store.query({ agent: options.agent, kinds: ['spawn.wake'], order: 'desc', limit: 1 });
    if (!wake) throw new TraceError('E_NOT_FOUND', `${flag} "last wake": ${options.agent} never woke (no spawn.wake events)`);
    return wake.ts;
  }
  const ts = parseTimeSpec(spec, now);
  if (ts === undefined || !Number.isFinite(ts) || ts < 0 || ts >= MAX_TS) {
    throw new TraceError(
      'E_INVALID_TIME',
      `${flag}: could not parse "${spec}"; expected an ISO time, a relative time like "2h ago", or "last wake"`,
    );
  }
  return ts;
}

const DURATION = /^(\d+(?:\.\d+)?)\s*([a-z]+)$/;

/**
 * A length of time such as `30d`, `12h`, `90 minutes` or `2w`, in milliseconds.
 *
 * @throws TraceError E_USAGE naming `field` when it is not a positive number and a unit.
 */
export function parseDuration(spec: string, field: string): number {
  const match = DURATION.exec(spec.trim().toLowerCase());
  const unit = match ? UNITS[match[2]!] : undefined;
  const ms = match && unit !== undefined ? Math.round(Number(match[1]) * unit) : NaN;
  if (!Number.isFinite(ms) || ms <= 0) {
    throw new TraceError('E_USAGE', `${field}: expected a duration such as 30d, 12h, 90m or 2w, got ${JSON.stringify(spec)}`);
  }
  return ms;
}
