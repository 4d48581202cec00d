import {
  MAX_SHORT_ID_LENGTH,
  MIN_SHORT_ID_LENGTH,
  TraceError,
  isEventId,
  isShortEventId,
  shortEventId,
  type TraceEvent,
} from '@tracekernel/schema';
import type { TraceStore } from '@tracekernel/store';

/** How many candidates an ambiguous short id lists. */
const SHOWN_CANDIDATES = 10;

export interface ResolveEventIdOptions {
  /** Private events are matched too (their ids appear in the trees around them). */
  includePrivate?: boolean;
  /** Only events of these kinds qualify, e.g. `run.start` for `trace runs show`. */
  accept?: (event: TraceEvent) => boolean;
}

/**
 * An event id given by a user, in full or as a short id (the start of its last group, as `trace`
 * prints it). A full uuidv7 is returned as given, stored or not, so that a cause may be recorded
 * before the event it names; a short id must name exactly one stored event.
 *
 * @param field what the value was given as (`--parent`, `id`); errors name it.
 * @throws TraceError E_INVALID_ID when the value is neither; E_NOT_FOUND when no event has that
 *   short id; E_AMBIGUOUS_ID, listing the candidates, when several do.
 */
export async function resolveEventId(store: TraceStore, value: string, field: string, options: ResolveEventIdOptions = {}): Promise<string> {
  const text = value.trim().toLowerCase();
  if (isEventId(text)) return text;
  if (!isShortEventId(text)) {
    throw new TraceError(
      'E_INVALID_ID',
      `${field}: expected a uuidv7 event id or a short id (${MIN_SHORT_ID_LENGTH} to ${MAX_SHORT_ID_LENGTH} hex digits, as trace prints them), got "${value}"`,
    );
  }
  const matches = await matchingEvents(store, text, options);
  if (matches.length === 0) throw new TraceError('E_NOT_FOUND', `${field}: no event has the short id ${text}`);
  if (matches.length > 1) throw ambiguousShortId(field, text, matches);
  return matches[0]!.id;
}

/** The stored events whose short id starts with `digits` (and that `accept` takes), oldest first. */
export async function matchingEvents(store: TraceStore, digits: string, options: ResolveEventIdOptions = {}): Promise<TraceEvent[]> {
  const accept = options.accept;
  // Without a filter, one past what is shown says whether the list was cut.
  const ids = await store.matchShortId(digits, { limit: accept ? 1000 : SHOWN_CANDIDATES + 1, includePrivate: options.includePrivate === true });
  const events = await store.get(ids, { includePrivate: options.includePrivate === true });
  return accept ? events.filter(accept) : events;
}

/** E_AMBIGUOUS_ID: each candidate with the longest short id, its time and kind, so that it can be pasted back. */
export function ambiguousShortId(field: string, digits: string, matches: readonly TraceEvent[]): TraceError {
  const shown = matches.slice(0, SHOWN_CANDIDATES).map((event) => {
    const when = new Date(event.ts).toISOString().slice(0, 19).replace('T', ' ');
    const who = event.agent_id === null ? '' : ` by ${event.agent_id}`;
    return `${shortEventId(event.id, MAX_SHORT_ID_LENGTH)} (${when}Z ${event.primitive}.${event.type}${who})`;
  });
  const more = matches.length > SHOWN_CANDIDATES ? `, and more` : '';
  return new TraceError('E_AMBIGUOUS_ID', `${field}: the short id ${digits} names ${matches.length > SHOWN_CANDIDATES ? 'more than ' + SHOWN_CANDIDATES : matches.length} events; give more digits: ${shown.join(', ')}${more}`);
}
