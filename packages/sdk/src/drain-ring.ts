import type { EventSink } from './event-sink.js';
import { Control, type RingConsumer } from './shared-ring.js';
import { decodeEvent } from './wire-format.js';

/**
 * Events per group commit: large enough to amortise the index pages each commit rewrites, small
 * enough that the decoded events die young instead of burdening the garbage collector.
 */
const GROUP_SIZE = 16_384;

/** Moves every published record into the sink, in group commits, and counts the outcome. */
export function drainRing(ring: RingConsumer, sink: EventSink): number {
  let total = 0;
  for (;;) {
    const records = ring.read(GROUP_SIZE);
    if (records.length === 0) return total;
    // Decoded inside the transaction, one at a time; restartable in case the store retries.
    const events = { *[Symbol.iterator]() { for (const record of records) yield decodeEvent(record); } };
    const counts = sink.write(events, records.length);
    Atomics.add(ring.control, Control.WRITTEN, counts.written);
    Atomics.add(ring.control, Control.DUPLICATES, counts.duplicates);
    Atomics.add(ring.control, Control.SPOOLED, counts.spooled);
    if (counts.lost > 0) Atomics.add(ring.control, Control.ERRORS, counts.lost);
    ring.commit(records.length);
    total += records.length;
  }
}
