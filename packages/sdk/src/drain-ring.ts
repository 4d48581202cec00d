import type { EventSink, SinkCounts } from './event-sink.js';
import { Control, type RingConsumer } from './shared-ring.js';
import { decodeEvent } from './wire-format.js';

/**
 * Events per group commit: large enough to amortise the index pages each commit rewrites, small
 * enough that the decoded events die young instead of burdening the garbage collector.
 */
const GROUP_SIZE = 16_384;
/**
 * Bytes of records per group commit, whatever their number: with large events, 16,384 of them
 * decoded at once would be the writer's whole heap (its limit is writerHeapLimitMb).
 */
const GROUP_BYTES = 8 * 1024 * 1024;

/** Who may free records of the ring (Control.OWNER). */
export const Owner = { WORKER: 0, WORKER_COMMITTING: 1, AGENT: 2 } as const;

function count(ring: RingConsumer, counts: SinkCounts): void {
  Atomics.add(ring.control, Control.WRITTEN, counts.written);
  Atomics.add(ring.control, Control.DUPLICATES, counts.duplicates);
  Atomics.add(ring.control, Control.SPOOLED, counts.spooled);
  Atomics.add(ring.control, Control.LOST, counts.lost);
}

/**
 * Moves every published record into the sink, in group commits, and counts the outcome. Returns
 * false once the agent's thread has taken the ring over (the worker must then stop): the records
 * of the batch in hand are the agent's to keep, and any the store took twice are skipped later.
 */
export async function drainRing(ring: RingConsumer, sink: EventSink): Promise<boolean> {
  for (;;) {
    const records = ring.read(GROUP_SIZE, GROUP_BYTES);
    if (records.length === 0) return true;
    const counts = await sink.write(records.map(decodeEvent));
    if (Atomics.compareExchange(ring.control, Control.OWNER, Owner.WORKER, Owner.WORKER_COMMITTING) !== Owner.WORKER) return false;
    count(ring, counts);
    ring.commit(records.length);
    Atomics.store(ring.control, Control.OWNER, Owner.WORKER);
    // The store is back after a spell of spooling: bring the spooled events home.
    if (counts.written + counts.duplicates > 0 && sink.spoolPending) {
      const outcome = await sink.replaySpool();
      if (outcome) Atomics.add(ring.control, Control.REPLAYED, outcome.replayed);
    }
  }
}

/** Takes the ring from the worker for good; waits out a commit in progress (microseconds, or a second for a dead worker). */
export function takeOverRing(control: Int32Array): void {
  for (let tries = 0; tries < 1000; tries++) {
    if (Atomics.compareExchange(control, Control.OWNER, Owner.WORKER, Owner.AGENT) !== Owner.WORKER_COMMITTING) return;
    Atomics.wait(control, Control.OWNER, Owner.WORKER_COMMITTING, 1);
  }
  Atomics.store(control, Control.OWNER, Owner.AGENT);
}

/** The agent thread's drain, for when the worker is dead or stuck: it spools, synchronously. */
export function spoolRing(ring: RingConsumer, sink: EventSink): void {
  for (;;) {
    const records = ring.read(GROUP_SIZE, GROUP_BYTES);
    if (records.length === 0) return;
    count(ring, sink.spool(records.map((record) => decodeEvent(record).event)));
    ring.commit(records.length);
  }
}
