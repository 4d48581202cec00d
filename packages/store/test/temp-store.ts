import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventCatalog, type EventInput, type PreparedEvent } from '@tracekernel/schema';
import { SqliteTraceStore } from '@tracekernel/store';

/** 2025-10-22 14:00:00 UTC, the design's story time. */
export const T0 = Date.UTC(2025, 9, 22, 14, 0, 0);
export const minute = (n: number) => T0 + n * 60_000;

export const catalog = new EventCatalog();
export const prepare = (input: EventInput): PreparedEvent => catalog.prepare(input);

/** A fresh temp directory, removed by the returned cleanup. */
export function tempDir(prefix = 'tracekernel-store-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface TempStore {
  dir: string;
  path: string;
  store: SqliteTraceStore;
  /** Prepares and appends one event; fails the test when it was not inserted. */
  emit(input: EventInput): PreparedEvent['event'];
  cleanup(): Promise<void>;
}

/** A real SQLite store, opened for writing, in a fresh temp dir. */
export function openTempStore(): TempStore {
  const { dir, cleanup } = tempDir();
  const path = join(dir, 'trace.db');
  const temp: TempStore = {
    dir,
    path,
    store: SqliteTraceStore.open({ path, mode: 'write' }),
    emit(input) {
      const prepared = prepare(input);
      // temp.store, not a captured store: a test may reopen the file and replace it.
      const [result] = temp.store.appendSync([prepared]);
      if (!result?.inserted) throw new Error(`temp store: event ${prepared.event.id} was not inserted`);
      return prepared.event;
    },
    async cleanup() {
      await temp.store.close();
      cleanup();
    },
  };
  return temp;
}
