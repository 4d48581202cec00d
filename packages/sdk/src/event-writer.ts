import { Worker } from 'node:worker_threads';
import { TraceError, type PreparedEvent } from '@tracekernel/schema';
import { spoolRing, takeOverRing } from './drain-ring.js';
import { EventSink, type SinkError } from './event-sink.js';
import { Control, RingConsumer, RingProducer, allocateRing, type RingMemory } from './shared-ring.js';
import { encodeEvent } from './wire-format.js';

export interface EventWriterOptions {
  /** The store: a file path, or a URL such as `postgres://…`. */
  location: string;
  /** Events per group commit the writer waits for before committing without delay. */
  batchSize: number;
  /** How long a smaller batch may wait to grow. */
  flushIntervalMs: number;
  /** Bytes of events in flight; when full, emit waits for the writer instead of dropping. */
  bufferBytes: number;
  onError: (error: SinkError) => void;
  /** Where the fallback spool directory is found (XDG_STATE_HOME, HOME). */
  env?: NodeJS.ProcessEnv;
  /** How long a write waits for another process's write lock before the batch is spooled. */
  lockTimeoutMs?: number;
}

export interface WriterCounts {
  published: number;
  committed: number;
  written: number;
  duplicates: number;
  spooled: number;
  replayed: number;
  /** Events that could be neither stored nor spooled. */
  lost: number;
  errors: number;
}

const WAIT_SLICE_MS = 100;

function spoolEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { XDG_STATE_HOME: env.XDG_STATE_HOME, HOME: env.HOME };
}

/**
 * The writer thread's old-generation limit. Without one, V8 sizes a worker's heap from the
 * machine's memory (gigabytes here) and collects so lazily that a long ingest's resident memory
 * grows with the number of events (370 MB at 250k, 480 MB at 1M, 720 MB at 10M). What the writer
 * holds at once is bounded: a group commit of at most GROUP_BYTES of records (or one record of up
 * to half the ring), decoded to a few times its size, and the store's bounded caches. The limit
 * leaves several times that, and grows with the ring for writers given a larger one.
 */
function writerHeapLimitMb(bufferBytes: number): number {
  return 256 + Math.ceil((4 * bufferBytes) / (1024 * 1024));
}

/**
 * The agent-side half of the writer: encodes events into shared memory and leaves the store to a
 * worker thread. If that thread dies or is stuck at exit, this thread takes the ring over and
 * spools what is left, synchronously, for the next tracer to replay.
 */
export class EventWriter {
  readonly #options: EventWriterOptions;
  readonly #memory: RingMemory;
  readonly #ring: RingProducer;
  readonly #worker: Worker;
  #workerAlive = true;
  #sinceWake = 0;
  #closed = false;
  /** Losses already reported by a rejected flush(). */
  #lostSeen = 0;

  constructor(options: EventWriterOptions) {
    this.#options = options;
    this.#memory = allocateRing(options.bufferBytes);
    this.#ring = new RingProducer(this.#memory);
    this.#worker = new Worker(new URL('./writer-worker.js', import.meta.url), {
      workerData: {
        memory: this.#memory,
        location: options.location,
        spoolEnv: spoolEnv(options.env ?? process.env),
        batchSize: options.batchSize,
        flushIntervalMs: options.flushIntervalMs,
        lockTimeoutMs: options.lockTimeoutMs,
      },
      // A group commit's decoded events are short-lived; a roomier young generation keeps them
      // out of the (much slower) old-generation collector.
      resourceLimits: { maxYoungGenerationSizeMb: 48, maxOldGenerationSizeMb: writerHeapLimitMb(options.bufferBytes) },
    });
    this.#worker.on('message', (message: { type: string; code: string; message: string; lost: number }) => {
      if (message.type !== 'error') return;
      const error = Object.assign(new TraceError(message.code as never, message.message), message.lost ? { lost: message.lost } : {});
      options.onError(error);
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

  /**
   * Resolves once every event written so far is durable (stored, or spooled if the store failed).
   * Rejects when some could be kept nowhere: they are counted in `lost` and were reported.
   */
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
    this.#throwIfLost();
  }

  #throwIfLost(): void {
    const lost = this.#ring.load(Control.LOST);
    if (lost === this.#lostSeen) return;
    const count = lost - this.#lostSeen;
    this.#lostSeen = lost;
    throw Object.assign(new TraceError('E_STORE', `${count} events could be neither stored nor spooled (see the tracer's 'error' events)`), { lost: count });
  }

  /** The losses no flush() has reported yet, for the exit handler to report. */
  unreportedLosses(): number {
    return this.#ring.load(Control.LOST) - this.#lostSeen;
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

  /**
   * Takes the consumer's place on this thread, for good: used only when the writer thread is gone
   * or stuck. Nothing here may wait for an asynchronous store, so what is left goes to the spool.
   */
  #drainHere(): void {
    takeOverRing(this.#ring.control);
    if (this.#workerAlive) {
      this.#workerAlive = false;
      void this.#worker.terminate();
    }
    const sink = new EventSink(this.#options.location, this.#options.onError, spoolEnv(this.#options.env ?? process.env), this.#options.lockTimeoutMs);
    try {
      spoolRing(new RingConsumer(this.#memory), sink);
    } finally {
      sink.closeSpool();
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    let lost: unknown;
    await this.flush().catch((error: unknown) => (lost = error));
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
    if (lost) throw lost;
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
      lost: c(Control.LOST),
      errors: c(Control.ERRORS),
    };
  }
}
