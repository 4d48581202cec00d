import type { TraceEvent } from '@tracekernel/schema';

/**
 * Orders events by (ts, id), the order used everywhere. uuidv7 ids only sort within one
 * process, so time comes first and the id breaks ties.
 */
export function compareEvents(a: TraceEvent, b: TraceEvent): number {
  if (a.ts !== b.ts) return a.ts - b.ts;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** The events without duplicate ids, ordered by (ts, id); the input is not changed. */
export function uniqueSortedEvents(events: Iterable<TraceEvent>): TraceEvent[] {
  const byId = new Map<string, TraceEvent>();
  for (const event of events) if (!byId.has(event.id)) byId.set(event.id, event);
  return [...byId.values()].sort(compareEvents);
}
