import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { LATEST_STORE_VERSION, SqliteTraceStore } from '@tracekernel/store';
import { minute, prepare, tempDir } from './temp-store.js';

/** Another process that holds the store's write lock (BEGIN IMMEDIATE) until `ms` or release(). */
async function holdLock(path: string, ms: number): Promise<{ child: ChildProcess; release: () => Promise<void> }> {
  const child = spawn(process.execPath, [new URL('./fixtures/hold-lock.mjs', import.meta.url).pathname, path, String(ms)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  const [first] = (await once(lines, 'line')) as [string];
  expect(first).toBe('locked');
  const exited = once(child, 'exit');
  child.stdin!.on('error', () => {}); // released by time: the child is gone
  return {
    child,
    release: async () => {
      if (child.exitCode === null) child.stdin!.write('release\n');
      await exited;
    },
  };
}

let dir: string;
let cleanup: () => void;
let path: string;
beforeEach(() => {
  ({ dir, cleanup } = tempDir());
  path = join(dir, 'trace.db');
});
afterEach(() => cleanup());

describe('a store locked by another process', () => {
  it('opens for writing without the lock; an append waits, then fails with E_STORE_LOCKED past its bound', async () => {
    (await SqliteTraceStore.open({ path, mode: 'write' }).close());
    const lock = await holdLock(path, 60_000);
    try {
      // Opening took a write lock before, and failed after one busy timeout.
      const store = SqliteTraceStore.open({ path, mode: 'write', busyTimeoutMs: 50, lockTimeoutMs: 300 });
      try {
        const event = prepare({ primitive: 'spawn', type: 'wake', ts: minute(0), agent_id: 'a' });
        let error: unknown;
        try {
          store.appendSync([event]);
        } catch (caught) {
          error = caught;
        }
        expect(error).toMatchObject({ name: 'TraceError', code: 'E_STORE_LOCKED' });
        expect((error as Error).message).toContain(path);
        expect((error as Error).message).toContain('locked by another process');
        await lock.release();
        expect(store.appendSync([event])).toEqual([{ id: event.event.id, inserted: true }]);
      } finally {
        store.closeSync();
      }
    } finally {
      await lock.release();
    }
  });

  it('an older store being migrated waits for the lock instead of failing', async () => {
    const v1 = new Database(path);
    v1.pragma('journal_mode = WAL');
    v1.exec(readFileSync(new URL('./fixtures/v1-schema.sql', import.meta.url), 'utf8'));
    v1.pragma('user_version = 1');
    v1.close();
    // Released by time: this thread is busy opening meanwhile. busyTimeoutMs 50 makes the open retry
    // many times, where it used to fail after the first busy timeout.
    const lock = await holdLock(path, 1000);
    try {
      const store = SqliteTraceStore.open({ path, mode: 'write', busyTimeoutMs: 50 });
      expect(store.version).toBe(LATEST_STORE_VERSION);
      store.closeSync();
    } finally {
      await lock.release();
    }
  });

  it('readers read while a writer holds the lock', async () => {
    const writer = SqliteTraceStore.open({ path, mode: 'write' });
    const event = prepare({ primitive: 'spawn', type: 'wake', ts: minute(0), agent_id: 'a' });
    writer.appendSync([event]);
    writer.closeSync();
    const lock = await holdLock(path, 60_000);
    try {
      const reader = SqliteTraceStore.open({ path, mode: 'read', busyTimeoutMs: 50 });
      expect(await reader.query({})).toEqual([event.event]);
      reader.closeSync();
    } finally {
      await lock.release();
    }
  });
});
