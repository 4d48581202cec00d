import { afterEach, describe, expect, it } from 'vitest';
import { timeline, timelineJson } from '@tracekernel/projector';
import { LEAN_COLUMNS } from '@tracekernel/server';
import { postStory, servers, type Served } from './server-fixture.js';

// view=lean and ids= of GET /v1/events over real HTTP (docs/serve.md); the default answer is the CLI's, tested in read-api.test.ts.
describe('GET /v1/events?view=lean and ?ids=', () => {
  const serve = servers('sqlite');
  let served: Served;
  afterEach(() => served?.close());

  it('streams the task timeline as tuples in the default answer order, then whole events by id', async () => {
    served = await serve();
    await postStory(served);
    const full = timelineJson(await timeline(served.store, { task: 'task-pay' }));
    const response = await served.request('/v1/events?task=task-pay&view=lean');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    const lines = (await response.text()).trim().split('\n').map((line) => JSON.parse(line));
    const [header, ...rest] = lines;
    expect(header.query).toEqual(full.query);
    expect(header.columns).toEqual([...LEAN_COLUMNS]);
    expect(typeof header.cursor).toBe('string');
    expect(rest.at(-1)).toEqual({ end: true, events: full.events.length });
    const tuples = rest.slice(0, -1).flat();
    expect(tuples.map((tuple: unknown[]) => tuple[0])).toEqual(full.events.map((event) => event.id));
    const create = full.events[0]!;
    expect(tuples[0]).toEqual([create.id, Date.parse(create.ts), 'ops', 'create_task', create.agent_id, 'task-pay', null, [], 0, { title: create.metadata.title }]);

    const ids = full.events.slice(2, 4).map((event) => event.id);
    const byId = await served.json(`/v1/events?ids=${ids.join(',')}`);
    expect(byId).toEqual({ query: { ids }, events: full.events.slice(2, 4) });
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
