/**
 * Ids are stored as 16-byte blobs: a text uuid costs 36 bytes in the row and again in every index.
 */
export function idToBlob(id: string): Buffer {
  return Buffer.from(id.slice(0, 8) + id.slice(9, 13) + id.slice(14, 18) + id.slice(19, 23) + id.slice(24), 'hex');
}

export function blobToId(blob: Uint8Array, offset = 0): string {
  const hex = Buffer.from(blob.buffer, blob.byteOffset + offset, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function idsToBlob(ids: readonly string[]): Buffer | null {
  return ids.length === 0 ? null : Buffer.concat(ids.map(idToBlob));
}

export function blobToIds(blob: Uint8Array | null): string[] {
  if (!blob) return [];
  const ids: string[] = [];
  for (let offset = 0; offset + 16 <= blob.length; offset += 16) ids.push(blobToId(blob, offset));
  return ids;
}
