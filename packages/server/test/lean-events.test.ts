import { afterEach, describe, expect, it } from 'vitest';
import { timeline, timelineJson } from '@tracekernel/projector';
import { LEAN_COLUMNS } from '@tracekernel/server';
import { postStory, servers, type Served } from './server-fixture.js';

// view=lean and ids= of GET /v1/events over real HTTP (docs/serve.md); the default answer is the CLI's, tested in read-api.test.ts.
describe('GET /v1/events?view=lean and ?ids=', () => {
  const serve = servers('sqlite');
  let served: Served;
  afterEach(() => served?.close());

  /** A lean answer's header, its tuples (put in the default answer's (ts, id) order) and its end line. */
  const lean = async (path: string) => {
    const response = await served.request(path);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    const [header, ...rest] = (await response.text()).trim().split('\n').map((line) => JSON.parse(line));
    const lines = rest.slice(0, -1) as unknown[][][];
    const tuples = lines.flat().sort((a, b) => (a[1] as number) - (b[1] as number) || (a[0]! < b[0]! ? -1 : a[0]! > b[0]! ? 1 : 0));
    return { header, lines, tuples, end: rest.at(-1) };
  };

  it('streams the task timeline as tuples, the same events as the default answer, then whole events by id', async () => {
    served = await serve();
    await postStory(served);
    const full = timelineJson(await timeline(served.store, { task: 'task-pay' }));
    const { header, tuples, end } = await lean('/v1/events?task=task-pay&view=lean');
    expect(header.query).toEqual(full.query);
    expect(header.columns).toEqual([...LEAN_COLUMNS]);
    expect(typeof header.cursor).toBe('string');
    expect(end).toEqual({ end: true, events: full.events.length });
    expect(tuples.map((tuple) => tuple[0])).toEqual(full.events.map((event) => event.id));
    const create = full.events[0]!;
    expect(tuples[0]).toEqual([create.id, Date.parse(create.ts), 'ops', 'create_task', create.agent_id, 'task-pay', null, [], 0, { title: create.metadata.title }]);

    const ids = full.events.slice(2, 4).map((event) => event.id);
    const byId = await served.json(`/v1/events?ids=${ids.join(',')}`);
    expect(byId).toEqual({ query: { ids }, events: full.events.slice(2, 4) });
  });

  it('a large task streams in many lines, each event once, with the filters, private events and limit of the default answer', async () => {
    served = await serve();
    const task = { primitive: 'ops', type: 'create_task', agent_id: 'lead', target_id: 'task-big', ts: '2026-01-01T00:00:00.000Z', metadata: { title: 'big' } };
    const [root] = await served.post([task]);
    const sub = await served.post([{ ...task, target_id: 'task-big-1', parent_event_id: root, metadata: { title: 'sub', parent_task_id: 'task-big' } }]);
    // Chains under the task and its subtask, with fan-in across them and private events on the way.
    let parents = [root!, sub[0]!];
    for (let level = 0; level < 12; level++) {
      const events = Array.from({ length: 500 }, (_, i) => ({
        primitive: 'bridge', type: 'send', agent_id: `agent-${i % 7}`, target_id: `chan-${i % 3}`,
        ts: new Date(Date.parse(task.ts) + level * 60_000 + ((i * 7_919) % 50_000)).toISOString(),
        parent_event_id: parents[i % parents.length], causes: i % 17 === 0 ? [parents[(i + 1) % parents.length]] : [],
        ...(i % 101 === 0 ? { private: true } : {}), metadata: { content: `step ${level}.${i}` },
      }));
      parents = await served.post(events);
    }
    for (const query of ['', '&agent=agent-3', '&primitive=bridge&since=2026-01-01T00:05:00Z', '&include_private=true', '&limit=1000', '&agent=agent-1&limit=50']) {
      const full = await served.json(`/v1/events?task=task-big${query}`);
      const answer = await lean(`/v1/events?task=task-big${query}&view=lean`);
      expect(answer.end).toEqual({ end: true, events: full.events.length });
      expect(answer.tuples.map((tuple) => tuple[0])).toEqual(full.events.map((event: { id: string }) => event.id));
      expect(answer.tuples.map((tuple) => tuple[8])).toEqual(full.events.map((event: { private?: boolean }) => (event.private ? 1 : 0)));
      expect(answer.lines.every((line) => line.length > 0 && line.length <= 2_000)).toBe(true);
      if (query === '') expect(answer.lines.length).toBeGreaterThan(3);
    }
    expect((await served.json('/v1/events?task=task-big')).events.length).toBe(2 + 12 * 500 - 60);
  });

  it('answers a bad view or ids with a 400 naming the parameter', async () => {
    served = await serve();
    const bad = async (path: string, field: string) => {
      const body = await served.json(path, { status: 400 });
      expect(body.error.code).toMatch(/^E_/);
      expect(body.error.message.startsWith(`${field}:`)).toBe(true);
    };
    await bad('/v1/events?task=t&view=fat', 'view');
    await bad('/v1/events?task=t&view=', 'view');
    await bad('/v1/events?ids=not-an-id', 'ids');
    await bad('/v1/events?ids=', 'ids');
    await bad('/v1/events?ids=019a0000-0000-7000-8000-000000000001&task=t', 'ids');
    await bad('/v1/events?ids=019a0000-0000-7000-8000-000000000001&view=lean', 'ids');
    await bad(`/v1/events?ids=${Array.from({ length: 301 }, (_, i) => `019a0000-0000-7000-8000-${String(i).padStart(12, '0')}`).join(',')}`, 'ids');
  });
});
