import { createHash } from 'node:crypto';

/**
 * A uuidv7 that depends only on a time and a name: 48 bits of the time, then `sequence` in the
 * 12-bit counter field (so that the events one source row yields at one millisecond sort in the
 * order they happened), then 62 bits of sha256(name). Importing the same row twice gives the same id.
 */
export function deterministicEventId(ms: number, name: string, sequence = 0): string {
  const hash = createHash('sha256').update(name).digest();
  const hex = (value: number, width: number) => value.toString(16).padStart(width, '0');
  const time = hex(ms, 12);
  const variant = (0x80 | (hash[0]! & 0x3f)).toString(16);
  const tail = hash.subarray(1, 8).toString('hex');
  return `${time.slice(0, 8)}-${time.slice(8)}-7${hex(sequence & 0xfff, 3)}-${variant}${tail.slice(0, 2)}-${tail.slice(2)}`;
}
