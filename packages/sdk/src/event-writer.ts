import { Worker } from 'node:worker_threads';
import type { PreparedEvent } from '@tracekernel/schema';
import { drainRing } from './drain-ring.js';
import { EventSink } from './event-sink.js';
import { Control, RingConsumer, RingProducer, allocateRing, type RingMemory } from './shared-ring.js';
import { encodeEvent } from './wire-format.js';

export interface EventWriterOptions {
  storePath: string;
  /** Events per group commit the writer waits for before committing without delay. */
  batchSize: number;
  /** How long a smaller batch may wait to grow. */
  flushIntervalMs: number;
  /** Bytes of events in flight; when full, emit waits for the writer instead of dropping. */
  bufferBytes: number;
  /** How long a write waits for another process's write lock before the batch is spooled. */
  lockTimeoutMs?: number;
  onError: (error: Error & { code?: string }) => void;
}

export interface WriterCounts {
  published: number;
  committed: number;
  written: number;
  duplicates: number;
  spooled: number;
  replayed: number;
  errors: number;
}

const WAIT_SLICE_MS = 100;

/**
 * The agent-side half of the writer: encodes events into shared memory and leaves SQLite to a
 * worker thread. If that thread dies, this thread takes over its work, so nothing is lost.
 */
export class EventWriter {
  readonly #options: EventWriterOptions;
  readonly #memory: RingMemory;
  readonly #ring: RingProducer;
  readonly #worker: Worker;
  #workerAlive = true;
  #sinceWake = 0;
  #closed = false;

  constructor(options: EventWriterOptions) {
    this.#options = options;
    this.#memory = allocateRing(options.bufferBytes);
    this.#ring = new RingProducer(this.#memory);
    this.#worker = new Worker(new URL('./writer-worker.js', import.meta.url), {
      workerData: {
        memory: this.#memory,
        storePath: options.storePath,
        batchSize: options.batchSize,
        flushIntervalMs: options.flushIntervalMs,
        lockTimeoutMs: options.lockTimeoutMs,
      },
      // A group commit's decoded events are short-lived; a roomier young generation keeps them
      // out of the (much slower) old-generation collector.
      resourceLimits: { maxYoungGenerationSizeMb: 48 },
    });
    this.#worker.on('message', (message: { type: string; code: string; message: string }) => {
      if (message.type === 'error') options.onError(Object.assign(new Error(message.message), { code: message.code }));
    });
    this.#worker.on('error', (error) => {
      this.#workerAlive = false;
      options.onError(error);
    });
    this.#worker.on('exit', () => {
      this.#workerAlive = false;
    });
    // After the listeners: adding a 'message' listener refs the worker again. Unref'd, it lets the
    // agent's process end naturally; the 'exit' handler then waits for the writer.
    this.#worker.unref();
  }

  write(prepared: PreparedEvent): void {
    const record = encodeEvent(prepared);
    const wasEmpty = this.#ring.load(Control.USED) === 0;
    while (!this.#ring.tryWrite(record)) this.#waitForSpace();
    if (wasEmpty || ++this.#sinceWake >= this.#options.batchSize) {
      this.#sinceWake = 0;
      this.#ring.wakeConsumer();
    }
  }

  /** Backpressure: the buffer is full, so the agent waits for the writer rather than lose events. */
  #waitForSpace(): void {
    Atomics.store(this.#ring.control, Control.URGENT, 1);
    this.#ring.wakeConsumer();
    if (!this.#workerAlive) {
      this.#drainHere();
      return;
    }
    Atomics.wait(this.#ring.control, Control.PROGRESS, this.#ring.load(Control.PROGRESS), WAIT_SLICE_MS);
  }

  /** Resolves once every event written so far is durable (stored, or spooled if the store failed). */
  async flush(): Promise<void> {
    const target = this.#ring.load(Control.PUBLISHED);
    while (this.#ring.load(Control.COMMITTED) < target) {
      if (!this.#workerAlive || this.#ring.load(Control.STOPPED)) {
        this.#drainHere();
        continue;
      }
      Atomics.store(this.#ring.control, Control.URGENT, 1);
      this.#ring.wakeConsumer();
      const progress = this.#ring.load(Control.PROGRESS);
      // waitAsync alone does not keep the event loop alive; the timer does, while we wait.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Atomics.waitAsync(this.#ring.control, Control.PROGRESS, progress, WAIT_SLICE_MS).value,
        new Promise((resolve) => (timer = setTimeout(resolve, WAIT_SLICE_MS))),
      ]);
      clearTimeout(timer);
    }
  }

  /**
   * The same, blocking, for a process 'exit' handler where nothing asynchronous runs. After
   * `timeoutMs` this thread spools what is still in flight itself.
   */
  flushSync(timeoutMs: number): void {
    const target = this.#ring.load(Control.PUBLISHED);
    const deadline = Date.now() + timeoutMs;
    while (this.#ring.load(Control.COMMITTED) < target) {
      if (!this.#workerAlive || this.#ring.load(Control.STOPPED) || Date.now() > deadline) {
        this.#drainHere();
        return;
      }
      Atomics.store(this.#ring.control, Control.URGENT, 1);
      this.#ring.wakeConsumer();
      Atomics.wait(this.#ring.control, Control.PROGRESS, this.#ring.load(Control.PROGRESS), WAIT_SLICE_MS);
    }
  }

  /** Takes the consumer's place on this thread: used only when the writer thread is gone or stuck. */
  #drainHere(): void {
    if (this.#workerAlive) {
      this.#workerAlive = false;
      void this.#worker.terminate();
    }
    const sink = new EventSink(this.#options.storePath, this.#options.onError, this.#options.lockTimeoutMs);
    try {
      drainRing(new RingConsumer(this.#memory), sink);
    } finally {
      sink.close();
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    await this.flush();
    this.#closed = true;
    Atomics.store(this.#ring.control, Control.CLOSE, 1);
    this.#ring.wakeConsumer();
    if (this.#workerAlive) {
      this.#worker.ref();
      await new Promise<void>((resolve) => {
        this.#worker.once('exit', () => resolve());
        if (!this.#workerAlive) resolve();
      });
    }
  }

  counts(): WriterCounts {
    const c = (word: number) => this.#ring.load(word);
    return {
      published: c(Control.PUBLISHED),
      committed: c(Control.COMMITTED),
      written: c(Control.WRITTEN),
      duplicates: c(Control.DUPLICATES),
      spooled: c(Control.SPOOLED),
      replayed: c(Control.REPLAYED),
      errors: c(Control.ERRORS),
    };
  }
}
