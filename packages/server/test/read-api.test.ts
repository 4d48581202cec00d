import { afterEach, describe, expect, it } from 'vitest';
import { causality, causalityJson, findRun, listRuns, timeline, timelineJson } from '@tracekernel/projector';
import { DIALECTS, postStory, servers, type Served } from './server-fixture.js';

/** Reads an SSE response until `count` event messages have arrived; returns them with each one's id and the last id seen. */
async function readStream(response: Response, count: number) {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let lastId: string | undefined;
  const events: any[] = [];
  const ids: (string | undefined)[] = [];
  while (events.length < count) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let id: string | undefined;
      for (const line of block.split('\n')) {
        if (line.startsWith('id: ')) lastId = id = line.slice(4);
        if (line.startsWith('data: ')) {
          events.push(JSON.parse(line.slice(6)));
          ids.push(id);
        }
      }
    }
  }
  await reader.cancel();
  return { events, ids, lastId };
}

describe.each(DIALECTS)('the read API over HTTP (%s)', (dialect) => {
  const serve = servers(dialect);
  let served: Served;
  afterEach(() => served?.close());

  it('answers every read route with the JSON the CLI prints for the same query', async () => {
    served = await serve();
    const story = await postStory(served);
    const { store } = served;

    const task = await served.json('/v1/events?task=task-pay');
    expect(task).toEqual(timelineJson(await timeline(store, { task: 'task-pay' })));
    expect(task.events.map((event: { id: string }) => event.id)).toEqual(
      [story.create, story.sub, story.claim1, story.message, story.block, story.answer, story.claim2, story.complete],
    );
    const filtered = await served.json('/v1/events?agent=haiku-1&primitive=ops,bridge&since=2025-10-22T14:03:00Z&until=2025-10-22T14:09:00Z&limit=2');
    expect(filtered.query).toEqual({ task: null, agent: 'haiku-1', channel: null, primitives: ['ops', 'bridge'], since: '2025-10-22T14:03:00.000Z', until: '2025-10-22T14:09:00.000Z', limit: 2 });
    expect(filtered.events.map((event: { id: string }) => event.id)).toEqual([story.block, story.claim2]);
    const channel = await served.json('/v1/events?channel=%23payments');
    expect(channel.events.map((event: { id: string }) => event.id)).toEqual([story.message, story.answer]);

    const tree = await served.json(`/v1/causality/${story.claim2}`);
    expect(tree).toEqual(causalityJson(await causality(store, story.claim2)));
    expect(tree.focus).toBe(story.claim2);
    const byTask = await served.json('/v1/causality/task-pay');
    expect(byTask.root.event.id).toBe(story.create);

    const runs = await served.json('/v1/runs?status=failed');
    expect(runs).toEqual({ runs: (await listRuns(store, { status: 'failed' })).runs });
    expect(runs.runs).toHaveLength(1);
    expect(runs.runs[0]).toMatchObject({ task_id: 'nightly-backup', status: 'failed', span_id: story.runStart, error: { message: 'disk full' } });
    expect((await served.json('/v1/runs?status=success')).runs).toEqual([]);
    const run = await served.json('/v1/runs/backup-1');
    const detail = await findRun(store, 'backup-1');
    expect(run).toEqual({ run: detail.run, attempts: detail.attempts });

    const stats = await served.json('/v1/stats');
    expect(stats).toMatchObject({ events: 10, schema_version: (await store.stats()).schemaVersion, private_events: 0, private_included: false, pending_spools: [] });
    expect(stats.by_primitive).toEqual(expect.arrayContaining([{ primitive: 'ops', count: 6 }, { primitive: 'bridge', count: 2 }, { primitive: 'run', count: 2 }]));
  });

  it('streams new matching events and resumes after Last-Event-ID without losing or repeating one', async () => {
    served = await serve();
    const [create] = await served.post([{ primitive: 'ops', type: 'create_task', agent_id: 'zealot-1', target_id: 'task-live', metadata: { title: 'Live' } }]);
    const first = await served.request('/v1/stream?task=task-live');
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const [claim] = await served.post([
      { primitive: 'ops', type: 'claim_task', agent_id: 'haiku-1', target_id: 'task-live', parent_event_id: create },
      { primitive: 'bridge', type: 'send', agent_id: 'other', target_id: 'elsewhere', metadata: { content: 'not in the task' } },
    ]);
    const seen = await readStream(first, 1);
    expect(seen.events.map((event) => event.id)).toEqual([claim]);
    expect(seen.events[0]).toMatchObject({ primitive: 'ops', type: 'claim_task', target_id: 'task-live' });
    expect(seen.lastId).toBeDefined();

    // While disconnected: two more events of the task, and one that is not.
    const missed = await served.post([
      { primitive: 'bridge', type: 'send', agent_id: 'haiku-1', target_id: 'payments', parent_event_id: claim, metadata: { content: 'on it' } },
      { primitive: 'ops', type: 'complete_task', agent_id: 'haiku-1', target_id: 'task-live', parent_event_id: claim },
      { primitive: 'ops', type: 'create_task', agent_id: 'x', target_id: 'task-unrelated', metadata: { title: 'no' } },
    ]);
    const resumed = await served.request('/v1/stream?task=task-live', { headers: { 'last-event-id': seen.lastId! } });
    const again = await readStream(resumed, 2);
    expect(again.events.map((event) => event.id)).toEqual(missed.slice(0, 2));

    const bad = await served.json('/v1/stream', { headers: { 'last-event-id': 'not-a-cursor' }, status: 400 });
    expect(bad.error.code).toBe('E_USAGE');
    expect(bad.error.message).toMatch(/^Last-Event-ID: expected a (SQLite|PostgreSQL) store cursor .*"not-a-cursor"/);
    const badQuery = await served.json('/v1/stream?last_event_id=not-a-cursor', { status: 400 });
    expect(badQuery.error.message).toMatch(/^last_event_id: expected a (SQLite|PostgreSQL) store cursor/);
  });

  it('refuses a primitive filter naming no known kind, as trace --primitive does, on events and stream', async () => {
    served = await serve();
    await served.post([{ primitive: 'spawn', type: 'wake', agent_id: 'a' }]);
    for (const path of ['/v1/events?primitive=nope', '/v1/events?primitive=ops.nope', '/v1/stream?primitive=nope']) {
      const answer = await served.json(path, { status: 400 });
      expect(answer.error.code).toBe('E_UNKNOWN_KIND');
      expect(answer.error.message).toMatch(/^primitive: unknown (primitive "nope"|type "nope")/);
    }
    expect((await served.json('/v1/events?primitive=spawn.wake')).events).toHaveLength(1);
  });

  it('gives every message its own resume point: a stream cut inside a batch resumes after the last event it got', async () => {
    served = await serve();
    const [create] = await served.post([{ primitive: 'ops', type: 'create_task', agent_id: 'zealot-1', target_id: 'task-cut', metadata: { title: 'Cut' } }]);
    for (const filter of ['task=task-cut', 'agent=haiku-2']) {
      const first = await served.request(`/v1/stream?${filter}`);
      const batch = await served.post([1, 2, 3].map((n) => ({ primitive: 'bridge', type: 'send', agent_id: 'haiku-2', target_id: 'dev', parent_event_id: create, metadata: { content: `part ${n}` } })));
      const seen = await readStream(first, 3);
      expect(seen.events.map((event) => event.id)).toEqual(batch);
      expect(seen.ids.every((id) => id !== undefined)).toBe(true);
      // The client got only the first message before the cut: it resumes with that message's id.
      const resumed = await served.request(`/v1/stream?${filter}`, { headers: { 'last-event-id': seen.ids[0]! } });
      const rest = await readStream(resumed, 2);
      expect(rest.events.map((event) => event.id)).toEqual(batch.slice(1));
    }
  });

  it('streams an agent with its backlog first (limit, like tail -n N -f), then what lands', async () => {
    served = await serve();
    const old = await served.post([1, 2, 3].map((n) => ({ primitive: 'bridge', type: 'send', agent_id: 'haiku-1', target_id: 'dev', metadata: { content: `old ${n}` } })));
    await served.post([{ primitive: 'bridge', type: 'send', agent_id: 'someone-else', target_id: 'dev', metadata: { content: 'not theirs' } }]);
    const response = await served.request('/v1/stream?agent=haiku-1&limit=2');
    const [fresh] = await served.post([{ primitive: 'bridge', type: 'send', agent_id: 'haiku-1', target_id: 'dev', metadata: { content: 'new' } }]);
    const { events } = await readStream(response, 3);
    expect(events.map((event) => event.id)).toEqual([old[1], old[2], fresh]);
  });
});
