import type { TraceStore } from '@tracekernel/store';
import { inferCausality } from './infer-causality.js';

export interface InferStoreReport {
  /** Events the rules looked at. */
  events: number;
  /** Edges the rules found, by rule. */
  byRule: Record<string, number>;
  /** Edges that were not stored before. */
  added: number;
}

/**
 * `trace infer`: runs the inference rules over every event in a store and stores the edges, for
 * events that any emitter wrote without a parent. Running it twice adds nothing.
 */
export async function inferStore(store: TraceStore, options: { dryRun?: boolean } = {}): Promise<InferStoreReport> {
  const events = await store.query({ order: 'asc' });
  const edges = inferCausality(events);
  const byRule: Record<string, number> = {};
  for (const edge of edges) byRule[edge.rule] = (byRule[edge.rule] ?? 0) + 1;
  let added = 0;
  if (options.dryRun) {
    const known = new Set((await store.inferredEdges([...new Set(edges.map((edge) => edge.event_id))], 'parents')).map((edge) => `${edge.event_id} ${edge.parent_id} ${edge.rule}`));
    added = edges.filter((edge) => !known.has(`${edge.event_id} ${edge.parent_id} ${edge.rule}`)).length;
  } else {
    added = await store.appendInferred(edges);
  }
  return { events: events.length, byRule, added };
}
