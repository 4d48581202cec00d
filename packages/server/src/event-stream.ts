import type { IncomingMessage, ServerResponse } from 'node:http';
import { followTimeline, timeline, type TimelineQuery } from '@tracekernel/projector';
import { toJsonEvent, TraceError, type EventCatalog } from '@tracekernel/schema';
import type { StoreCursor, TraceStore } from '@tracekernel/store';

export interface EventStreamOptions {
  pollMs?: number;
  /** How often a comment line keeps idle connections (and proxies) open. */
  heartbeatMs?: number;
  /** Where the client's cursor came from (`Last-Event-ID` or `last_event_id`), so a bad one is named as the client sent it. */
  cursorSource?: string;
}

/**
 * `GET /v1/stream`: the matching events as they are committed, as Server-Sent Events. Each `event`
 * message is one event in the `--json` shape, and its `id` the store's cursor just past it, which a
 * reconnecting EventSource sends back as `Last-Event-ID` to resume right after it: each event
 * arrives once across reconnects. The backlog's messages carry no id but its last (the head), so a
 * stream cut inside its backlog starts afresh and sends the backlog again.
 */
export async function streamEvents(
  store: TraceStore,
  query: TimelineQuery,
  after: StoreCursor | undefined,
  request: IncomingMessage,
  response: ServerResponse,
  catalog: EventCatalog,
  options: EventStreamOptions = {},
): Promise<void> {
  // A cursor from the client is checked before the answer starts, so a bad one is a 400, not a broken stream.
  const head = await store.changes({ targets: [] }, { after: after ?? null, limit: 1 }).then(
    (page) => page.cursor,
    (error: unknown) => {
      if (error instanceof TraceError && options.cursorSource !== undefined && error.message.startsWith('cursor: ')) {
        throw new TraceError(error.code, `${options.cursorSource}: ${error.message.slice('cursor: '.length)}`);
      }
      throw error;
    },
  );
  const abort = new AbortController();
  const stop = () => abort.abort();
  request.on('close', stop);
  response.on('close', stop);
  const follow = await followTimeline(store, query, {
    after: after ?? head,
    signal: abort.signal,
    catalog,
    ...(options.pollMs === undefined ? {} : { pollMs: options.pollMs }),
  });
  // followTimeline skips the backlog when it resumes; a fresh stream with since or limit sends it first.
  const backlog = after === undefined && (query.since !== undefined || query.limit !== undefined)
    ? timeline(store, query, catalog)
    : undefined;
  response.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    // The socket ends with the stream, so that a server closing does not wait out the keep-alive timeout.
    connection: 'close',
    'x-accel-buffering': 'no',
  });
  response.write('retry: 1000\n\n');
  const heartbeat = setInterval(() => response.write(': keepalive\n\n'), options.heartbeatMs ?? 15_000);
  heartbeat.unref();
  try {
    const shown = new Set<string>();
    const earlier = await backlog;
    if (earlier) {
      earlier.entries.forEach((entry, index) => {
        shown.add(entry.event.id);
        const last = index === earlier.entries.length - 1;
        response.write(message(JSON.stringify(toJsonEvent(entry.event)), last ? (head ?? undefined) : undefined));
      });
    }
    for await (const batch of follow.batches) {
      const delivered = batch.entries.flatMap((entry, index) => (shown.delete(entry.event.id) ? [] : [{ entry, resumePoint: batch.resumePoints[index] }]));
      if (delivered.length === 0) {
        if (batch.cursor !== null) response.write(`id: ${batch.cursor}\n\n`);
        continue;
      }
      delivered.forEach(({ entry, resumePoint }, index) => {
        const last = index === delivered.length - 1;
        response.write(message(JSON.stringify(toJsonEvent(entry.event)), last ? (batch.cursor ?? undefined) : resumePoint));
      });
    }
  } finally {
    clearInterval(heartbeat);
    request.off('close', stop);
    response.end();
  }
}

function message(data: string, id: string | undefined): string {
  return `${id === undefined ? '' : `id: ${id}\n`}event: event\ndata: ${data}\n\n`;
}
