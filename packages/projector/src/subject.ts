import { isEventId, isShortEventId } from '@tracekernel/schema';
import { matchingEvents } from './event-ref.js';
import type { TraceStore } from '@tracekernel/store';

/** Something `trace <name>` can show: an event's causality, or a task's, agent's or channel's timeline. */
export type Subject = { kind: 'event' | 'task' | 'agent' | 'channel'; id: string };

/**
 * Candidates for `trace <name>`; [] when nothing matches; several when ambiguous.
 *
 * A uuidv7 of a stored event is that event. Otherwise the name (without a leading `#`) is a task
 * when ops events target it, a channel when bridge events target it, an agent when it acted as
 * one, and, when it is 4 to 12 hex digits, each event whose short id starts with it, in that
 * order. A leading `#` asks for a channel only.
 */
export async function resolveSubject(store: TraceStore, name: string, options: { includePrivate?: boolean } = {}): Promise<Subject[]> {
  const trimmed = name.trim();
  const lower = trimmed.toLowerCase();
  // Any stored event id, private or not: trees show private events' ids, and their own tree shows a placeholder.
  if (isEventId(lower) && (await store.get([lower], { includePrivate: true })).length > 0) return [{ kind: 'event', id: lower }];
  const channelOnly = trimmed.startsWith('#');
  const bare = channelOnly ? trimmed.slice(1) : trimmed;
  if (bare === '') return [];
  const usage = await store.nameUsage(bare, options.includePrivate === true ? { includePrivate: true } : {});
  const subjects: Subject[] = [];
  if (!channelOnly && usage.asTargetOf.includes('ops')) subjects.push({ kind: 'task', id: bare });
  if (usage.asTargetOf.includes('bridge')) subjects.push({ kind: 'channel', id: bare });
  if (!channelOnly && usage.asAgent) subjects.push({ kind: 'agent', id: bare });
  if (!channelOnly && isShortEventId(bare)) {
    for (const event of await matchingEvents(store, bare.toLowerCase(), { includePrivate: true })) subjects.push({ kind: 'event', id: event.id });
  }
  return subjects;
}
