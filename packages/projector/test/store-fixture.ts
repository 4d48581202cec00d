import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { EventCatalog, type EventInput, type TraceEvent } from '@tracekernel/schema';
import { openStoreAt, type TraceStore } from '@tracekernel/store';

/** 2025-10-22 14:00:00 UTC, the design's story time. */
export const T0 = Date.UTC(2025, 9, 22, 14, 0, 0);
export const minute = (n: number) => T0 + n * 60_000;

/** Every dialect the projector's tests run on, as kysely's test-setup.ts lists its DIALECTS. */
export const DIALECTS = ['sqlite', 'postgres'] as const;
export type Dialect = (typeof DIALECTS)[number];

/** The server: trust auth, database `test` to connect to while creating this file's own database. */
const PG_SERVER = process.env.TRACE_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432';

export interface Fixture {
  dialect: Dialect;
  store: TraceStore;
  catalog: EventCatalog;
  /** Validates and appends one event, as the SDK would; returns the stored event. */
  emit(input: EventInput): Promise<TraceEvent>;
  cleanup(): Promise<void>;
}

async function admin(sql: string, database = 'test'): Promise<void> {
  const client = new pg.Client({ connectionString: `${PG_SERVER}/${database}` });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * Registers hooks that give this test file its own PostgreSQL database (created before its tests,
 * dropped after) and returns a factory of fresh stores: a temp-dir SQLite file, or a fresh schema
 * of that database (selected through the URL's search_path).
 */
export function fixtures(dialect: Dialect): () => Promise<Fixture> {
  const database = `tk_projector_${randomBytes(6).toString('hex')}`;
  let schemas = 0;
  if (dialect === 'postgres') {
    beforeAll(() => admin(`CREATE DATABASE ${database}`));
    afterAll(() => admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`));
  }
  return async () => {
    let location: string;
    let remove: () => void = () => {};
    if (dialect === 'sqlite') {
      const dir = mkdtempSync(join(tmpdir(), 'tracekernel-projector-'));
      location = join(dir, 'trace.db');
      remove = () => rmSync(dir, { recursive: true, force: true });
    } else {
      const schema = `s${++schemas}`;
      await admin(`CREATE SCHEMA ${schema}`, database);
      location = `${PG_SERVER}/${database}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
    }
    const store = await openStoreAt(location, { mode: 'write' });
    const catalog = new EventCatalog();
    return {
      dialect,
      store,
      catalog,
      async emit(input) {
        const prepared = catalog.prepare(input);
        const [result] = await store.append([prepared]);
        if (!result?.inserted) throw new Error(`fixture: event ${prepared.event.id} was not inserted`);
        return prepared.event;
      },
      async cleanup() {
        await store.close();
        remove();
      },
    };
  };
}

/** The payment-system story of the design, with real causes, plus unrelated noise. */
export async function paymentStory(f: Fixture) {
  const { emit } = f;
  const ask = await emit({ primitive: 'bridge', type: 'send', ts: minute(-5), agent_id: 'pm', target_id: 'payments', metadata: { content: 'we need payments' } });
  const wake = await emit({ primitive: 'spawn', type: 'wake', ts: minute(-2), agent_id: 'zealot-1', session_id: '42' });
  const notes = await emit({ primitive: 'memory', type: 'add_entry', ts: minute(-1), agent_id: 'zealot-1', target_id: 'arch-notes', parent_event_id: ask.id, metadata: { topic: 'payments', content: 'design payment flow' } });
  const create = await emit({ primitive: 'ops', type: 'create_task', ts: minute(0), agent_id: 'zealot-1', target_id: 'task-abc123', parent_event_id: notes.id, metadata: { title: 'Build payment system' } });
  const subs: TraceEvent[] = [];
  for (const n of [1, 2, 3]) {
    subs.push(await emit({
      primitive: 'ops', type: 'create_task', ts: minute(1), agent_id: 'zealot-1', target_id: `task-sub${n}`, parent_event_id: create.id,
      metadata: { title: `Part ${n}`, parent_task_id: 'task-abc123' },
    }));
  }
  const other = await emit({ primitive: 'ops', type: 'create_task', ts: minute(2), agent_id: 'zealot-1', target_id: 'task-other', metadata: { title: 'Unrelated' } });
  const claim1 = await emit({ primitive: 'ops', type: 'claim_task', ts: minute(5), agent_id: 'haiku-1', target_id: 'task-sub1', parent_event_id: subs[0]!.id });
  // A sub-subtask, linked only through parent_task_id (no causal parent).
  const subsub = await emit({ primitive: 'ops', type: 'create_task', ts: minute(6), agent_id: 'haiku-1', target_id: 'task-sub1a', metadata: { title: 'Stripe keys', parent_task_id: 'task-sub1' } });
  const lunch = await emit({ primitive: 'bridge', type: 'send', ts: minute(7), agent_id: 'haiku-9', target_id: 'payments', metadata: { content: 'lunch?' } });
  const blockedMsg = await emit({ primitive: 'bridge', type: 'send', ts: minute(10), agent_id: 'haiku-1', target_id: 'payments', parent_event_id: claim1.id, metadata: { content: 'Blocked on API key' } });
  const stripeNote = await emit({ primitive: 'memory', type: 'add_entry', ts: minute(12), agent_id: 'haiku-1', target_id: 'mem-7', parent_event_id: blockedMsg.id, metadata: { topic: 'stripe', content: 'stripe config issue' } });
  const block = await emit({ primitive: 'ops', type: 'block_task', ts: minute(15), agent_id: 'haiku-1', target_id: 'task-sub1', parent_event_id: blockedMsg.id, metadata: { reason: 'need API key' } });
  const answer = await emit({ primitive: 'bridge', type: 'send', ts: minute(20), agent_id: 'zealot-1', target_id: 'payments', parent_event_id: block.id, metadata: { content: 'API key in .env.example' } });
  // Fan-in: the retry answers the message and the block.
  const claim2 = await emit({ primitive: 'ops', type: 'claim_task', ts: minute(25), agent_id: 'haiku-1', target_id: 'task-sub1', parent_event_id: answer.id, causes: [block.id], metadata: { attempt: 2 } });
  const complete = await emit({ primitive: 'ops', type: 'complete_task', ts: minute(30), agent_id: 'haiku-1', target_id: 'task-sub1', parent_event_id: claim2.id });
  // Caused by a task event only through `causes`; its primary parent is outside the task.
  const discovery = await emit({ primitive: 'knowledge', type: 'add_discovery', ts: minute(35), agent_id: 'zealot-1', target_id: 'disc-1', parent_event_id: wake.id, causes: [complete.id], metadata: { domain: 'architecture' } });
  const wake2 = await emit({ primitive: 'spawn', type: 'wake', ts: minute(40), agent_id: 'zealot-1', session_id: '43' });
  return { ask, wake, notes, create, subs, other, claim1, subsub, lunch, blockedMsg, stripeNote, block, answer, claim2, complete, discovery, wake2 };
}

export type Story = Awaited<ReturnType<typeof paymentStory>>;
