import type { ServerResponse } from 'node:http';
import type { TimelineJson } from '@tracekernel/projector';
import type { TraceEvent } from '@tracekernel/schema';
import type { StoreCursor } from '@tracekernel/store';

/**
 * What each tuple of `GET /v1/events?view=lean` holds, in order: what a waterfall, a graph's
 * edges and a list line need, without the rest of the metadata. `ts` is epoch milliseconds
 * (formatting 100,000 ISO strings costs the server more than sending them saves anyone).
 */
export const LEAN_COLUMNS = ['id', 'ts', 'primitive', 'type', 'agent_id', 'target_id', 'parent_event_id', 'causes', 'private', 'metadata'] as const;

/** The metadata keys a lean tuple keeps: a task's title and parent task, a run event's span. */
export const LEAN_METADATA_KEYS = ['title', 'parent_task_id', 'span_id'] as const;

/** Events a line holds: the client parses a line while the server writes the next. */
const EVENTS_PER_LINE = 2_000;

type LeanTuple = [string, number, string, string, string | null, string | null, string | null, string[], 0 | 1, Record<string, unknown> | null];

function leanTuple(event: TraceEvent): LeanTuple {
  let metadata: Record<string, unknown> | null = null;
  for (const key of LEAN_METADATA_KEYS) {
    const value = event.metadata[key];
    if (value !== undefined) (metadata ??= {})[key] = value;
  }
  return [event.id, event.ts, event.primitive, event.type, event.agent_id, event.target_id, event.parent_event_id, event.causes, event.private === true ? 1 : 0, metadata];
}

/**
 * Sends a timeline as NDJSON: a header line (`query` as the default answer has it, the store's
 * `cursor` from before the read, which `GET /v1/stream?last_event_id=` resumes after, and the
 * `columns`), then lines of up to 2,000 event tuples, then `{"end": true, "events": N}`, so that a
 * cut answer is told from a whole one. Lines are written as the client takes them, never the whole
 * answer as one string.
 */
export async function sendLeanEvents(response: ServerResponse, query: TimelineJson['query'], events: readonly TraceEvent[], cursor: StoreCursor | null): Promise<void> {
  response.writeHead(200, { 'content-type': 'application/x-ndjson; charset=utf-8', 'cache-control': 'no-store' });
  response.write(`${JSON.stringify({ query, cursor, columns: LEAN_COLUMNS })}\n`);
  for (let from = 0; from < events.length; from += EVENTS_PER_LINE) {
    if (response.destroyed) return;
    const line = `${JSON.stringify(events.slice(from, from + EVENTS_PER_LINE).map(leanTuple))}\n`;
    if (!response.write(line)) await drained(response);
  }
  response.end(`${JSON.stringify({ end: true, events: events.length })}\n`);
}

function drained(response: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      response.off('drain', done);
      response.off('close', done);
      resolve();
    };
    response.on('drain', done);
    response.on('close', done);
  });
}
