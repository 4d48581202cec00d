import { cpSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { causality, timeline, type CausalityNode } from '@tracekernel/projector';
import { EventCatalog, eventIdAt, type TraceEvent } from '@tracekernel/schema';
import { openStoreAt, type TraceStore } from '@tracekernel/store';
import { exportIncident, exportNdjson, importNdjson, importSpace, inferStore, openSpaceStore, type SpaceImportReport } from '@tracekernel/import';
import { DIALECTS, dialectStores, tempDir } from './dialect-stores.js';
import { materializeSpaceSample } from '../../../test/fixtures/space-os-sample/materialize.js';

/** The developers' sample, copied into the repository; its README documents every count checked here. */
const sample = materializeSpaceSample();
const SAMPLE = sample.space;
afterAll(() => rmSync(sample.root, { recursive: true, force: true }));

/** bridge.db and friends, as README.md's "Counts" table gives them. */
const README_ROWS: Record<string, number> = {
  'events.db:events': 1212, 'bridge.db:messages': 202, 'bridge.db:channels': 5, 'bridge.db:bookmarks': 15, 'bridge.db:notes': 2,
  'spawn.db:agents': 7, 'spawn.db:constitutions': 3, 'spawn.db:tasks': 4, 'memory.db:memories': 8, 'memory.db:memory_links': 2,
  'knowledge.db:knowledge': 6,
};
const MESSAGES_PER_CHANNEL = { design: 92, infra: 61, general: 22, payments: 21, standup: 6 };
const MESSAGES_PER_AGENT = { 'harbinger-1': 52, 'kitsuragi-4': 46, human: 41, 'hailot-2': 30, 'zealot-3': 27, system: 4, zealot: 1, kitsuragi: 1 };
const MEMORIES_PER_AGENT = { 'harbinger-1': 1, 'kitsuragi-4': 1, 'hailot-2': 3, 'zealot-3': 3 };
const KNOWLEDGE_PER_AGENT = { 'harbinger-1': 2, 'kitsuragi-4': 1, 'hailot-2': 1, 'zealot-3': 2 };

const iso = (event: TraceEvent) => new Date(event.ts).toISOString();
const source = (event: TraceEvent) => event.metadata.source as { system: string; file: string; table: string; key: string; merged?: Array<{ table: string; key: string }> };
const sends = (events: readonly TraceEvent[], start: string) =>
  events.find((event) => event.primitive === 'bridge' && event.type === 'send' && String(event.metadata.content).startsWith(start));
const walk = (node: CausalityNode): CausalityNode[] => [node, ...node.children.flatMap(walk)];

describe.each(DIALECTS)('importing the space-os sample into %s', (dialect) => {
  const stores = dialectStores(dialect);
  let store: TraceStore;
  let report: SpaceImportReport;
  let events: TraceEvent[];
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ store, cleanup } = await stores.fresh());
    report = await importSpace(store, SAMPLE);
    events = await store.query({});
  });
  afterAll(() => cleanup());

  it('maps every row of every table the README counts, and no row twice', () => {
    for (const [table, rows] of Object.entries(README_ROWS)) expect(report.summary.tables[table], table).toEqual({ added: rows, duplicates: 0, invalid: 0 });
    expect(report.summary).toMatchObject({ source: 'space-os', added: events.length, duplicates: 0, invalid: 0 });
    expect(report.missingFiles).toEqual(['sessions.db']);
    // Each events.db row is in exactly one event: on its own, or merged into the row that records the same fact.
    const eventRows = events.flatMap((event) => [source(event), ...(source(event).merged ?? [])].filter((ref) => ref.table === 'events').map((ref) => ref.key));
    expect(eventRows.length).toBe(1212);
    expect(new Set(eventRows).size).toBe(1212);
    // A message and its bridge.message_sending/message_sent events are one bridge.send.
    expect(events.filter((event) => event.type === 'send').length).toBe(202);
    expect(events.some((event) => event.primitive === 'space' && /message_sen/.test(event.type))).toBe(false);
    for (const event of events) expect(source(event), event.id).toMatchObject({ system: 'space-os', file: expect.any(String), table: expect.any(String), key: expect.any(String) });
  });

  it('counts per channel and per agent as the README does, under one name per agent', async () => {
    for (const [channel, n] of Object.entries(MESSAGES_PER_CHANNEL)) {
      expect((await store.query({ targets: [channel], kinds: ['bridge.send'] })).length, channel).toBe(n);
    }
    for (const [agent, n] of Object.entries(MESSAGES_PER_AGENT)) expect((await store.query({ agent, kinds: ['bridge.send'] })).length, agent).toBe(n);
    for (const [agent, n] of Object.entries(MEMORIES_PER_AGENT)) expect((await store.query({ agent, kinds: ['memory.add_entry'] })).length, agent).toBe(n);
    for (const [agent, n] of Object.entries(KNOWLEDGE_PER_AGENT)) expect((await store.query({ agent, kinds: ['knowledge.add_discovery'] })).length, agent).toBe(n);
    // No agent is known by its uuid: bookmarks keyed by uuid resolve to the same reader as those keyed by name.
    expect(events.some((event) => event.agent_id !== null && /^[0-9a-f]{8}-/.test(event.agent_id))).toBe(false);
    const bookmarks = events.filter((event) => event.metadata.bookmark === true);
    expect(bookmarks.filter((event) => event.agent_id === 'hailot-2' && event.target_id === 'payments').length).toBe(2);
    expect(report.summary.unresolved_agents).toEqual(['harbinger', 'system']);
    expect((await store.query({ agent: 'system' })).length).toBe(4);
  });

  it('normalises every time format to UTC, across both midnights, with the inferred zone', async () => {
    expect(report.summary.timezone).toEqual({ offset_minutes: -240, zone: null, from: 'inferred' });
    expect(iso(events[0]!).slice(0, 19)).toBe('2025-10-23T18:10:22');
    expect(iso(events.at(-1)!).slice(0, 19)).toBe('2025-10-24T03:15:00');
    // UTC text + the uuid7's milliseconds.
    const blocked = sends(events, 'Blocked on subtask 2')!;
    expect(iso(blocked).slice(0, 19)).toBe('2025-10-23T19:47:50');
    expect(blocked.ts).toBe(parseInt('019a129d0178', 16));
    // agents.created_at: UTC text for kitsuragi-4, local ISO for zealot-3.
    const spawned = (name: string) => events.find((event) => event.type === 'spawn' && event.target_id === name)!;
    expect(iso(spawned('kitsuragi-4')).slice(0, 19)).toBe('2025-10-23T18:11:42');
    expect(iso(spawned('zealot-3'))).toBe('2025-10-23T18:13:06.279Z');
    // tasks.completed_at is local: 21:50:05 EDT on the 23rd is 01:50:05 UTC on the 24th.
    const harbinger = events.find((event) => event.type === 'complete_task' && event.agent_id === 'harbinger')!;
    expect(iso(harbinger)).toBe('2025-10-24T01:50:05.138Z');
    // memories.created_at is epoch; the edit's local minute stays in metadata.
    const blocker = events.find((event) => event.type === 'add_entry' && event.metadata.topic === 'blockers')!;
    expect(iso(blocker).slice(0, 19)).toBe('2025-10-23T19:49:00');

    const zealot = await timeline(store, { agent: 'zealot-3' });
    const times = zealot.entries.map((entry) => entry.event.ts);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    const done = zealot.entries.findIndex((entry) => String(entry.event.metadata.content).startsWith('All four subtasks are complete'));
    expect(iso(zealot.entries[done]!.event).slice(0, 19)).toBe('2025-10-24T00:11:30');
    // UTC midnight falls at 20:00 EDT, mid-run: one agent's evening spans two UTC dates, in order.
    expect([...new Set(zealot.entries.map((entry) => iso(entry.event).slice(0, 10)))]).toEqual(['2025-10-23', '2025-10-24']);
    const payments = await timeline(store, { channel: 'payments' });
    expect(payments.entries[0]!.event.type).toBe('create_channel');
    expect(iso(payments.entries[0]!.event).slice(0, 19)).toBe('2025-10-23T18:14:31');
    expect(payments.entries.map((entry) => iso(entry.event).slice(0, 10))).toContain('2025-10-24');
  });

  it('tells the payment story with inferred causes: blocked, answered, unblocked', async () => {
    const blocked = sends(events, 'Blocked on subtask 2')!;
    const tree = await causality(store, blocked.id);
    const nodes = walk(tree.root);
    const answer = nodes.find((node) => String(node.event.metadata.content).startsWith('Sandbox credentials are in the shared password manager'))!;
    expect(answer.event.agent_id).toBe('zealot-3');
    expect(answer.inferred).toEqual({ rule: 'read-before-act', confidence: 0.7 });
    expect(nodes.find((node) => node.event.id === blocked.id)!.children).toContain(answer);
    const unblocked = answer.children.find((node) => String(node.event.metadata.content).startsWith('Unblocked'));
    expect(unblocked?.event.agent_id).toBe('hailot-2');
    // Declared causes only: space-os recorded none.
    const declared = await causality(store, blocked.id, undefined, { inferred: false });
    expect(declared.root.event.id).toBe(blocked.id);
    expect(declared.root.children).toEqual([]);
    // The @zealot mention starts a task whose output is the plan message.
    const mention = sends(events, '@zealot Build payment system')!;
    const task = walk((await causality(store, mention.id)).root);
    const created = task.find((node) => node.event.type === 'create_task')!;
    expect(created.inferred?.rule).toBe('mention');
    const plan = task.find((node) => String(node.event.metadata.content).startsWith('Plan for Build payment system'))!;
    expect(plan.inferred?.rule).toBe('task-output');
    expect(task.find((node) => node.event.id === plan.event.id)).toBeDefined();
    // A task typed directly (`spawn harbinger "…"`) has no known creator: its line says so, never a dangling "by".
    const typed = events.find((event) => event.type === 'create_task' && event.metadata.role === 'harbinger')!;
    expect(typed.agent_id).toBeNull();
    expect(new EventCatalog().describe(typed)).toBe(`${typed.target_id} (${String(typed.metadata.title)}) created by (no agent)`);
  });

  it('adds nothing on a second import', async () => {
    const again = await importSpace(store, SAMPLE);
    expect(again.summary).toMatchObject({ added: 0, duplicates: events.length, invalid: 0 });
    expect(again.inferred).toBe(0);
    for (const [table, rows] of Object.entries(README_ROWS)) expect(again.summary.tables[table]).toEqual({ added: 0, duplicates: rows, invalid: 0 });
    expect((await store.stats()).events).toBe(events.length);
  });

  it('round-trips through NDJSON byte for byte, and adds nothing when read back', async () => {
    let first = '';
    await exportNdjson(store, {}, (line) => void (first += line));
    expect(first.split('\n').length - 1).toBe(events.length);
    const target = await stores.fresh();
    try {
      const read = await importNdjson(target.store, first.split('\n'));
      expect(read).toEqual({ added: events.length, duplicates: 0, invalid: 0, errors: [] });
      let second = '';
      await exportNdjson(target.store, {}, (line) => void (second += line));
      expect(second).toBe(first);
      expect((await importNdjson(store, first.split('\n'))).added).toBe(0);
    } finally {
      await target.cleanup();
    }
  });

  it('exports an incident store that answers the same task timeline', async () => {
    const task = events.find((event) => event.type === 'create_task' && event.agent_id === 'human')!.target_id!;
    const { dir, cleanup: remove } = tempDir();
    try {
      const path = join(dir, 'incident.db');
      const exported = await exportIncident(store, task, path);
      expect(exported.events).toBeGreaterThan(0);
      const incident = await openStoreAt(path, { mode: 'read' });
      try {
        const ids = (entries: Array<{ event: TraceEvent }>) => entries.map((entry) => entry.event.id);
        expect(ids((await timeline(incident, { task })).entries)).toEqual(ids((await timeline(store, { task })).entries));
        expect((await incident.stats()).events).toBe(exported.events);
        // Its inferred causes travel with it.
        const plan = walk((await causality(incident, task)).root).find((node) => node.inferred?.rule === 'task-lifecycle');
        expect(plan).toBeDefined();
      } finally {
        await incident.close();
      }
    } finally {
      remove();
    }
  });
});

describe('space import, on SQLite only', () => {
  const stores = dialectStores('sqlite');

  it('--dry-run reports what it would add and writes nothing', async () => {
    const { store, cleanup } = await stores.fresh();
    try {
      const dry = await importSpace(store, SAMPLE, { dryRun: true });
      expect(dry.summary.added).toBeGreaterThan(1000);
      expect(dry.inferred).toBeGreaterThan(0);
      expect((await store.stats()).events).toBe(0);
      const real = await importSpace(store, SAMPLE);
      expect(real.summary).toEqual(dry.summary);
      expect(real.inferred).toBe(dry.inferred);
    } finally {
      await cleanup();
    }
  });

  it('--infer none stores no edges, and trace infer later finds the same ones, once', async () => {
    const plain = await openSpaceStore(SAMPLE, { infer: 'none' });
    const inferred = await openSpaceStore(SAMPLE);
    try {
      const all = await plain.query({});
      expect(await plain.inferredEdges(all.map((event) => event.id), 'parents')).toEqual([]);
      const report = await inferStore(plain);
      expect(report.events).toBe(all.length);
      expect(report.byRule['read-before-act']).toBeGreaterThan(0);
      const edges = await plain.inferredEdges(all.map((event) => event.id), 'parents');
      expect(edges.length).toBe(report.added);
      expect(edges).toEqual(await inferred.inferredEdges(all.map((event) => event.id), 'parents'));
      expect((await inferStore(plain)).added).toBe(0);
    } finally {
      await plain.close();
      await inferred.close();
    }
  });

  it('--tz overrides the inferred zone, and moves only the local columns', async () => {
    const utc = await openSpaceStore(SAMPLE, { tz: '+00:00' });
    const ny = await openSpaceStore(SAMPLE, { tz: 'America/New_York' });
    try {
      const ms = async (store: TraceStore, type: string, agent: string) => (await store.query({ agent, kinds: [`ops.${type}`] }))[0]!.ts;
      expect((await ms(ny, 'complete_task', 'harbinger')) - (await ms(utc, 'complete_task', 'harbinger'))).toBe(4 * 3600_000);
      const message = async (store: TraceStore) => (await store.query({ agent: 'hailot-2', kinds: ['bridge.send'], limit: 1 }))[0]!.ts;
      expect(await message(ny)).toBe(await message(utc));
      const { summary } = await importSpace(ny, SAMPLE, { tz: 'America/New_York' });
      expect(summary.timezone).toEqual({ offset_minutes: -240, zone: 'America/New_York', from: 'flag' });
      // Another zone moves the local columns' times (so their ids), but the rows are the same: nothing is added, dry or not.
      const events = (await ny.stats()).events;
      const dry = await importSpace(ny, SAMPLE, { tz: '+00:00', dryRun: true, infer: 'none' });
      const real = await importSpace(ny, SAMPLE, { tz: '+00:00', infer: 'none' });
      expect([dry.summary.added, real.summary.added]).toEqual([0, 0]);
      expect((await ny.stats()).events).toBe(events);
    } finally {
      await utc.close();
      await ny.close();
    }
  });

  it('infers the zone from the memories when no task or local agent row gives it, skipping an edited entry', async () => {
    const { dir, cleanup: remove } = tempDir();
    const { store, cleanup } = await stores.fresh();
    try {
      const copy = join(dir, '.space');
      cpSync(SAMPLE, copy, { recursive: true });
      const spawn = new Database(join(copy, 'spawn.db'));
      spawn.exec("DELETE FROM tasks; UPDATE agents SET created_at = '2025-10-23 18:11:42'");
      spawn.close();
      // Written at +05:30 instead of EDT: 9 h 30 min later on the wall clock.
      const memory = new Database(join(copy, 'memory.db'));
      memory.exec("UPDATE memories SET timestamp = strftime('%Y-%m-%d %H:%M', timestamp, '+570 minutes')");
      memory.close();
      const { summary } = await importSpace(store, copy, { dryRun: true, infer: 'none' });
      expect(summary.timezone).toEqual({ offset_minutes: 330, zone: null, from: 'inferred' });
    } finally {
      await cleanup();
      remove();
    }
  });

  it('imports only the new rows of a directory that has grown', async () => {
    const { dir, cleanup: remove } = tempDir();
    const { store, cleanup } = await stores.fresh();
    try {
      const copy = join(dir, '.space');
      cpSync(SAMPLE, copy, { recursive: true });
      await importSpace(store, copy);
      const bridge = new Database(join(copy, 'bridge.db'));
      bridge.prepare("INSERT INTO messages (id, channel_id, agent_id, content, created_at) VALUES ('019a1500-0000-7000-8000-000000000001', 'b4cd2e92-e9d4-4e67-b88c-032a81bb89ad', '019a1246-4466-79a9-8369-d8c54cb0b756', 'One more thing.', '2025-10-24 03:20:00')").run();
      bridge.close();
      const grown = await importSpace(store, copy);
      expect(grown.summary.added).toBe(1);
      expect(grown.summary.tables['bridge.db:messages']).toEqual({ added: 1, duplicates: 202, invalid: 0 });
      expect((await store.query({ agent: 'zealot-3', kinds: ['bridge.send'], limit: 1, order: 'desc' }))[0]!.metadata.content).toBe('One more thing.');
    } finally {
      await cleanup();
      remove();
    }
  });

  it('a grown directory: a moved bookmark is a new read, an in-place memory edit keeps its new text, an unseen bookmark and a nameless agent import', async () => {
    const { dir, cleanup: remove } = tempDir();
    const { store, cleanup } = await stores.fresh();
    try {
      const copy = join(dir, '.space');
      cpSync(SAMPLE, copy, { recursive: true });
      await importSpace(store, copy);
      const bridge = new Database(join(copy, 'bridge.db'));
      // hailot-2 reads #general further (each recv replaces the row), and harbinger-1, who never read #payments, gets a bookmark there with nothing seen.
      const general = 'e37b01dc-26c9-4d82-842b-a30b8ecc9d93';
      const latest = bridge.prepare('SELECT id FROM messages WHERE channel_id = ? ORDER BY rowid DESC LIMIT 1').pluck().get(general) as string;
      bridge.prepare("UPDATE bookmarks SET last_seen_id = ? WHERE agent_id = 'hailot-2' AND channel_id = ?").run(latest, general);
      bridge.prepare("INSERT INTO bookmarks (agent_id, channel_id, last_seen_id) VALUES ('019a125a-03c7-769b-b5ac-ff915a19d4d5', 'b4cd2e92-e9d4-4e67-b88c-032a81bb89ad', NULL)").run();
      bridge.close();
      const spawn = new Database(join(copy, 'spawn.db'));
      spawn.prepare("INSERT INTO agents (id, name, created_at) VALUES ('019a1500-0000-7000-8000-0000000000aa', NULL, '2025-10-24 03:20:00')").run();
      spawn.close();
      // zealot-3 edits a memory in place: the row's text changes, and only an event says so.
      const memory = new Database(join(copy, 'memory.db'));
      const edited = memory.prepare("SELECT memory_id, agent_id FROM memories WHERE archived_at IS NULL AND agent_id = '019a1246-4466-79a9-8369-d8c54cb0b756' LIMIT 1").get() as { memory_id: string; agent_id: string };
      memory.prepare("UPDATE memories SET message = 'Edited after the first import.' WHERE memory_id = ?").run(edited.memory_id);
      memory.close();
      const log = new Database(join(copy, 'events.db'));
      log.prepare("INSERT INTO events (id, source, agent_id, event_type, data, timestamp) VALUES ('019a1500-0000-7000-8000-0000000000ee', 'memory', ?, 'note_edit', ?, 1761276000)").run(edited.agent_id, edited.memory_id.slice(-8));
      log.close();
      const grown = await importSpace(store, copy);
      expect(grown.invalidRows).toEqual([]);
      expect(grown.summary.tables['bridge.db:bookmarks']).toEqual({ added: 2, duplicates: 14, invalid: 0 });
      expect(grown.summary.tables['spawn.db:agents']).toEqual({ added: 1, duplicates: 7, invalid: 0 });
      expect(grown.summary.tables['events.db:events']).toEqual({ added: 1, duplicates: 1212, invalid: 0 });
      const bookmarks = (await store.query({ kinds: ['bridge.recv'] })).filter((event) => event.metadata.bookmark === true);
      expect(bookmarks.filter((event) => event.agent_id === 'hailot-2' && event.target_id === 'general').map((event) => event.metadata.message_ids)).toContainEqual([latest]);
      const unseen = bookmarks.find((event) => event.agent_id === 'harbinger-1' && event.target_id === 'payments' && event.metadata.message_ids === undefined)!;
      // Nothing read there: no earlier than #payments' creation (18:14:31) nor harbinger-1's registration (18:34:40).
      expect(iso(unseen).slice(0, 19)).toBe('2025-10-23T18:34:40');
      const nameless = (await store.query({ kinds: ['spawn.spawn'], targets: ['019a1500-0000-7000-8000-0000000000aa'] }))[0]!;
      expect(nameless.metadata.role).toBeUndefined();
      const edits = await store.query({ kinds: ['memory.edit_entry'], targets: [edited.memory_id] });
      expect(edits.map((event) => [event.agent_id, event.metadata.content])).toEqual([['zealot-3', 'Edited after the first import.']]);
    } finally {
      await cleanup();
      remove();
    }
  });

  it('imports sessions.db when present (it has no _migrations table): each chat-log line is one event at its own time', async () => {
    const { dir, cleanup: remove } = tempDir();
    const { store, cleanup } = await stores.fresh();
    try {
      const copy = join(dir, '.space');
      cpSync(SAMPLE, copy, { recursive: true });
      const sessions = new Database(join(copy, 'sessions.db'));
      sessions.exec(`CREATE TABLE entries (id INTEGER PRIMARY KEY AUTOINCREMENT, cli TEXT NOT NULL, model TEXT, session_id TEXT NOT NULL,
        timestamp TEXT NOT NULL, identity TEXT, role TEXT NOT NULL, text TEXT NOT NULL, raw_hash TEXT UNIQUE, created_at TEXT DEFAULT CURRENT_TIMESTAMP)`);
      sessions.prepare("INSERT INTO entries (cli, session_id, timestamp, identity, role, text, created_at) VALUES ('claude', 's-1', '2025-10-23T18:18:25.120Z', 'zealot-3', 'user', 'plan the payments', '2025-10-24 03:00:00')").run();
      sessions.prepare("INSERT INTO entries (cli, session_id, timestamp, identity, role, text, created_at) VALUES ('gemini', 's-2', '2025-10-23T22:05:03.500+00:00', NULL, 'assistant', 'checklist', '2025-10-24 03:00:00')").run();
      sessions.close();
      const result = await importSpace(store, copy, { infer: 'none' });
      expect(result.missingFiles).toEqual([]);
      expect(result.summary.tables['sessions.db:entries']).toEqual({ added: 2, duplicates: 0, invalid: 0 });
      const entries = await store.query({ kinds: ['space.session_entry'] });
      expect(entries.map((event) => [iso(event), event.agent_id, event.metadata.text, source(event).key])).toEqual([
        ['2025-10-23T18:18:25.120Z', 'zealot-3', 'plan the payments', '1'],
        ['2025-10-23T22:05:03.500Z', null, 'checklist', '2'],
      ]);
    } finally {
      await cleanup();
      remove();
    }
  });

  it('folds in a write-ahead log left beside a file (copied while space-os ran), writing nothing beside it', async () => {
    const { dir, cleanup: remove } = tempDir();
    const { store, cleanup } = await stores.fresh();
    const copy = join(dir, '.space');
    cpSync(SAMPLE, copy, { recursive: true });
    const writer = new Database(join(copy, 'bridge.db'));
    try {
      writer.pragma('wal_autocheckpoint = 0');
      writer.prepare("INSERT INTO messages (id, channel_id, agent_id, content, created_at) VALUES ('019a1500-0000-7000-8000-0000000000bb', 'b4cd2e92-e9d4-4e67-b88c-032a81bb89ad', '019a1246-4466-79a9-8369-d8c54cb0b756', 'Only in the log.', '2025-10-24 03:30:00')").run();
      const files = readdirSync(copy).sort();
      expect(files).toContain('bridge.db-wal');
      const result = await importSpace(store, copy, { infer: 'none' });
      expect(result.summary.tables['bridge.db:messages']).toEqual({ added: 203, duplicates: 0, invalid: 0 });
      expect(readdirSync(copy).sort()).toEqual(files);
    } finally {
      writer.close();
      await cleanup();
      remove();
    }
  });

  it('reads a file that lacks optional columns (as an older space-os wrote it), with the absent ones as NULL, and keeps an off-scale confidence', async () => {
    const { dir, cleanup: remove } = tempDir();
    const { store, cleanup } = await stores.fresh();
    try {
      const copy = join(dir, '.space');
      cpSync(SAMPLE, copy, { recursive: true });
      const bridge = new Database(join(copy, 'bridge.db'));
      bridge.exec('DROP INDEX idx_messages_priority; ALTER TABLE messages DROP COLUMN priority; ALTER TABLE channels DROP COLUMN topic');
      bridge.close();
      const spawn = new Database(join(copy, 'spawn.db'));
      spawn.exec('ALTER TABLE tasks DROP COLUMN stderr; ALTER TABLE tasks DROP COLUMN constitution_hash');
      spawn.close();
      // A confidence on another scale than the kernel's [0, 1] is kept, under its own name.
      const knowledge = new Database(join(copy, 'knowledge.db'));
      knowledge.exec("UPDATE knowledge SET confidence = 85 WHERE knowledge_id = '019a12a9-5c15-7801-8b88-b9ce4165a694'");
      knowledge.close();
      const result = await importSpace(store, copy, { infer: 'none' });
      expect(result.summary.invalid).toBe(0);
      expect(result.summary.tables['bridge.db:messages']).toEqual({ added: 202, duplicates: 0, invalid: 0 });
      expect(result.summary.tables['spawn.db:tasks']).toEqual({ added: 4, duplicates: 0, invalid: 0 });
      expect((await store.query({ kinds: ['bridge.send'], limit: 1 }))[0]!.metadata.priority).toBe('normal');
      const scaled = (await store.query({ kinds: ['knowledge.add_discovery'], targets: ['019a12a9-5c15-7801-8b88-b9ce4165a694'] }))[0]!;
      expect([scaled.metadata.confidence, scaled.metadata.source_confidence]).toEqual([undefined, 85]);
      // A column the mapping cannot do without is still a foreign file.
      const notes = new Database(join(copy, 'bridge.db'));
      notes.exec('ALTER TABLE notes DROP COLUMN content');
      notes.close();
      await expect(importSpace(store, copy)).rejects.toMatchObject({ code: 'E_SOURCE', message: expect.stringContaining('notes lacks the column(s) content') });
    } finally {
      await cleanup();
      remove();
    }
  });

  it('reports an invalid row by file, table and key, and imports the rest', async () => {
    const { dir, cleanup: remove } = tempDir();
    const { store, cleanup } = await stores.fresh();
    try {
      const copy = join(dir, '.space');
      cpSync(SAMPLE, copy, { recursive: true });
      const knowledge = new Database(join(copy, 'knowledge.db'));
      knowledge.prepare("UPDATE knowledge SET created_at = 'last tuesday' WHERE knowledge_id = '019a12a9-5c15-7801-8b88-b9ce4165a694'").run();
      knowledge.close();
      const result = await importSpace(store, copy);
      expect(result.invalidRows).toEqual([
        { file: 'knowledge.db', table: 'knowledge', key: '019a12a9-5c15-7801-8b88-b9ce4165a694', reason: expect.stringContaining('created_at') },
      ]);
      expect(result.summary.invalid).toBe(1);
      expect(result.summary.tables['knowledge.db:knowledge']).toEqual({ added: 5, duplicates: 0, invalid: 1 });
      expect(result.summary.tables['bridge.db:messages']!.added).toBe(202);
    } finally {
      await cleanup();
      remove();
    }
  });

  it('refuses a corrupt file, a foreign SQLite file and an empty directory, writing nothing', async () => {
    const { dir, cleanup: remove } = tempDir();
    const { store, cleanup } = await stores.fresh();
    try {
      const corrupt = join(dir, 'corrupt');
      cpSync(SAMPLE, corrupt, { recursive: true });
      writeFileSync(join(corrupt, 'memory.db'), 'this is not a database\n'.repeat(10));
      await expect(importSpace(store, corrupt)).rejects.toMatchObject({ code: 'E_SOURCE', message: expect.stringContaining('memory.db') });

      const foreign = join(dir, 'foreign');
      mkdirSync(foreign);
      const other = new Database(join(foreign, 'events.db'));
      other.exec('CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)');
      other.close();
      await expect(importSpace(store, foreign)).rejects.toMatchObject({ code: 'E_SOURCE', message: expect.stringContaining("not space-os's") });

      const empty = join(dir, 'empty');
      mkdirSync(empty);
      await expect(importSpace(store, empty)).rejects.toMatchObject({ code: 'E_SOURCE', message: expect.stringContaining('no space-os data') });
      expect((await store.stats()).events).toBe(0);
    } finally {
      await cleanup();
      remove();
    }
  });

  it('an incident store brings a task\'s causes along, and a cause the source lacks stays missing', async () => {
    const { store, cleanup } = await stores.fresh();
    const { dir, cleanup: remove } = tempDir();
    try {
      const catalog = new EventCatalog();
      const at = Date.UTC(2025, 9, 23, 18);
      const ghost = eventIdAt(at - 1000);
      const ask = catalog.prepare({ primitive: 'bridge', type: 'send', ts: at, agent_id: 'pm', target_id: 'payments', parent_event_id: ghost, metadata: { content: 'pay' } });
      const create = catalog.prepare({ primitive: 'ops', type: 'create_task', ts: at + 1, agent_id: 'lead', target_id: 'task-1', parent_event_id: ask.event.id, metadata: { title: 'Pay' } });
      const sub = catalog.prepare({ primitive: 'ops', type: 'create_task', ts: at + 2, agent_id: 'lead', target_id: 'task-2', parent_event_id: create.event.id, metadata: { title: 'Sub', parent_task_id: 'task-1' } });
      const done = catalog.prepare({ primitive: 'ops', type: 'complete_task', ts: at + 3, agent_id: 'w', target_id: 'task-2', parent_event_id: sub.event.id });
      const other = catalog.prepare({ primitive: 'bridge', type: 'send', ts: at + 4, agent_id: 'x', target_id: 'general', metadata: { content: 'unrelated' } });
      await store.append([ask, create, sub, done, other]);
      const report = await exportIncident(store, 'task-1', join(dir, 'incident.db'));
      expect(report).toMatchObject({ events: 4, missing: [ghost] });
      const incident = await openStoreAt(join(dir, 'incident.db'), { mode: 'read' });
      try {
        const tree = await causality(incident, 'task-1');
        expect(tree.root.event.id).toBe(ask.event.id);
        expect(tree.root.missingParent).toBe(ghost);
        expect(walk(tree.root).map((node) => node.event.id)).toEqual([ask.event.id, create.event.id, sub.event.id, done.event.id]);
      } finally {
        await incident.close();
      }
      await expect(exportIncident(store, 'task-1', join(dir, 'incident.db'))).rejects.toMatchObject({ code: 'E_USAGE' });
      await expect(exportIncident(store, 'task-404', join(dir, 'none.db'))).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
    } finally {
      await cleanup();
      remove();
    }
  });

  it('reads NDJSON lines with a bad one reported by number', async () => {
    const { store, cleanup } = await stores.fresh();
    try {
      const space = await openSpaceStore(SAMPLE);
      let text = '';
      await exportNdjson(space, { limit: 3 }, (line) => void (text += line));
      await space.close();
      const lines = text.trim().split('\n');
      const result = await importNdjson(store, [lines[0]!, '{"id": "nope"', lines[1]!, '', '{"id":"019a1500-0000-7000-8000-000000000001","ts":"x","primitive":"bridge","type":"send","target_id":"payments","metadata":{"content":"hi"}}', lines[2]!]);
      expect(result.added).toBe(3);
      expect(result.errors.map((error) => error.line)).toEqual([2, 5]);
      expect(result.errors[1]!.message).toMatch(/ts/);
    } finally {
      await cleanup();
    }
  });
});
