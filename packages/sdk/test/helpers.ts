import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteTraceStore } from '@tracekernel/store';

export function tempStorePath(): string {
  return join(mkdtempSync(join(tmpdir(), 'tracekernel-sdk-')), '.trace', 'trace.db');
}

export async function readAll(path: string) {
  const store = SqliteTraceStore.open({ path });
  try {
    return await store.query({});
  } finally {
    await store.close();
  }
}
