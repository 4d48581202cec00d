/**
 * Ids are stored as 16-byte blobs: a text uuid costs 36 bytes in the row and again in every index.
 */
export function idToBlob(id: string): Buffer {
  return idIntoBlob(id, Buffer.allocUnsafe(16));
}

/** The value of each hex digit by its char code (0 for anything else: ids are validated before they get here). */
const NIBBLE = new Uint8Array(128);
for (let digit = 0; digit < 16; digit++) {
  const char = digit.toString(16);
  NIBBLE[char.charCodeAt(0)] = digit;
  NIBBLE[char.toUpperCase().charCodeAt(0)] = digit;
}
/** Where the first hex digit of each of an id's 16 bytes is in its uuid form. */
const BYTE_POSITIONS = Uint8Array.from([0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34]);

/**
 * Writes an id into a caller's buffer. better-sqlite3 copies a blob when it binds it, so the
 * append path reuses one buffer per parameter instead of allocating two per event. Digits are
 * read in JavaScript: five slices and five `Buffer.write(hex)` calls cost 360 ns an id, this 40.
 */
export function idIntoBlob(id: string, blob: Buffer): Buffer {
  for (let byte = 0; byte < 16; byte++) {
    const at = BYTE_POSITIONS[byte]!;
    blob[byte] = (NIBBLE[id.charCodeAt(at) & 0x7f]! << 4) | NIBBLE[id.charCodeAt(at + 1) & 0x7f]!;
  }
  return blob;
}

const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

/** Decodes without allocating a Buffer per id: a timeline or tree decodes thousands of them. */
export function blobToId(blob: Uint8Array, offset = 0): string {
  const b = (i: number) => HEX[blob[offset + i]!]!;
  return (
    b(0) + b(1) + b(2) + b(3) + '-' + b(4) + b(5) + '-' + b(6) + b(7) + '-' + b(8) + b(9) + '-' +
    b(10) + b(11) + b(12) + b(13) + b(14) + b(15)
  );
}

export function idsToBlob(ids: readonly string[]): Buffer | null {
  return ids.length === 0 ? null : Buffer.concat(ids.map(idToBlob));
}


/** Where each of an id's 32 hex digits goes in its uuid form. */
const UUID_POSITIONS = Uint8Array.from({ length: 32 }, (_, digit) => digit + (digit >= 8 ? 1 : 0) + (digit >= 12 ? 1 : 0) + (digit >= 16 ? 1 : 0) + (digit >= 20 ? 1 : 0));
const uuidScratch = Buffer.alloc(36, '-');

/**
 * 32 hex digits from `offset`, to the uuid form in lower case (SQLite's hex() gives upper case; OR
 * 0x20 lower-cases A-F and leaves the digits as they are).
 * Written into one buffer and read out as one flat string: joining five slices made about 400 bytes
 * of short-lived strings per id, a third of the garbage of an agent's latest 100 events (and so of
 * the young-generation collections that set that read's p99), and a joined string is flattened
 * again when first hashed.
 */
export function hexToId(hex: string, offset = 0): string {
  // Too short to be an id (a damaged row `trace verify` names): shown as it is.
  if (hex.length < offset + 32) return hex.slice(offset);
  for (let digit = 0; digit < 32; digit++) uuidScratch[UUID_POSITIONS[digit]!] = hex.charCodeAt(offset + digit) | 0x20;
  return uuidScratch.toString('latin1', 0, 36);
}

/** Concatenated ids as hex ('' for none). */
export function hexToIds(hex: string): string[] {
  const ids: string[] = [];
  for (let offset = 0; offset + 32 <= hex.length; offset += 32) ids.push(hexToId(hex, offset));
  return ids;
}
