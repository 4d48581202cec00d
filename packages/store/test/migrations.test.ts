import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { TraceError } from '@tracekernel/schema';
import { LATEST_STORE_VERSION, SqliteTraceStore, openStore } from '@tracekernel/store';
import { minute, prepare, tempDir } from './temp-store.js';

/** Runs `open` and returns the TraceError it throws; fails the test when it does not throw one. */
function openError(open: () => unknown): TraceError {
  try {
    open();
  } catch (error) {
    expect(error).toBeInstanceOf(TraceError);
    return error as TraceError;
  }
  throw new Error('expected the open to throw');
}

function tableNames(path: string): string[] {
  const raw = new Database(path, { readonly: true });
  try {
    return raw.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all() as string[];
  } finally {
    raw.close();
  }
}

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = tempDir());
});
afterEach(() => cleanup());

describe('a new store', () => {
  it('write mode creates the file and its directories at the latest version, in WAL mode', async () => {
    const path = join(dir, 'nested', 'deeper', 'trace.db');
    const store = SqliteTraceStore.open({ path, mode: 'write' });
    expect(store.version).toBe(LATEST_STORE_VERSION);
    expect(store.location).toBe(path);
    await store.close();
    expect(existsSync(path)).toBe(true);
    const raw = new Database(path, { readonly: true });
    try {
      expect(raw.pragma('user_version', { simple: true })).toBe(LATEST_STORE_VERSION);
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(raw.prepare('SELECT key, value FROM trace_meta').all()).toEqual([{ key: 'format', value: 'tracekernel' }]);
    } finally {
      raw.close();
    }
  });

  it('reopening runs no migration twice and keeps the events', async () => {
    const path = join(dir, 'trace.db');
    const first = SqliteTraceStore.open({ path, mode: 'write' });
    const event = prepare({ primitive: 'spawn', type: 'wake', ts: minute(0), agent_id: 'a' });
    first.appendSync([event]);
    await first.close();
    for (const mode of ['write', 'read', 'write'] as const) {
      const store = SqliteTraceStore.open({ path, mode });
      expect(store.version).toBe(LATEST_STORE_VERSION);
      expect(await store.query({})).toEqual([event.event]);
      await store.close();
    }
    const raw = new Database(path, { readonly: true });
    try {
      expect(raw.prepare('SELECT count(*) FROM trace_meta').pluck().get()).toBe(1);
    } finally {
      raw.close();
    }
  });
});

describe('bad stores', () => {
  it('read mode on a missing file: E_NO_STORE, and no file is created', () => {
    const path = join(dir, 'missing.db');
    const error = openError(() => SqliteTraceStore.open({ path, mode: 'read' }));
    expect(error.code).toBe('E_NO_STORE');
    expect(error.message).toContain(path);
    expect(existsSync(path)).toBe(false);
  });

  it('the default mode is read', () => {
    const path = join(dir, 'missing.db');
    expect(openError(() => SqliteTraceStore.open({ path })).code).toBe('E_NO_STORE');
    expect(existsSync(path)).toBe(false);
  });

  it('a file of random bytes: E_CORRUPT_STORE in both modes, and the file is left as it was', () => {
    const path = join(dir, 'garbage.db');
    const bytes = randomBytes(8192);
    writeFileSync(path, bytes);
    for (const mode of ['read', 'write'] as const) {
      const error = openError(() => SqliteTraceStore.open({ path, mode }));
      expect(error.code).toBe('E_CORRUPT_STORE');
      expect(error.message).toContain(path);
    }
    expect(readFileSync(path).equals(bytes)).toBe(true);
  });

  it('another SQLite database: E_NOT_A_STORE in both modes, and no trace tables are added', () => {
    const path = join(dir, 'other.db');
    const raw = new Database(path);
    raw.exec("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO customers (name) VALUES ('ada')");
    raw.close();
    for (const mode of ['read', 'write'] as const) {
      const error = openError(() => SqliteTraceStore.open({ path, mode }));
      expect(error.code).toBe('E_NOT_A_STORE');
      expect(error.message).toContain(path);
    }
    expect(tableNames(path)).toEqual(['customers']);
    const check = new Database(path, { readonly: true });
    try {
      expect(check.prepare('SELECT name FROM customers').pluck().all()).toEqual(['ada']);
      expect(check.pragma('user_version', { simple: true })).toBe(0);
    } finally {
      check.close();
    }
  });

  it('a store from a newer version: write mode refuses and names the version, read mode opens', async () => {
    const path = join(dir, 'trace.db');
    const store = SqliteTraceStore.open({ path, mode: 'write' });
    const event = prepare({ primitive: 'spawn', type: 'wake', ts: minute(0), agent_id: 'a' });
    store.appendSync([event]);
    await store.close();
    const raw = new Database(path);
    raw.pragma('user_version = 99');
    raw.close();

    const error = openError(() => SqliteTraceStore.open({ path, mode: 'write' }));
    expect(error.code).toBe('E_STORE_VERSION');
    expect(error.message).toContain('99');

    const reader = SqliteTraceStore.open({ path, mode: 'read' });
    try {
      expect(reader.version).toBe(99);
      expect(await reader.query({})).toEqual([event.event]);
      expect((await reader.stats()).schemaVersion).toBe(99);
    } finally {
      await reader.close();
    }
    const check = new Database(path, { readonly: true });
    try {
      expect(check.pragma('user_version', { simple: true })).toBe(99);
      expect(check.prepare('SELECT count(*) FROM events').pluck().get()).toBe(1);
    } finally {
      check.close();
    }
  });

  it('openStore in read mode with nothing found: E_NO_STORE naming the directory', async () => {
    const error = await openStore({ mode: 'read', cwd: dir, env: {} }).then(() => undefined, (caught: unknown) => caught as TraceError);
    expect(error).toBeInstanceOf(TraceError);
    expect(error!.code).toBe('E_NO_STORE');
    expect(error!.message).toContain(dir);
    expect(existsSync(join(dir, '.trace'))).toBe(false);
  });

  it('openStore in write mode with nothing found creates ./.trace/trace.db', async () => {
    const store = await openStore({ mode: 'write', cwd: dir, env: {} });
    try {
      expect(store.location).toBe(join(dir, '.trace', 'trace.db'));
      expect(existsSync(join(dir, '.trace', 'trace.db'))).toBe(true);
    } finally {
      await store.close();
    }
    const reader = await openStore({ mode: 'read', cwd: dir, env: {} });
    expect(reader.location).toBe(join(dir, '.trace', 'trace.db'));
    await reader.close();
  });
});
