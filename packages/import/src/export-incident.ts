import { existsSync } from 'node:fs';
import { TraceError, type TraceEvent } from '@tracekernel/schema';
import { isPostgresLocation, openStoreAt, type TraceStore } from '@tracekernel/store';

export interface IncidentReport {
  path: string;
  task: string;
  events: number;
  inferred: number;
  /** Causes named by exported events that the source store does not hold either: still missing. */
  missing: string[];
}

/**
 * `trace export sqlite --task T -o FILE`: a standalone SQLite store with one task's closure: the
 * task and its subtasks' events, everything they caused, and the chain of declared causes above
 * each (parents and `causes`). A cause the source store lacks stays named, so the new store shows
 * it missing just as the source does. Inferred edges between exported events come along.
 */
export async function exportIncident(store: TraceStore, task: string, path: string): Promise<IncidentReport> {
  if (isPostgresLocation(path)) throw new TraceError('E_USAGE', '-o: expected a file path for the SQLite incident store, got a PostgreSQL URL');
  if (existsSync(path)) throw new TraceError('E_USAGE', `-o: ${path} already exists; give a new file for the incident store`);
  const targets = [task, ...(await store.descendantTargets([task]))];
  const own = await store.query({ targets, includePrivate: true });
  if (own.length === 0) throw new TraceError('E_NOT_FOUND', `--task: no events of task "${task}" in ${store.location}`);
  const closure = new Map<string, TraceEvent>();
  const put = (events: readonly TraceEvent[]) => events.forEach((event) => closure.set(event.id, event));
  put(own);
  put(await store.descendants(own.map((event) => event.id), { includePrivate: true }));
  // Causes above: parent chains, and the events named in `causes` (with their own chains).
  const missing = new Set<string>();
  for (let frontier = [...closure.values()]; frontier.length > 0; ) {
    const next: TraceEvent[] = [];
    for (const event of frontier) {
      if (event.parent_event_id !== null && !closure.has(event.parent_event_id)) {
        const { chain, missingParentId } = await store.ancestors(event.id, { includePrivate: true });
        for (const above of chain) if (!closure.has(above.id)) next.push(above);
        if (missingParentId !== null) missing.add(missingParentId);
      }
      const causes = event.causes.filter((cause) => !closure.has(cause));
      if (causes.length > 0) {
        const found = await store.get(causes, { includePrivate: true });
        for (const cause of causes) if (!found.some((item) => item.id === cause)) missing.add(cause);
        next.push(...found);
      }
    }
    put(next);
    frontier = next;
  }
  const events = [...closure.values()].sort((a, b) => a.ts - b.ts || (a.id < b.id ? -1 : 1));
  const edges = (await store.inferredEdges(events.map((event) => event.id), 'parents')).filter((edge) => closure.has(edge.parent_id));
  const incident = await openStoreAt(path, { mode: 'write' });
  try {
    await incident.append(events.map((event) => ({ event, metadataJson: JSON.stringify(event.metadata) })));
    const inferred = await incident.appendInferred(edges);
    return { path, task, events: events.length, inferred, missing: [...missing].sort() };
  } finally {
    await incident.close();
  }
}
