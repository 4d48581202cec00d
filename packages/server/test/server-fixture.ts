import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { openStoreAt, type TraceStore } from '@tracekernel/store';
import { startServer, type RunningServer, type ServerOptions } from '@tracekernel/server';

/** Every dialect the server's tests run on. */
export const DIALECTS = ['sqlite', 'postgres'] as const;
export type Dialect = (typeof DIALECTS)[number];

const PG_SERVER = process.env.TRACE_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432';

async function admin(sql: string, database = 'test'): Promise<void> {
  const client = new pg.Client({ connectionString: `${PG_SERVER}/${database}` });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export interface Served {
  store: TraceStore;
  server: RunningServer;
  dir: string;
  /** fetch() against the server; `path` starts with /. */
  request(path: string, init?: RequestInit): Promise<Response>;
  /** A JSON request that must answer `status`; returns the parsed body. */
  json<T = any>(path: string, init?: RequestInit & { status?: number }): Promise<T>;
  /** POSTs events (a JSON array) and returns the stored ids. */
  post(events: unknown[], init?: RequestInit): Promise<string[]>;
  close(): Promise<void>;
}

/**
 * Registers hooks that give the file its own PostgreSQL database, and returns a factory of
 * servers, each over a fresh store (a temp-dir SQLite file or a fresh schema), listening on a free
 * loopback port.
 */
export function servers(dialect: Dialect): (options?: Partial<ServerOptions>) => Promise<Served> {
  const database = `tk_server_${randomBytes(6).toString('hex')}`;
  let schemas = 0;
  if (dialect === 'postgres') {
    beforeAll(() => admin(`CREATE DATABASE ${database}`));
    afterAll(() => admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`));
  }
  return async (options = {}) => {
    const dir = mkdtempSync(join(tmpdir(), 'tracekernel-server-'));
    let location = join(dir, 'trace.db');
    if (dialect === 'postgres') {
      const schema = `s${++schemas}`;
      await admin(`CREATE SCHEMA ${schema}`, database);
      location = `${PG_SERVER}/${database}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
    }
    const store = await openStoreAt(location, { mode: 'write' });
    const server = await startServer({ store, port: 0, pollMs: 20, ...options });
    const base = server.url.replace(/\/$/, '');
    const served: Served = {
      store,
      server,
      dir,
      request: (path, init) => fetch(`${base}${path}`, init),
      async json(path, init = {}) {
        const response = await fetch(`${base}${path}`, init);
        const text = await response.text();
        const expected = init.status ?? 200;
        if (response.status !== expected) throw new Error(`${init.method ?? 'GET'} ${path}: expected ${expected}, got ${response.status}: ${text}`);
        return JSON.parse(text);
      },
      async post(events, init = {}) {
        const headers = { 'content-type': 'application/json', ...(init.headers as Record<string, string> | undefined) };
        const body = await served.json<{ ids: string[] }>('/v1/events', { ...init, method: 'POST', headers, body: JSON.stringify(events) });
        return body.ids;
      },
      async close() {
        await server.close();
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
    return served;
  };
}

/** 2025-10-22 14:00:00 UTC. */
export const T0 = Date.UTC(2025, 9, 22, 14, 0, 0);
export const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

const runner = { name: 'nightly', version: '1.0.0', pid: null, host: 'ci-1' };

/** A task with subtasks, a block, a fan-in retry and a failed run, posted over HTTP the way an agent in another language would. */
export async function postStory(served: Served) {
  const [create] = await served.post([{ primitive: 'ops', type: 'create_task', ts: at(0), agent_id: 'zealot-1', target_id: 'task-pay', session_id: 's-1', metadata: { title: 'Build payment system' } }]);
  const [sub, claim1] = await served.post([
    { primitive: 'ops', type: 'create_task', ts: at(1), agent_id: 'zealot-1', target_id: 'task-sub1', parent_event_id: create, metadata: { title: 'Stripe', parent_task_id: 'task-pay' } },
    { primitive: 'ops', type: 'claim_task', ts: at(2), agent_id: 'haiku-1', target_id: 'task-pay', parent_event_id: create },
  ]);
  const [message] = await served.post([{ primitive: 'bridge', type: 'send', ts: at(3), agent_id: 'haiku-1', target_id: 'payments', parent_event_id: claim1, metadata: { content: 'Blocked on API key' } }]);
  const [block] = await served.post([{ primitive: 'ops', type: 'block_task', ts: at(4), agent_id: 'haiku-1', target_id: 'task-pay', parent_event_id: message, metadata: { reason: 'need API key' } }]);
  const [answer] = await served.post([{ primitive: 'bridge', type: 'send', ts: at(5), agent_id: 'zealot-1', target_id: 'payments', parent_event_id: block, metadata: { content: 'in .env.example' } }]);
  const [claim2] = await served.post([{ primitive: 'ops', type: 'claim_task', ts: at(6), agent_id: 'haiku-1', target_id: 'task-pay', parent_event_id: answer, causes: [block], metadata: { attempt: 2 } }]);
  const [complete] = await served.post([{ primitive: 'ops', type: 'complete_task', ts: at(9), agent_id: 'haiku-1', target_id: 'task-pay', parent_event_id: claim2 }]);
  const [runStart] = await served.post([{
    primitive: 'run', type: 'start', ts: at(10), agent_id: 'cron', target_id: 'nightly-backup', idempotency_key: 'run:backup-1',
    metadata: { schema_version: 1, task_id: 'nightly-backup', idempotency_key: 'backup-1', runner, trigger: 'scheduled' },
  }]);
  const [runEnd] = await served.post([{
    primitive: 'run', type: 'end', ts: at(12), agent_id: 'cron', target_id: 'nightly-backup', parent_event_id: runStart,
    metadata: { schema_version: 1, span_id: runStart, status: 'failed', duration_ms: 120_000, error: { type: 'IOError', message: 'disk full' } },
  }]);
  return { create: create!, sub: sub!, claim1: claim1!, message: message!, block: block!, answer: answer!, claim2: claim2!, complete: complete!, runStart: runStart!, runEnd: runEnd! };
}
