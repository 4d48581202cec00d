import type { EventCatalog, TraceEvent } from '@tracekernel/schema';
import type { TraceStore } from '@tracekernel/store';
import { checkQuery, matches, timeline, type TimelineQuery } from './timeline.js';

/**
 * A timeline's events in batches as the store finds them, for an answer sent on before the read
 * ends (the viewer's lean load of a 100,000-event task): a task's own events first, then what they
 * caused, as the store's walk hands it out. The same events as `timeline`, each once, in no set
 * order. With a limit, or without a task, it is one batch in the timeline's order: the latest N
 * need every event first, and a store query answers the rest in one piece anyway.
 *
 * @throws TraceError E_USAGE for a limit that is not a positive integer.
 */
export async function* timelineBatches(store: TraceStore, query: TimelineQuery, catalog?: EventCatalog): AsyncGenerator<TraceEvent[]> {
  checkQuery(query);
  if (query.task === undefined || query.limit !== undefined) {
    const whole = await timeline(store, query, catalog);
    if (whole.entries.length > 0) yield whole.entries.map((entry) => entry.event);
    return;
  }
  // As timeline does: private events are walked, so what they caused belongs to the task, then left out.
  const kept = (event: TraceEvent) => (query.includePrivate === true || event.private !== true) && matches(event, query);
  const targets = [query.task, ...(await store.descendantTargets([query.task]))];
  const own = await store.query({ targets, includePrivate: true });
  const ownIds = new Set(own.map((event) => event.id));
  const first = own.filter(kept);
  if (first.length > 0) yield first;
  if (own.length === 0) return;
  for await (const batch of store.descendantBatches([...ownIds], { includePrivate: true })) {
    const caused = batch.filter((event) => !ownIds.has(event.id) && kept(event));
    if (caused.length > 0) yield caused;
  }
}
