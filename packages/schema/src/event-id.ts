import { randomFillSync } from 'node:crypto';
import { TraceError } from './trace-error.js';

/**
 * uuidv7 (RFC 9562): 48 bits of Unix milliseconds, then a 12-bit counter and 62 random bits.
 * The counter makes ids monotonic within one process (method 1 of the RFC); across processes
 * ids only sort by their millisecond, so readers order by (ts, id), never by id alone.
 */
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
/** The two hex digits of each byte, as character codes: HEX_CODES[2b] and HEX_CODES[2b + 1]. */
const HEX_CODES = new Uint8Array(512);
for (let byte = 0; byte < 256; byte++) {
  const digits = byte.toString(16).padStart(2, '0');
  HEX_CODES[2 * byte] = digits.charCodeAt(0);
  HEX_CODES[2 * byte + 1] = digits.charCodeAt(1);
}
/** An id's 36 characters, dashes in place, written digit by digit and read out as one flat string. */
const idScratch = Buffer.alloc(36, '-');

const randomPool = new Uint8Array(8192);
let randomOffset = randomPool.length;
function takeRandom(count: number): number {
  if (randomOffset + count > randomPool.length) {
    randomFillSync(randomPool);
    randomOffset = 0;
  }
  const start = randomOffset;
  randomOffset += count;
  return start;
}

let lastMs = -1;
let counter = 0;

function putByte(at: number, byte: number): void {
  idScratch[at] = HEX_CODES[2 * byte]!;
  idScratch[at + 1] = HEX_CODES[2 * byte + 1]!;
}

/**
 * Writing the digits into a buffer and reading it as latin1 costs half of joining 16 strings:
 * the join made a rope that every later hash, comparison and encode had to flatten first.
 */
function format(ms: number, counter12: number, r: number): string {
  const high = Math.floor(ms / 0x1000000);
  const low = ms % 0x1000000;
  const p = randomPool;
  putByte(0, (high >>> 16) & 0xff);
  putByte(2, (high >>> 8) & 0xff);
  putByte(4, high & 0xff);
  putByte(6, (low >>> 16) & 0xff);
  putByte(9, (low >>> 8) & 0xff);
  putByte(11, low & 0xff);
  putByte(14, 0x70 | (counter12 >>> 8));
  putByte(16, counter12 & 0xff);
  putByte(19, 0x80 | (p[r]! & 0x3f));
  putByte(21, p[r + 1]!);
  for (let i = 0; i < 6; i++) putByte(24 + 2 * i, p[r + 2 + i]!);
  return idScratch.toString('latin1', 0, 36);
}

/** The time carried by the id newEventId() returned last: saves parsing it back on the emit path. */
export function lastEventIdTime(): number {
  return lastMs;
}

/** A new uuidv7 for now; strictly greater than every id this process made before. */
export function newEventId(): string {
  let ms = Date.now();
  if (ms > lastMs) {
    lastMs = ms;
    counter = randomPool[takeRandom(1)]! & 0x3ff; // leave headroom before the 12-bit counter overflows
  } else {
    ms = lastMs;
    counter += 1;
    if (counter > 0xfff) {
      lastMs += 1;
      ms = lastMs;
      counter = 0;
    }
  }
  return format(ms, counter, takeRandom(8));
}

/** A uuidv7 whose time is `ms`, for events recorded with an explicit time (imports, `trace emit --ts`). */
export function eventIdAt(ms: number): string {
  if (!Number.isSafeInteger(ms) || ms < 0 || ms >= 2 ** 48) {
    throw new TraceError('E_INVALID_TIME', `ts: expected epoch milliseconds, got ${ms}`);
  }
  const r = takeRandom(10);
  return format(ms, ((randomPool[r + 8]! << 8) | randomPool[r + 9]!) & 0xfff, r);
}

export function isEventId(value: unknown): value is string {
  return typeof value === 'string' && UUID_PATTERN.test(value);
}

/** The millisecond timestamp embedded in a uuidv7. */
export function eventIdTime(id: string): number {
  return parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}

/** Validates an id given by a user; `field` names it in the error. */
export function parseEventId(value: string, field = 'id'): string {
  const normalized = value.trim().toLowerCase();
  if (!isEventId(normalized)) {
    throw new TraceError('E_INVALID_ID', `${field}: expected a uuidv7 event id, got "${value}"`);
  }
  return normalized;
}

/**
 * How many hex digits of an id `trace` prints. They are the start of the id's last group, which is
 * random: the leading digits of a uuidv7 are its millisecond, shared by every event of a run.
 */
export const SHORT_ID_LENGTH = 8;
/** The most digits a short id may have: the whole last group (48 random bits). */
export const MAX_SHORT_ID_LENGTH = 12;
/** The fewest digits a short id may have: fewer would name too many events to be of use. */
export const MIN_SHORT_ID_LENGTH = 4;

const SHORT_ID_PATTERN = new RegExp(`^[0-9a-f]{${MIN_SHORT_ID_LENGTH},${MAX_SHORT_ID_LENGTH}}$`);

/** The short id `trace` prints for an event: the first 8 hex digits of its last group, e.g. `1d7050d7`. */
export function shortEventId(id: string, length = SHORT_ID_LENGTH): string {
  return id.slice(24, 24 + length);
}

/** Whether a value is a short id: 4 to 12 hex digits (any case), matched against the start of an id's last group. */
export function isShortEventId(value: unknown): value is string {
  return typeof value === 'string' && SHORT_ID_PATTERN.test(value.trim().toLowerCase());
}
