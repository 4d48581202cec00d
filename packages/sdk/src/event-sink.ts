import { TraceError, type PreparedEvent } from '@tracekernel/schema';
import { SqliteTraceStore } from '@tracekernel/store';
import { Spool } from './spool.js';

export interface SinkCounts {
  written: number;
  duplicates: number;
  spooled: number;
  /** Events that reached neither the store nor the spool. */
  lost: number;
}

const REOPEN_INTERVAL_MS = 1000;

/**
 * Where batches end up: the store when it can take them, the spool when it cannot. Failures are
 * reported, never thrown, because the agent that emitted the events must not be disturbed.
 */
export class EventSink {
  readonly #storePath: string;
  readonly #spool: Spool;
  readonly #report: (error: Error) => void;
  #store: SqliteTraceStore | undefined;
  #lastOpenAttempt = 0;
  readonly #lockTimeoutMs: number | undefined;

  constructor(storePath: string, report: (error: Error) => void, lockTimeoutMs?: number) {
    this.#storePath = storePath;
    this.#lockTimeoutMs = lockTimeoutMs;
    this.#spool = new Spool(storePath);
    this.#report = report;
  }

  /** Opens the store (at most once a second after a failure) and replays spooled events into it. */
  #open(): SqliteTraceStore | undefined {
    if (this.#store) return this.#store;
    const now = Date.now();
    if (now - this.#lastOpenAttempt < REOPEN_INTERVAL_MS) return undefined;
    this.#lastOpenAttempt = now;
    try {
      this.#store = SqliteTraceStore.open({
        path: this.#storePath,
        mode: 'write',
        ...(this.#lockTimeoutMs === undefined ? {} : { lockTimeoutMs: this.#lockTimeoutMs }),
      });
    } catch (error) {
      this.#report(error as Error);
      return undefined;
    }
    return this.#store;
  }

  /** Replays events spooled by earlier tracers; returns how many were replayed. */
  replaySpool(): number {
    const store = this.#open();
    if (!store) return 0;
    try {
      const { replayed, corrupt } = this.#spool.replay((events) => {
        for (let i = 0; i < events.length; i += 4096) store.appendSync(events.slice(i, i + 4096));
      });
      if (corrupt > 0) this.#report(new TraceError('E_STORE', `skipped ${corrupt} torn or altered spool records`));
      return replayed;
    } catch (error) {
      this.#report(error as Error);
      return 0;
    }
  }

  write(batch: Iterable<PreparedEvent>, size: number): SinkCounts {
    const store = this.#open();
    if (store) {
      try {
        let written = 0;
        for (const result of store.appendSync(batch)) if (result.inserted) written++;
        return { written, duplicates: size - written, spooled: 0, lost: 0 };
      } catch (error) {
        this.#report(error as Error);
        this.#store = undefined;
        try {
          store.closeSync();
        } catch {
          // the store is already unusable; the spool below keeps the events
        }
      }
    }
    try {
      this.#spool.write(Array.from(batch, (prepared) => prepared.event));
      return { written: 0, duplicates: 0, spooled: size, lost: 0 };
    } catch (error) {
      this.#report(new TraceError('E_STORE', `could not store or spool ${size} events: ${(error as Error).message}`));
      return { written: 0, duplicates: 0, spooled: 0, lost: size };
    }
  }

  close(): void {
    this.#store?.closeSync();
    this.#store = undefined;
  }
}
