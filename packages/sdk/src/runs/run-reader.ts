import { openStore, type TraceStore } from '@tracekernel/store';
import type { Tracer } from '../tracer.js';
import { RunLookup } from './run-lookup.js';

interface Reader {
  store: TraceStore;
  lookup: RunLookup;
}

/** One read connection per tracer, opened on its first run and closed by `tracer.close()`. */
const readers = new WeakMap<Tracer, Promise<Reader | null>>();
const closed = new WeakSet<Tracer>();

/**
 * The run lookup over the tracer's store, for idempotency checks, lineage and read-back; null when
 * the store cannot be opened (not created yet: the writer creates it) or the tracer is closed.
 */
export async function runReaderFor(tracer: Tracer): Promise<RunLookup | null> {
  if (closed.has(tracer)) return null;
  let reader = readers.get(tracer);
  if (!reader) {
    reader = (async () => {
      try {
        const store = await openStore({ db: tracer.location, mode: 'read', catalog: tracer.catalog, env: {} });
        return { store, lookup: new RunLookup(store) };
      } catch {
        return null;
      }
    })();
    readers.set(tracer, reader);
  }
  const opened = await reader;
  if (!opened) {
    readers.delete(tracer); // retried on the next run
    return null;
  }
  if (closed.has(tracer)) {
    // close() ran while this connection was opening.
    readers.delete(tracer);
    await opened.store.close();
    return null;
  }
  return opened.lookup;
}

/** Closes the tracer's run-record read connection; `Tracer.close()` calls it. */
export async function closeRunReader(tracer: Tracer): Promise<void> {
  closed.add(tracer);
  const reader = readers.get(tracer);
  readers.delete(tracer);
  const opened = await reader;
  await opened?.store.close();
}

