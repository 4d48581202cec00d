import type { ChangeBatch, EventQuery, FollowOptions, TraceStore } from './trace-store.js';

/** `follow` for any store: poll `changes`, yield non-empty batches, sleep when there is nothing new. */
export async function* followChanges(store: TraceStore, query: EventQuery, options: FollowOptions = {}): AsyncGenerator<ChangeBatch> {
  const { pollMs = 200, signal } = options;
  let cursor = options.after ?? null;
  while (!signal?.aborted) {
    const batch = await store.changes(query, { after: cursor, ...(options.limit === undefined ? {} : { limit: options.limit }) });
    const advanced = batch.cursor !== cursor;
    cursor = batch.cursor;
    if (batch.events.length > 0) yield batch;
    // A full page means more may be waiting: read on at once.
    if (!advanced || batch.events.length === 0) await sleep(pollMs, signal);
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
