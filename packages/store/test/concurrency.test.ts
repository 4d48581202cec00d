import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { LATEST_STORE_VERSION, SqliteTraceStore } from '@tracekernel/store';
import { tempDir } from './temp-store.js';

const WRITER = fileURLToPath(new URL('./fixtures/append-writer.mjs', import.meta.url));
const WRITERS = 6;
const EVENTS_PER_WRITER = 200;
const BATCH = 25;

interface Writer {
  child: ChildProcess;
  ready: Promise<void>;
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

function startWriter(path: string, name: string): Writer {
  const child = spawn(process.execPath, [WRITER, path, name, String(EVENTS_PER_WRITER), String(BATCH)], {
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

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = tempDir('tracekernel-concurrency-'));
});
afterEach(() => cleanup());

describe('several processes on one new store', () => {
  it(`${WRITERS} writers open the same new store at once and all their events are stored`, async () => {
    const path = join(dir, '.trace', 'trace.db');
    expect(existsSync(path)).toBe(false);
    const writers = Array.from({ length: WRITERS }, (_, i) => startWriter(path, `writer-${i}`));
    await Promise.all(writers.map((writer) => writer.ready));
    for (const writer of writers) writer.child.stdin!.end('go\n');
    const outcomes = await Promise.all(writers.map((writer) => writer.done));

    for (const outcome of outcomes) {
      expect(outcome.stderr).toBe('');
      expect(outcome.code).toBe(0);
    }
    const reported = outcomes.map((outcome) => JSON.parse(outcome.stdout.slice('ready\n'.length)) as { writer: string; ids: string[] });
    const expectedIds = reported.flatMap((report) => report.ids);
    expect(expectedIds).toHaveLength(WRITERS * EVENTS_PER_WRITER);
    expect(new Set(expectedIds).size).toBe(WRITERS * EVENTS_PER_WRITER);

    const store = SqliteTraceStore.open({ path, mode: 'read' });
    try {
      const events = await store.query({});
      expect(events).toHaveLength(WRITERS * EVENTS_PER_WRITER);
      expect(new Set(events.map((event) => event.id))).toEqual(new Set(expectedIds));
      const stats = await store.stats();
      expect(stats.events).toBe(WRITERS * EVENTS_PER_WRITER);
      expect(stats.byAgent).toHaveLength(WRITERS);
      for (const { count } of stats.byAgent) expect(count).toBe(EVENTS_PER_WRITER);
      for (const report of reported) {
        expect((await store.query({ agent: report.writer })).map((event) => event.id).sort()).toEqual([...report.ids].sort());
      }
      expect(await store.query({ targets: ['shared-channel'] })).toHaveLength((WRITERS * EVENTS_PER_WRITER) / 4);
    } finally {
      await store.close();
    }

    const raw = new Database(path, { readonly: true });
    try {
      expect(raw.pragma('user_version', { simple: true })).toBe(LATEST_STORE_VERSION);
      expect(raw.prepare('SELECT count(*) FROM trace_meta').pluck().get()).toBe(1);
      // Shared names and kinds were each added once, whoever raced to add them.
      expect(raw.prepare('SELECT count(*) FROM kinds').pluck().get()).toBe(4);
      expect(raw.prepare("SELECT count(*) FROM names WHERE name = 'shared-channel'").pluck().get()).toBe(1);
      expect(raw.prepare('SELECT count(*) FROM names').pluck().get()).toBe(WRITERS * 2 + 7 + 1);
    } finally {
      raw.close();
    }
  });
});
