import { parentPort, workerData } from 'node:worker_threads';
import { drainRing } from './drain-ring.js';
import { EventSink } from './event-sink.js';
import { Control, RingConsumer, prefaultRing, type RingMemory } from './shared-ring.js';

/**
 * The writer thread: waits for records in the shared ring and commits them in groups, so the
 * agent's thread never waits for SQLite.
 */
interface WriterWorkerData {
  memory: RingMemory;
  storePath: string;
  batchSize: number;
  flushIntervalMs: number;
  lockTimeoutMs: number | undefined;
}

const { memory, storePath, batchSize, flushIntervalMs, lockTimeoutMs } = workerData as WriterWorkerData;
prefaultRing(memory);
const ring = new RingConsumer(memory);
const control = ring.control;
const sink = new EventSink(storePath, (error) => {
  Atomics.add(control, Control.ERRORS, 1);
  parentPort?.postMessage({ type: 'error', code: (error as { code?: string }).code ?? 'E_STORE', message: error.message });
}, lockTimeoutMs);

Atomics.add(control, Control.REPLAYED, sink.replaySpool());

for (;;) {
  const wake = Atomics.load(control, Control.WAKE);
  const pending = Atomics.load(control, Control.PUBLISHED) - Atomics.load(control, Control.COMMITTED);
  if (pending === 0) {
    if (Atomics.load(control, Control.CLOSE)) break;
    Atomics.wait(control, Control.WAKE, wake);
    continue;
  }
  // Group commit: give a small batch a moment to grow, unless someone is waiting for it.
  if (pending < batchSize && Atomics.exchange(control, Control.URGENT, 0) === 0 && !Atomics.load(control, Control.CLOSE)) {
    Atomics.wait(control, Control.WAKE, wake, flushIntervalMs);
  }
  drainRing(ring, sink);
}
sink.close();
Atomics.store(control, Control.STOPPED, 1);
Atomics.notify(control, Control.PROGRESS);
