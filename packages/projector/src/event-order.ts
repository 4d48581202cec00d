import type { TraceEvent } from '@tracekernel/schema';

/**
 * Orders events by (ts, id), the order used everywhere. uuidv7 ids only sort within one
 * process, so time comes first and the id breaks ties.
 */
export function compareEvents(a: TraceEvent, b: TraceEvent): number {
  if (a.ts !== b.ts) return a.ts - b.ts;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * The events without duplicate ids, ordered by (ts, id); the input is not changed. An id names one
 * event, so its copies sort next to each other and the first of them is kept (the sort is stable):
 * no map of 100k ids, and inputs that are sorted runs already (a store read, or two concatenated)
 * sort in linear time.
 */
export function uniqueSortedEvents(events: Iterable<TraceEvent>): TraceEvent[] {
  const sorted = Array.from(events).sort(compareEvents);
  let kept = 0;
  for (let i = 0; i < sorted.length; i++) {
    const event = sorted[i]!;
    if (kept > 0 && sorted[kept - 1]!.id === event.id) continue;
    sorted[kept++] = event;
  }
  sorted.length = kept;
  return sorted;
}
