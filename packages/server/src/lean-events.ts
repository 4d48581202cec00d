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
/** What a slow client may leave unsent before the walk waits for it: about 200,000 lean events. */
const MAX_BUFFERED_BYTES = 32 * 1024 * 1024;

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
 * `columns`), then lines of up to 2,000 event tuples in no set order, written as the batches
 * arrive, then `{"end": true, "events": N}`, so that a cut answer is told from a whole one. Lines
 * are written as they are made, never the whole answer as one string. A read that fails
 * after the header is sent ends the connection without the end line.
 */
export async function sendLeanEvents(response: ServerResponse, query: TimelineJson['query'], batches: AsyncIterable<readonly TraceEvent[]>, cursor: StoreCursor | null): Promise<void> {
  const iterator = batches[Symbol.asyncIterator]();
  // The first batch is read before the status is sent: a read that fails at once is still a 4xx or 5xx.
  let next = await iterator.next();
  response.writeHead(200, { 'content-type': 'application/x-ndjson; charset=utf-8', 'cache-control': 'no-store' });
  response.write(`${JSON.stringify({ query, cursor, columns: LEAN_COLUMNS })}\n`);
  let sent = 0;
  try {
    for (; !next.done; next = await iterator.next()) {
      const events = next.value;
      for (let from = 0; from < events.length; from += EVENTS_PER_LINE) {
        if (response.destroyed) return;
        const line = `${JSON.stringify(events.slice(from, from + EVENTS_PER_LINE).map(leanTuple))}\n`;
        response.write(line);
        // Waiting for the client at every full socket buffer would stall the walk while the client
        // parses; the walk keeps going, and only a client far behind makes it wait.
        if (response.writableLength > MAX_BUFFERED_BYTES) await drained(response);
      }
      sent += events.length;
      // The store's walk is synchronous: without a turn of the event loop, node keeps the lines
      // corked until the walk ends, and the client would parse nothing meanwhile.
      await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    // A client that went away stops the walk too.
    if (!next.done) await iterator.return?.();
  }
  response.end(`${JSON.stringify({ end: true, events: sent })}\n`);
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
