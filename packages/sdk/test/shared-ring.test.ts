import { describe, expect, it } from 'vitest';
import { Control, RingConsumer, RingProducer, allocateRing } from '../src/shared-ring.js';

describe('the shared ring', () => {
  it('hands over every record intact, in order, across wrap-arounds and multi-byte text', () => {
    const memory = allocateRing(256);
    const producer = new RingProducer(memory);
    const consumer = new RingConsumer(memory);
    const sent: string[] = [];
    const received: string[] = [];
    for (let i = 0; i < 500; i++) {
      const record = `${i}:${'é🙂x'.repeat(i % 13)}`;
      while (!producer.tryWrite(record)) {
        const batch = consumer.read(1000);
        expect(batch.length).toBeGreaterThan(0); // a full ring always has something to read
        received.push(...batch);
        consumer.commit(batch.length);
      }
      sent.push(record);
    }
    const rest = consumer.read(1000);
    received.push(...rest);
    consumer.commit(rest.length);
    expect(received).toEqual(sent);
    expect(Atomics.load(consumer.control, Control.USED)).toBe(0);
    expect(Atomics.load(consumer.control, Control.COMMITTED)).toBe(500);
  });

  it('refuses a record larger than half the ring instead of corrupting it', () => {
    const producer = new RingProducer(allocateRing(64));
    // a TraceError naming the limit, not a RangeError
    expect(() => producer.tryWrite('x'.repeat(40))).toThrow(/40 bytes exceeds the largest event the writer buffer takes, 28 bytes \(half of bufferBytes 64\)/);
  });

  it('stops a read at its byte budget, but always reads at least one record', () => {
    const memory = allocateRing(1024);
    const producer = new RingProducer(memory);
    for (const record of ['a'.repeat(40), 'b'.repeat(40), 'c'.repeat(40), 'd'.repeat(200)]) expect(producer.tryWrite(record)).toBe(true);
    const consumer = new RingConsumer(memory);
    // 100 bytes: two 40-byte records fit, the third would pass the budget.
    expect(consumer.read(10, 100).map((record) => record[0])).toEqual(['a', 'b']);
    // A record larger than the budget on its own still comes out, alone.
    expect(consumer.read(10, 10).map((record) => record[0])).toEqual(['c']);
    expect(consumer.read(10, 10).map((record) => record.length)).toEqual([200]);
    consumer.commit(4);
    expect(Atomics.load(consumer.control, Control.USED)).toBe(0);
  });

  it('lets a new consumer take over after the last commit', () => {
    const memory = allocateRing(1024);
    const producer = new RingProducer(memory);
    for (const record of ['a', 'b', 'c']) producer.tryWrite(record);
    const first = new RingConsumer(memory);
    expect(first.read(1)).toEqual(['a']);
    first.commit(1);
    first.read(10); // read but never committed: the consumer died here
    expect(new RingConsumer(memory).read(10)).toEqual(['b', 'c']);
  });
});
