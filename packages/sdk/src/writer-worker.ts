import { parentPort, workerData } from 'node:worker_threads';
import { drainRing } from './drain-ring.js';
import { EventSink, type SinkError } from './event-sink.js';
import { Control, RingConsumer, prefaultRing, type RingMemory } from './shared-ring.js';

/**
 * The writer thread: waits for records in the shared ring and commits them in groups through the
 * store's asynchronous append, so the agent's thread never waits for the database. It runs an
 * event loop of its own, which lets the agent's thread block in its exit handler while this one
 * finishes.
 */
interface WriterWorkerData {
  memory: RingMemory;
  location: string;
  spoolEnv: NodeJS.ProcessEnv;
  batchSize: number;
  flushIntervalMs: number;
  lockTimeoutMs: number | undefined;
}

const { memory, location, spoolEnv, batchSize, flushIntervalMs, lockTimeoutMs } = workerData as WriterWorkerData;
prefaultRing(memory);
const ring = new RingConsumer(memory);
const control = ring.control;
const sink = new EventSink(location, (error: SinkError) => {
  Atomics.add(control, Control.ERRORS, 1);
  parentPort?.postMessage({ type: 'error', code: error.code ?? 'E_STORE', message: error.message, lost: error.lost ?? 0 });
}, spoolEnv, lockTimeoutMs);

/** Atomics.waitAsync keeps nothing alive by itself; this timer keeps the loop running while it waits. */
const keepAlive = setInterval(() => {}, 1 << 30);

async function wait(wake: number, timeoutMs: number): Promise<void> {
  const result = Atomics.waitAsync(control, Control.WAKE, wake, timeoutMs);
  if (result.async) await result.value;
}

async function run(): Promise<void> {
  const outcome = await sink.replaySpool();
  if (outcome) Atomics.add(control, Control.REPLAYED, outcome.replayed);
  for (;;) {
    const wake = Atomics.load(control, Control.WAKE);
    const pending = Atomics.load(control, Control.PUBLISHED) - Atomics.load(control, Control.COMMITTED);
    if (pending === 0) {
      if (Atomics.load(control, Control.CLOSE)) break;
      await wait(wake, Infinity);
      continue;
    }
    // Group commit: give a small batch a moment to grow, unless someone is waiting for it.
    if (pending < batchSize && Atomics.exchange(control, Control.URGENT, 0) === 0 && !Atomics.load(control, Control.CLOSE)) {
      await wait(wake, flushIntervalMs);
    }
    if (!(await drainRing(ring, sink))) break; // the agent's thread took over
  }
}

try {
  await run();
} finally {
  await sink.close().catch(() => {});
  clearInterval(keepAlive);
  Atomics.store(control, Control.STOPPED, 1);
  Atomics.notify(control, Control.PROGRESS);
}
