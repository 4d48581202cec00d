import { MAX_TS, TraceError, parseTime } from '@tracekernel/schema';
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
const RELATIVE_FORMS = 'a relative time ("2h ago", "30m", "1d", "2 hours ago"), "now" or "last wake"';

/** `now` and relative times, which need no store; undefined for anything else. */
function parseRelative(text: string, now: number): number | undefined {
  if (text === 'now') return now;
  const relative = RELATIVE.exec(text);
  if (!relative) return undefined;
  const unit = UNITS[relative[2]!];
  return unit === undefined ? undefined : Math.round(now - Number(relative[1]) * unit);
}

/**
 * Parses `--since`/`--until`: every absolute form of `parseTime` from @tracekernel/schema, the one
 * parser of event times (ISO-8601 with or without an offset, no offset meaning UTC whatever `TZ`
 * says; epoch milliseconds), relative times (`2h ago`, `30m`, `1d`, `90s`, `2 hours ago`, `1w`),
 * `now`, and `last wake` (the ts of `options.agent`'s latest spawn.wake, read from the store).
 *
 * @throws TraceError E_INVALID_TIME when the spec does not parse; E_USAGE for `last wake` without
 *   an agent; E_NOT_FOUND when the agent never woke; E_NO_STORE for `last wake` without a store.
 */
export async function resolveTime(store: TraceStore | null, spec: string, options: ResolveTimeOptions): Promise<number> {
  const { flag } = options;
  const now = options.now ?? Date.now();
  const text = spec.trim().toLowerCase().replace(/\s+/g, ' ');
  if (text === 'last wake') {
    if (!options.agent) throw new TraceError('E_USAGE', `${flag} "last wake" needs --agent`);
    if (store === null) throw new TraceError('E_NO_STORE', `${flag} "last wake" needs a trace store`);
    const [wake] = await store.query({ agent: options.agent, kinds: ['spawn.wake'], order: 'desc', limit: 1 });
    if (!wake) throw new TraceError('E_NOT_FOUND', `${flag} "last wake": ${options.agent} never woke (no spawn.wake events)`);
    return wake.ts;
  }
  const relative = parseRelative(text, now);
  if (relative === undefined) return parseTime(spec, flag, { otherForms: RELATIVE_FORMS });
  if (!(relative >= 0 && relative <= MAX_TS)) {
    throw new TraceError('E_INVALID_TIME', `${flag}: "${spec}" is out of range; event times start at 1970-01-01T00:00:00Z`);
  }
  return relative;
}
