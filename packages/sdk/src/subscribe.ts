import type { TraceEvent } from '@tracekernel/schema';
import { openStore, type EventQuery, type StoreCursor, type TraceStore } from '@tracekernel/store';

/** Which events a subscription delivers: the store's filters (time bounds do not apply). */
export type SubscribeQuery = Pick<EventQuery, 'agent' | 'targets' | 'kinds' | 'includePrivate'>;

export interface SubscribeOptions {
  /**
   * Where to start: a cursor saved from an earlier delivery (resume right after that event),
   * `null` for the beginning of the store (the default), or `'now'` for only events committed
   * from now on.
   */
  from?: StoreCursor | null | 'now';
  /** The store to read; by default --db's rules: `db`, else TRACE_DB, else the nearest .trace/. */
  store?: TraceStore;
  db?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** How long to wait between polls when nothing new is visible (default 200 ms). */
  pollMs?: number;
}

/** Receives one event and the cursor to save once it is handled: resuming from it starts after this event. */
export type SubscribeHandler = (event: TraceEvent, cursor: StoreCursor) => void | Promise<void>;

export interface Subscription {
  /** The cursor after the last event the handler finished with (null before the first). */
  readonly cursor: StoreCursor | null;
  /**
   * Settles when the subscription ends: resolves after close(), rejects with the handler's or
   * the store's error (the failed event is not counted as handled, so resuming redelivers it).
   */
  readonly done: Promise<void>;
  /** Stops delivering (after the handler call under way) and closes a store it opened. */
  close(): Promise<void>;
}

/**
 * Delivers every event that matches `query`, exactly once, in the store's commit order, to a
 * process that did not emit them; events written later by any process or host follow as they are
 * committed. An event whose transaction commits after later ones is still delivered (the store's
 * changes() reads only below every running transaction). Each handler call finishes before the
 * next starts.
 *
 * @example
 * const sub = subscribe({ targets: ['task-abc123'] }, async (event, cursor) => {
 *   await handle(event);
 *   saveCursor(cursor);                      // a restart resumes after this event
 * }, { from: loadCursor() });
 * // ...
 * await sub.close();
 */
export function subscribe(query: SubscribeQuery, handler: SubscribeHandler, options: SubscribeOptions = {}): Subscription {
  const controller = new AbortController();
  let cursor: StoreCursor | null = options.from === 'now' ? null : (options.from ?? null);

  const run = async () => {
    const owned = options.store === undefined;
    const store =
      options.store ??
      (await openStore({
        mode: 'read',
        ...(options.db === undefined ? {} : { db: options.db }),
        cwd: options.cwd ?? process.cwd(),
        env: options.env ?? process.env,
      }));
    try {
      // A query that matches nothing reads no rows and still answers with the head.
      if (options.from === 'now') cursor = (await store.changes({ targets: [] })).cursor;
      const filter: EventQuery = { ...query };
      const follow = store.follow(filter, {
        after: cursor,
        signal: controller.signal,
        ...(options.pollMs === undefined ? {} : { pollMs: options.pollMs }),
      });
      for await (const batch of follow) {
        for (let i = 0; i < batch.events.length; i++) {
          if (controller.signal.aborted) return;
          const at = i === batch.events.length - 1 ? (batch.cursor ?? batch.cursors[i]!) : batch.cursors[i]!;
          await handler(batch.events[i]!, at);
          cursor = at;
        }
        // Past the non-matching events this batch looked at, too.
        if (!controller.signal.aborted) cursor = batch.cursor;
      }
    } finally {
      if (owned) await store.close();
    }
  };
  const done = run();
  done.catch(() => {}); // seen through `done`; never an unhandled rejection
  return {
    get cursor() {
      return cursor;
    },
    done,
    async close() {
      controller.abort();
      await done.catch(() => {});
    },
  };
}
