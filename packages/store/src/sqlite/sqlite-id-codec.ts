/**
 * Ids are stored as 16-byte blobs: a text uuid costs 36 bytes in the row and again in every index.
 */
export function idToBlob(id: string): Buffer {
  return idIntoBlob(id, Buffer.allocUnsafe(16));
}

/**
 * Writes an id into a caller's buffer. better-sqlite3 copies a blob when it binds it, so the
 * append path reuses one buffer per parameter instead of allocating two per event.
 */
export function idIntoBlob(id: string, blob: Buffer): Buffer {
  blob.write(id.slice(0, 8), 0, 'hex');
  blob.write(id.slice(9, 13), 4, 'hex');
  blob.write(id.slice(14, 18), 6, 'hex');
  blob.write(id.slice(19, 23), 8, 'hex');
  blob.write(id.slice(24), 10, 'hex');
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
