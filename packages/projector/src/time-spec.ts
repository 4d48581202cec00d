import { EventCatalog, MAX_TS, TraceError, isEventId, isShortEventId, parseTime, type TraceEvent } from '@tracekernel/schema';
import type { TraceStore } from '@tracekernel/store';
import { resolveEventId } from './event-ref.js';

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
const RELATIVE = /^(\d+(?:\.\d+)?|an?)\s*([a-z]+)(?:\s+ago)?$/;
const RELATIVE_FORMS =
  'a relative time ("2h ago", "30m", "1d", "2 hours ago", "an hour ago"), "now", "today", "yesterday", ' +
  '"last wake" or "when <task|agent|event-id> <type>"';

/** `now`, `today`, `yesterday` (UTC midnights, as times without an offset are UTC) and relative times; undefined for anything else. */
function parseRelative(text: string, now: number): number | undefined {
  if (text === 'now') return now;
  if (text === 'today') return now - (now % DAY);
  if (text === 'yesterday') return now - (now % DAY) - DAY;
  const relative = RELATIVE.exec(text);
  if (!relative) return undefined;
  const unit = UNITS[relative[2]!];
  const count = relative[1] === 'a' || relative[1] === 'an' ? 1 : Number(relative[1]);
  return unit === undefined ? undefined : Math.round(now - count * unit);
}

/** How people name an event's type in `when X <type>`: the timeline's verb, or the type itself. */
const TYPE_WORDS: Record<string, string> = {
  created: 'create_task', claimed: 'claim_task', completed: 'complete_task', blocked: 'block_task', reduced: 'reduce_task',
  woke: 'wake', slept: 'sleep', spawned: 'spawn', posted: 'send', sent: 'send', read: 'recv', noted: 'note',
};
const WHEN = /^when\s+(\S+)(?:\s+(\S+))?$/i;

/**
 * `when <task|agent|event-id> <type>`: the time of another event. An event id (or short id) is that
 * event; a task, channel or agent is its earliest event of the type (`created`, `claimed`, `woke`,
 * or a type such as `create_task`), as a target first, else as the agent.
 */
async function whenTime(store: TraceStore | null, spec: string, subject: string, typeWord: string | undefined, flag: string): Promise<number> {
  if (store === null) throw new TraceError('E_NO_STORE', `${flag} "${spec}" needs a trace store`);
  const lower = subject.toLowerCase();
  if (isEventId(lower) || (isShortEventId(lower) && typeWord === undefined)) {
    const id = await resolveEventId(store, lower, flag);
    const [event] = await store.get([id]);
    if (!event) throw new TraceError('E_NOT_FOUND', `${flag} "${spec}": no event ${id} in the store`);
    return event.ts;
  }
  if (typeWord === undefined) throw new TraceError('E_USAGE', `${flag} "${spec}": name the event, e.g. "when ${subject} created" or "when <event-id>"`);
  const type = TYPE_WORDS[typeWord] ?? typeWord;
  const catalog = new EventCatalog();
  const kinds = catalog.primitives().filter((primitive) => {
    try {
      catalog.definition(primitive, type);
      return true;
    } catch {
      return false;
    }
  }).map((primitive) => `${primitive}.${type}`);
  if (kinds.length === 0) {
    throw new TraceError('E_UNKNOWN_KIND', `${flag} "${spec}": unknown type "${typeWord}"; expected a verb (${Object.keys(TYPE_WORDS).join(', ')}) or an event type`);
  }
  const first = async (query: { targets: string[] } | { agent: string }): Promise<TraceEvent | undefined> =>
    (await store.query({ ...query, kinds, limit: 1 }))[0];
  const event = (await first({ targets: [subject.replace(/^#/, '')] })) ?? (await first({ agent: subject }));
  if (!event) throw new TraceError('E_NOT_FOUND', `${flag} "${spec}": no ${kinds.join(' or ')} event of ${subject}`);
  return event.ts;
}

/**
 * Parses `--since`/`--until`: every absolute form of `parseTime` from @tracekernel/schema, the one
 * parser of event times (ISO-8601 with or without an offset, no offset meaning UTC whatever `TZ`
 * says; epoch milliseconds), relative times (`2h ago`, `30m`, `1d`, `90s`, `2 hours ago`, `1w`,
 * `an hour ago`), `now`, `today` and `yesterday` (UTC midnight), `last wake` (the ts of
 * `options.agent`'s latest spawn.wake, read from the store) and `when <task|agent|event-id> <type>`
 * (the ts of that event, e.g. `when task-sub1 created`).
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
  const when = WHEN.exec(spec.trim().replace(/\s+/g, ' '));
  if (when) return whenTime(store, spec, when[1]!, when[2]?.toLowerCase(), flag);
  const relative = parseRelative(text, now);
  if (relative === undefined) return parseTime(spec, flag, { otherForms: RELATIVE_FORMS });
  if (!(relative >= 0 && relative <= MAX_TS)) {
    throw new TraceError('E_INVALID_TIME', `${flag}: "${spec}" is out of range; event times start at 1970-01-01T00:00:00Z`);
  }
  return relative;
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
