import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { STORE_DIR, STORE_FILE, locateStore, storePathForWriting } from '@tracekernel/store';
import { tempDir } from './temp-store.js';

/** Creates an (empty) `.trace/trace.db` under `root`; locating only checks that it exists. */
function makeStore(root: string): string {
  mkdirSync(join(root, STORE_DIR), { recursive: true });
  const path = join(root, STORE_DIR, STORE_FILE);
  writeFileSync(path, '');
  return path;
}

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = tempDir('tracekernel-locate-'));
});
afterEach(() => cleanup());

describe('locateStore', () => {
  it('uses the .trace/trace.db names', () => {
    expect(STORE_DIR).toBe('.trace');
    expect(STORE_FILE).toBe('trace.db');
  });

  it('--db wins over TRACE_DB and over a nearby store, resolved against cwd', () => {
    makeStore(dir);
    expect(locateStore({ db: 'explicit.db', cwd: dir, env: { TRACE_DB: '/elsewhere/env.db' } })).toBe(join(dir, 'explicit.db'));
    expect(locateStore({ db: '/abs/x.db', cwd: dir, env: {} })).toBe('/abs/x.db');
  });

  it('TRACE_DB comes next, before a nearby store', () => {
    makeStore(dir);
    expect(locateStore({ cwd: dir, env: { TRACE_DB: 'from-env.db' } })).toBe(join(dir, 'from-env.db'));
    expect(locateStore({ db: undefined, cwd: dir, env: { TRACE_DB: '/abs/env.db' } })).toBe('/abs/env.db');
  });

  it('finds the nearest .trace/trace.db walking up from a nested directory', () => {
    const outer = makeStore(dir);
    const project = join(dir, 'project');
    const inner = makeStore(project);
    const nested = join(project, 'src', 'deep', 'er');
    mkdirSync(nested, { recursive: true });
    expect(locateStore({ cwd: nested, env: {} })).toBe(inner);
    expect(locateStore({ cwd: project, env: {} })).toBe(inner);
    expect(locateStore({ cwd: join(dir, 'project', '..'), env: {} })).toBe(outer);
    // A .trace directory without trace.db in it does not count.
    mkdirSync(join(project, 'src', STORE_DIR));
    expect(locateStore({ cwd: nested, env: {} })).toBe(inner);
  });

  it('returns null when there is no store', () => {
    const nested = join(dir, 'a', 'b');
    mkdirSync(nested, { recursive: true });
    expect(locateStore({ cwd: nested, env: {} })).toBeNull();
    expect(locateStore({ cwd: nested, env: { TRACE_DB: '' } })).toBeNull();
  });
});

describe('storePathForWriting', () => {
  it('defaults to cwd/.trace/trace.db when no store is found', () => {
    const nested = join(dir, 'a', 'b');
    mkdirSync(nested, { recursive: true });
    expect(storePathForWriting({ cwd: nested, env: {} })).toBe(join(nested, '.trace', 'trace.db'));
  });

  it('writes to the located store when there is one', () => {
    const store = makeStore(dir);
    const nested = join(dir, 'a', 'b');
    mkdirSync(nested, { recursive: true });
    expect(storePathForWriting({ cwd: nested, env: {} })).toBe(store);
    expect(storePathForWriting({ cwd: nested, env: { TRACE_DB: 'env.db' } })).toBe(join(nested, 'env.db'));
    expect(storePathForWriting({ db: 'flag.db', cwd: nested, env: { TRACE_DB: 'env.db' } })).toBe(join(nested, 'flag.db'));
  });
});
