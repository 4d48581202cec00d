import { TraceError, type PreparedEvent, type TraceEvent } from '@tracekernel/schema';
import { openStore, type TraceStore } from '@tracekernel/store';
import { Spool, type ReplayOutcome } from './spool.js';

export interface SinkCounts {
  written: number;
  duplicates: number;
  spooled: number;
  /** Events that reached neither the store nor the spool. */
  lost: number;
}

/** A storage failure the writer reports; `lost` is set when events could be neither stored nor spooled. */
export type SinkError = Error & { code?: string; lost?: number };

const REOPEN_INTERVAL_MS = 1000;

/** Below twice this many events a batch is one append: splitting it would only add commits. */
const MIN_PARALLEL_PART = 1024;

/**
 * Where batches end up: the store when it can take them, the spool when it cannot. Any
 * `TraceStore` can sit behind it, synchronous or not. Failures are reported, never thrown, because
 * the agent that emitted the events must not be disturbed. After spooling, the first batch the
 * store takes again is followed by a replay of the spool, so events come back while the agent runs.
 */
export class EventSink {
  readonly #location: string;
  readonly #spool: Spool;
  readonly #report: (error: SinkError) => void;
  #store: TraceStore | undefined;
  #lastOpenAttempt = -Infinity;
  #spoolPending = true;
  readonly #lockTimeoutMs: number | undefined;

  constructor(location: string, report: (error: SinkError) => void, env: NodeJS.ProcessEnv = process.env, lockTimeoutMs?: number) {
    this.#location = location;
    this.#lockTimeoutMs = lockTimeoutMs;
    this.#spool = new Spool(location, env);
    this.#report = report;
  }

  /** Opens the store (at most once a second after a failure). */
  async #open(): Promise<TraceStore | undefined> {
    if (this.#store) return this.#store;
    const now = Date.now();
    if (now - this.#lastOpenAttempt < REOPEN_INTERVAL_MS) return undefined;
    this.#lastOpenAttempt = now;
    try {
      this.#store = await openStore({
        db: this.#location,
        mode: 'write',
        ...(this.#lockTimeoutMs === undefined ? {} : { lockTimeoutMs: this.#lockTimeoutMs }),
      });
    } catch (error) {
      this.#report(error as Error);
      return undefined;
    }
    return this.#store;
  }

  /** Replays spooled events of this store (earlier tracers', and this one's) once it is reachable. */
  async replaySpool(): Promise<ReplayOutcome | undefined> {
    const store = await this.#open();
    if (!store) return undefined;
    this.#spool.closeFile();
    const outcome = await this.#spool.replay(
      async (events) => (await store.append(events)).filter((result) => result.inserted).length,
      (error) => this.#report(error),
    );
    if (outcome.complete) this.#spoolPending = false;
    else await this.#drop(store);
    return outcome;
  }

  async #drop(store: TraceStore): Promise<void> {
    if (this.#store === store) this.#store = undefined;
    try {
      await store.close();
    } catch {
      // the store is already unusable; the spool keeps the events
    }
  }

  /**
   * Stores a batch, or spools it when the store cannot take it. A large batch goes in as
   * `parallelAppends` appends at once (on PostgreSQL: two connections, so that the server writes
   * one part while this thread encodes the next); a part the store refuses is spooled on its own.
   */
  async write(batch: readonly PreparedEvent[]): Promise<SinkCounts> {
    const store = await this.#open();
    if (!store) return this.spool(batch.map((prepared) => prepared.event));
    const parts = batch.length >= 2 * MIN_PARALLEL_PART ? Math.min(store.parallelAppends, Math.floor(batch.length / MIN_PARALLEL_PART)) : 1;
    const size = Math.ceil(batch.length / parts);
    const outcomes = await Promise.allSettled(
      Array.from({ length: parts }, (_, i) => store.append(batch.slice(i * size, (i + 1) * size))),
    );
    const counts: SinkCounts = { written: 0, duplicates: 0, spooled: 0, lost: 0 };
    let failed = false;
    outcomes.forEach((outcome, i) => {
      const part = batch.slice(i * size, (i + 1) * size);
      if (outcome.status === 'fulfilled') {
        const written = outcome.value.filter((result) => result.inserted).length;
        counts.written += written;
        counts.duplicates += part.length - written;
        return;
      }
      if (!failed) this.#report(outcome.reason as Error);
      failed = true;
      const spooled = this.spool(part.map((prepared) => prepared.event));
      counts.spooled += spooled.spooled;
      counts.lost += spooled.lost;
    });
    if (failed) await this.#drop(store);
    return counts;
  }

  /** Spools events synchronously: the fallback of a thread that cannot wait for the store. */
  spool(events: readonly TraceEvent[]): SinkCounts {
    this.#spoolPending = true;
    try {
      this.#spool.write(events);
      return { written: 0, duplicates: 0, spooled: events.length, lost: 0 };
    } catch (error) {
      const message = `lost ${events.length} events that could be neither stored nor spooled: ${(error as Error).message}`;
      this.#report(Object.assign(new TraceError('E_STORE', message), { lost: events.length }));
      return { written: 0, duplicates: 0, spooled: 0, lost: events.length };
    }
  }

  /** Whether events were spooled since the last complete replay. */
  get spoolPending(): boolean {
    return this.#spoolPending;
  }

  async close(): Promise<void> {
    this.#spool.closeFile();
    const store = this.#store;
    this.#store = undefined;
    await store?.close();
  }

  /** The synchronous close of the agent's thread, which only ever spools. */
  closeSpool(): void {
    this.#spool.closeFile();
  }
}
