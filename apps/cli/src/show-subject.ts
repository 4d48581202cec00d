import type { Subject } from '@tracekernel/projector';
import type { TraceStore } from '@tracekernel/store';

/** Something shaped like a uuid that is not a uuidv7 is a mistyped event id, not a name. */
export function looksLikeUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value.trim());
}

/**
 * What `trace <name>` shows: the one thing `name` names in the store (an event's causality, or the
 * timeline of a task, agent or channel), or null when it names nothing (the caller says what it
 * may have been). Throws E_INVALID_ID for something shaped like a uuid that is not a uuidv7 (a
 * mistyped event id, not a name), E_AMBIGUOUS_ID for a short id of several events, and
 * E_AMBIGUOUS for a name of several kinds of thing.
 */
export async function resolveShowSubject(store: TraceStore, name: string, includePrivate: boolean): Promise<Subject | null> {
  const { isEventId, parseEventId, TraceError } = await import('@tracekernel/schema');
  const projector = await import('@tracekernel/projector');
  if (looksLikeUuid(name)) {
    const eventId = parseEventId(name, 'id');
    if (isEventId(eventId)) return { kind: 'event', id: eventId };
  }
  const candidates = await projector.resolveSubject(store, name, { includePrivate });
  if (candidates.length === 0) return null;
  if (candidates.length > 1 && candidates.every((candidate) => candidate.kind === 'event')) {
    await projector.resolveEventId(store, name, 'id', { includePrivate: true }); // throws E_AMBIGUOUS_ID, listing them
  }
  if (candidates.length > 1) {
    const choices = candidates.map((candidate) =>
      candidate.kind === 'event'
        ? `an event (trace ${candidate.id})`
        : `${candidate.kind === 'agent' ? 'an' : 'a'} ${candidate.kind} (trace --${candidate.kind} ${candidate.id})`,
    );
    throw new TraceError('E_AMBIGUOUS', `"${name}" is ambiguous: it is ${choices.join(', ')}`);
  }
  return candidates[0]!;
}
