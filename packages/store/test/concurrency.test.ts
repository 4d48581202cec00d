import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { LATEST_STORE_VERSION, openStoreAt } from '@tracekernel/store';
import { DIALECTS, dialectStores, type DialectStore } from './dialects.js';

const WRITER = fileURLToPath(new URL('./fixtures/append-writer.mjs', import.meta.url));
const WRITERS = 8;
const EVENTS_PER_WRITER = 5_000;
const BATCH = 1_000;

interface Writer {
  child: ChildProcess;
  ready: Promise<void>;
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

function startWriter(location: string, name: string): Writer {
  const child = spawn(process.execPath, [WRITER, location, name, String(EVENTS_PER_WRITER), String(BATCH)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let signalReady: () => void;
  const ready = new Promise<void>((resolve) => (signalReady = resolve));
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    if (stdout.startsWith('ready\n')) signalReady();
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    child.on('close', (code) => {
      signalReady(); // a writer that died before "ready" must not hang the test
      resolve({ code, stdout, stderr });
    });
  });
  return { child, ready, done };
}

/** Starts the writers, lets them open the store at the same moment, and returns what each stored. */
async function race(location: string, round: string): Promise<Array<{ writer: string; ids: string[] }>> {
  const writers = Array.from({ length: WRITERS }, (_, i) => startWriter(location, `${round}-writer-${i}`));
  await Promise.all(writers.map((writer) => writer.ready));
  for (const writer of writers) writer.child.stdin!.end('go\n');
  const outcomes = await Promise.all(writers.map((writer) => writer.done));
  for (const outcome of outcomes) {
    expect(outcome.stderr).toBe('');
    expect(outcome.code).toBe(0);
  }
  return outcomes.map((outcome) => JSON.parse(outcome.stdout.slice('ready\n'.length)) as { writer: string; ids: string[] });
}

describe.each(DIALECTS)('%s: many processes on one store', (dialect) => {
  const stores = dialectStores(dialect);
  let t: DialectStore;
  let location: string;
  beforeAll(async () => {
    // The store's location, with nothing in it yet: the writers race to create it.
    t = await stores.fresh();
    await t.store.close();
    location = dialect === 'sqlite' ? t.location.replace(/trace\.db$/, 'cold/.trace/trace.db') : t.location.replace(/search_path%3Ds(\d+)/, 'search_path%3Dpublic');
  });
  afterAll(async () => {
    t.store = await openStoreAt(t.location, { mode: 'read' });
    await t.cleanup();
  });

  async function check(expectedTotal: number, reported: Array<{ writer: string; ids: string[] }>): Promise<void> {
    const ids = reported.flatMap((report) => report.ids);
    expect(ids).toHaveLength(WRITERS * EVENTS_PER_WRITER);
    expect(new Set(ids).size).toBe(ids.length);
    const store = await openStoreAt(location, { mode: 'read' });
    try {
      const stats = await store.stats();
      expect(stats.events).toBe(expectedTotal);
      expect((await store.get(ids)).length).toBe(ids.length);
      for (const report of reported.slice(0, 2)) {
        expect((await store.query({ agent: report.writer })).map((event) => event.id).sort()).toEqual([...report.ids].sort());
      }
      for (const report of reported) expect(stats.byAgent).toContainEqual({ agent: report.writer, count: EVENTS_PER_WRITER });
      // Every event once in the commit order too.
      let cursor: string | null = null;
      const seen = new Set<string>();
      for (;;) {
        const batch = await store.changes({}, { after: cursor, limit: 10_000 });
        for (const event of batch.events) seen.add(event.id);
        if (batch.events.length === 0) break;
        cursor = batch.cursor;
      }
      expect(seen.size).toBe(expectedTotal);
    } finally {
      await store.close();
    }
  }

  it(`${WRITERS} × ${EVENTS_PER_WRITER} events into a new store: nothing lost, no duplicates, no errors`, async () => {
    await check(WRITERS * EVENTS_PER_WRITER, await race(location, 'cold'));
    if (dialect === 'sqlite') {
      const raw = new Database(location, { readonly: true });
      try {
        expect(raw.pragma('user_version', { simple: true })).toBe(LATEST_STORE_VERSION);
        expect(raw.prepare('SELECT count(*) FROM trace_meta').pluck().get()).toBe(1);
        // Shared names and kinds were each added once, whoever raced to add them.
        expect(raw.prepare('SELECT count(*) FROM kinds').pluck().get()).toBe(4);
        expect(raw.prepare("SELECT count(*) FROM names WHERE name = 'shared-channel'").pluck().get()).toBe(1);
      } finally {
        raw.close();
      }
    }
  });

  it(`${WRITERS} × ${EVENTS_PER_WRITER} more into the same, warm store`, async () => {
    await check(2 * WRITERS * EVENTS_PER_WRITER, await race(location, 'warm'));
  });
});
