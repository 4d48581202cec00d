import { TraceError } from '@tracekernel/schema';

/** How local (zone-less) times of a source are turned into UTC. */
export interface SourceZone {
  /** The offset from UTC at the start of the data, in minutes (EDT is -240). */
  offsetMinutes: number;
  /** The IANA zone given with --tz, or null for a fixed offset. */
  zone: string | null;
  /** `flag` when given with --tz, `inferred` when the data implied it, `assumed` (UTC) when nothing did. */
  from: 'inferred' | 'flag' | 'assumed';
}

const UTC_TEXT = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?$/;
const FIXED_OFFSET = /^(?:UTC|GMT)?([+-])(\d{1,2})(?::?(\d{2}))?$/i;

/**
 * Reads `YYYY-MM-DD HH:MM[:SS[.ffffff]]` (space or T) as if it were UTC: the wall-clock time as epoch
 * ms. Returns undefined for anything else, including an offset or a `Z`, which no space-os column writes.
 */
export function wallClockMs(text: string): number | undefined {
  const match = UTC_TEXT.exec(text.trim());
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s, fraction] = match;
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s ?? 0), fraction === undefined ? 0 : Math.floor(Number(`0.${fraction}`) * 1000));
  const back = new Date(ms);
  // Date.UTC rolls 2025-02-30 over to March: refuse dates that do not exist.
  if (back.getUTCDate() !== Number(d) || back.getUTCHours() !== Number(h)) return undefined;
  return ms;
}

/** The offset of an IANA zone at an instant, in minutes. */
export function zoneOffsetAt(zone: string, ms: number): number {
  const parts = zoneFormat(zone).formatToParts(new Date(ms));
  const field = (type: string) => Number(parts.find((part) => part.type === type)!.value);
  const asUtc = Date.UTC(field('year'), field('month') - 1, field('day'), field('hour') % 24, field('minute'), field('second'));
  return Math.round((asUtc - Math.floor(ms / 1000) * 1000) / 60_000);
}

const formats = new Map<string, Intl.DateTimeFormat>();
function zoneFormat(zone: string): Intl.DateTimeFormat {
  let format = formats.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    formats.set(zone, format);
  }
  return format;
}

/**
 * Reads `--tz`: an IANA zone (`America/New_York`, with its daylight-saving changes) or a fixed
 * offset (`-04:00`, `UTC+2`, `+0530`).
 */
export function parseZoneFlag(value: string, firstMs: number): SourceZone {
  const fixed = FIXED_OFFSET.exec(value.trim());
  if (fixed) {
    const minutes = Number(fixed[2]) * 60 + Number(fixed[3] ?? 0);
    if (minutes > 14 * 60) throw new TraceError('E_USAGE', `--tz: expected an offset within ±14:00, got "${value}"`);
    return { offsetMinutes: fixed[1] === '-' ? -minutes : minutes, zone: null, from: 'flag' };
  }
  try {
    zoneFormat(value);
  } catch {
    throw new TraceError('E_USAGE', `--tz: expected an IANA time zone such as America/New_York or an offset such as -04:00, got "${value}"`);
  }
  return { offsetMinutes: zoneOffsetAt(value, firstMs), zone: value, from: 'flag' };
}

/** Converts a local wall-clock time (as {@link wallClockMs} reads it) to UTC epoch ms. */
export function localToUtc(wallMs: number, zone: SourceZone): number {
  if (zone.zone === null) return wallMs - zone.offsetMinutes * 60_000;
  // The offset at the guessed instant, then again at the corrected one (it differs only across a change).
  const guess = wallMs - zoneOffsetAt(zone.zone, wallMs) * 60_000;
  return wallMs - zoneOffsetAt(zone.zone, guess) * 60_000;
}

/**
 * The offset implied by pairs of (local wall-clock ms, UTC ms) that one write produced: each pair
 * is rounded to a quarter hour (every real zone's offset is a multiple of 15 minutes), and the most
 * common answer wins. Returns undefined when there is no pair.
 */
export function inferOffset(pairs: ReadonlyArray<{ localWallMs: number; utcMs: number }>): number | undefined {
  const votes = new Map<number, number>();
  for (const { localWallMs, utcMs } of pairs) {
    const minutes = Math.round((localWallMs - utcMs) / (15 * 60_000)) * 15;
    if (Math.abs(minutes) > 14 * 60) continue;
    votes.set(minutes, (votes.get(minutes) ?? 0) + 1);
  }
  let best: number | undefined;
  let bestVotes = 0;
  for (const [minutes, count] of votes) if (count > bestVotes) [best, bestVotes] = [minutes, count];
  return best;
}

const UUID7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/** The milliseconds a uuid7 carries, or undefined when the text is not a uuid7. */
export function uuid7Ms(id: string): number | undefined {
  if (!UUID7.test(id)) return undefined;
  return parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}

/**
 * A column's time refined by its row's uuid7: a column of whole seconds takes the id's
 * milliseconds when they fall in that second (the id was made in the same write); a column with
 * its own fraction, or an id from another second, is kept as it is.
 */
export function refineWithId(columnMs: number, id: string | null | undefined): number {
  if (id == null || columnMs % 1000 !== 0) return columnMs;
  const idMs = uuid7Ms(id);
  if (idMs === undefined) return columnMs;
  return Math.floor(idMs / 1000) === Math.floor(columnMs / 1000) ? idMs : columnMs;
}
