import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventCatalog, type TraceEvent } from '@tracekernel/schema';
import { openStoreAt, type TraceStore } from '@tracekernel/store';
import { subscribe, type Subscription } from '@tracekernel/sdk';

// subscribe() for a process that did not emit the events, on both dialects, over real stores.

const PG_SERVER = process.env.TRACE_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432';
const database = `tk_sub_${randomBytes(5).toString('hex')}`;
const catalog = new EventCatalog();
const dirs: string[] = [];

async function admin(sqlText: string, db = 'test'): Promise<void> {
  const client = new pg.Client({ connectionString: `${PG_SERVER}/${db}` });
  await client.connect();
  try {
    await client.query(sqlText);
  } finally {
    await client.end();
  }
}

beforeAll(() => admin(`CREATE DATABASE ${database}`));
afterAll(async () => {
  await admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

let schemas = 0;
async function freshLocation(dialect: 'sqlite' | 'postgres'): Promise<string> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'tk-subscribe-'));
    dirs.push(dir);
    return join(dir, 'trace.db');
  }
  const schema = `s${++schemas}`;
  await admin(`CREATE SCHEMA ${schema}`, database);
  return `${PG_SERVER}/${database}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
}

const wake = (agent: string, n: number) => catalog.prepare({ primitive: 'spawn', type: 'wake', agent_id: agent, metadata: { n } });

/** Resolves once `predicate` holds, checking after every delivery. */
function collector() {
  const events: TraceEvent[] = [];
  const cursors: string[] = [];
  let wake: () => void = () => {};
  return {
    events,
    cursors,
    handler(event: TraceEvent, cursor: string) {
      events.push(event);
      cursors.push(cursor);
      wake();
    },
    async until(predicate: () => boolean): Promise<void> {
      while (!predicate()) await new Promise<void>((resolve) => (wake = resolve));
    },
  };
}

describe.each(['sqlite', 'postgres'] as const)('subscribe on %s', (dialect) => {
  it('delivers every event once in commit order, live, and resumes after a saved cursor', async () => {
    const location = await freshLocation(dialect);
    const writer = await openStoreAt(location, { mode: 'write' });
    const early = [wake('w', 0), wake('other', 1), wake('w', 2)];
    await writer.append(early);

    const seen = collector();
    const sub = subscribe({ agent: 'w' }, (event, cursor) => seen.handler(event, cursor), { db: location, pollMs: 20 });
    await seen.until(() => seen.events.length === 2);
    const later = Array.from({ length: 30 }, (_, i) => wake(i % 3 === 0 ? 'other' : 'w', 10 + i));
    for (let i = 0; i < later.length; i += 10) await writer.append(later.slice(i, i + 10));
    const expected = [...early, ...later].filter((p) => p.event.agent_id === 'w').map((p) => p.event.id);
    await seen.until(() => seen.events.length >= expected.length);
    await sub.close();
    await sub.done;
    expect(seen.events.map((event) => event.id)).toEqual(expected);

    // Resume after the 5th delivery: exactly the rest, nothing twice.
    const resumed = collector();
    const again = subscribe({ agent: 'w' }, (event, cursor) => resumed.handler(event, cursor), { db: location, from: seen.cursors[4]!, pollMs: 20 });
    await resumed.until(() => resumed.events.length >= expected.length - 5);
    const extra = wake('w', 99);
    await writer.append([extra]);
    await resumed.until(() => resumed.events.length >= expected.length - 4);
    await again.close();
    expect(resumed.events.map((event) => event.id)).toEqual([...expected.slice(5), extra.event.id]);

    // from 'now' skips what is already there.
    const fresh = collector();
    const now = subscribe({}, (event, cursor) => fresh.handler(event, cursor), { db: location, from: 'now', pollMs: 20 });
    // Let it take its starting point before the next event is written.
    await waitForHead(now);
    const last = wake('x', 100);
    await writer.append([last]);
    await fresh.until(() => fresh.events.length >= 1);
    await now.close();
    expect(fresh.events.map((event) => event.id)).toEqual([last.event.id]);
    await writer.close();
  });

  it('ends with the handler\'s error, and the failed event is not counted as handled', async () => {
    const location = await freshLocation(dialect);
    const writer = await openStoreAt(location, { mode: 'write' });
    const batch = [wake('a', 1), wake('a', 2), wake('a', 3)];
    await writer.append(batch);
    const handled: string[] = [];
    const sub = subscribe({}, (event) => {
      if (event.id === batch[1]!.event.id) throw new Error('handler failed');
      handled.push(event.id);
    }, { store: writer, pollMs: 20 });
    await expect(sub.done).rejects.toThrow('handler failed');
    expect(handled).toEqual([batch[0]!.event.id]);
    const rest: string[] = [];
    const resumed = subscribe({}, (event) => void rest.push(event.id), { store: writer, from: sub.cursor, pollMs: 20 });
    while (rest.length < 2) await new Promise((resolve) => setTimeout(resolve, 10));
    await resumed.close();
    expect(rest).toEqual([batch[1]!.event.id, batch[2]!.event.id]);
    await writer.close();
  });
});

/** A subscription from 'now' has its head once its cursor is set (a store that is not empty). */
async function waitForHead(sub: Subscription): Promise<void> {
  while (sub.cursor === null) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe('subscribe on postgres, with a transaction that commits late', () => {
  it('delivers the event of a transaction that was still open while later ones committed', async () => {
    const location = await freshLocation('postgres');
    const writer = await openStoreAt(location, { mode: 'write' });
    await writer.append([wake('w', 0)]);

    // A store that counts its polls, so the test knows the subscriber read while the transaction was open.
    const reader = await openStoreAt(location, { mode: 'read' });
    let polls = 0;
    const counting: TraceStore = Object.assign(Object.create(reader) as TraceStore, {
      changes: (...args: Parameters<TraceStore['changes']>) => {
        polls++;
        return reader.changes(...args);
      },
    });
    counting.follow = (query, options) => reader.follow.call(counting, query, options);

    const seen = collector();
    const sub = subscribe({}, (event, cursor) => seen.handler(event, cursor), { store: counting, pollMs: 10 });
    await seen.until(() => seen.events.length === 1);

    // Open a transaction that inserts an event (so it holds a transaction id and a seq), then let
    // later appends commit before it.
    const held = new pg.Client({ connectionString: location });
    await held.connect();
    const late = wake('late', 1).event;
    await held.query('BEGIN');
    await held.query(
      `INSERT INTO events (id, ts, primitive, type, agent, schema_version, metadata) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [late.id, late.ts, late.primitive, late.type, late.agent_id, late.schema_version, JSON.stringify(late.metadata)],
    );
    const after = [wake('w', 2), wake('w', 3)];
    await writer.append([after[0]!]);
    await writer.append([after[1]!]);
    const before = polls;
    while (polls < before + 5) await new Promise((resolve) => setTimeout(resolve, 10));
    await held.query('COMMIT');
    await held.end();

    await seen.until(() => seen.events.length >= 4);
    await sub.close();
    await reader.close();
    await writer.close();
    const ids = seen.events.map((event) => event.id);
    expect(ids).toContain(late.id);
    expect(new Set(ids).size).toBe(ids.length);
    // Commit order is transaction order: the late transaction began first.
    expect(ids.slice(1)).toEqual([late.id, after[0]!.event.id, after[1]!.event.id]);
  });
});
