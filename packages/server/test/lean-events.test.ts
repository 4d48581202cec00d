import { afterEach, describe, expect, it } from 'vitest';
import { timeline, timelineJson } from '@tracekernel/projector';
import { LEAN_COLUMNS } from '@tracekernel/server';
import { postStory, servers, type Served } from './server-fixture.js';

// view=lean and ids= of GET /v1/events over real HTTP (docs/serve.md); the default answer is the CLI's, tested in read-api.test.ts.
describe('GET /v1/events?view=lean and ?ids=', () => {
  const serve = servers('sqlite');
  let served: Served;
  afterEach(() => served?.close());

  /**
   * A lean answer's header, its raw lines, its tuples decoded to [id, ts, primitive, type, agent_id,
   * target_id, parent_event_id, causes, private, metadata] (put in the default answer's (ts, id)
   * order), and its end line. Written here from docs/serve.md, apart from the viewer's decoder.
   */
  const lean = async (path: string) => {
    const response = await served.request(path);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    const [header, ...rest] = (await response.text()).trim().split('\n').map((line) => JSON.parse(line));
    const body = rest.slice(0, -1) as unknown[];
    const names: string[] = [];
    const kinds: [string, string][] = [];
    const sent: unknown[][] = [];
    const lines: unknown[][][] = [];
    for (const line of body) {
      if (!Array.isArray(line)) {
        const dictionary = line as { names?: string[]; kinds?: [string, string][] };
        expect(Object.keys(dictionary).every((key) => key === 'names' || key === 'kinds')).toBe(true);
        names.push(...(dictionary.names ?? []));
        kinds.push(...(dictionary.kinds ?? []));
        continue;
      }
      lines.push(line as unknown[][]);
      for (const tuple of line as unknown[][]) {
        const [id, ts, kind, agent, target, parent, causes = [], hidden = 0, metadata = null] = tuple as [string, number, number, number | null, number | null, number | string | null, (number | string)[]?, number?, unknown?];
        const ref = (value: number | string): string => {
          if (typeof value === 'string') return value;
          expect(value).toBeLessThan(sent.length);
          return sent[value]![0] as string;
        };
        expect(kinds[kind]).toBeDefined();
        const name = (index: number | null) => (index === null ? null : names[index] ?? expect.fail(`name ${index} used before it was defined`));
        sent.push([id, ts, kinds[kind]![0], kinds[kind]![1], name(agent), name(target), parent === null ? null : ref(parent), causes.map(ref), hidden, metadata]);
      }
    }
    const tuples = [...sent].sort((a, b) => (a[1] as number) - (b[1] as number) || (a[0]! < b[0]! ? -1 : a[0]! > b[0]! ? 1 : 0));
    return { header, lines, tuples, sent, names, end: rest.at(-1) };
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
      if (query === '') {
        expect(answer.lines.length).toBeGreaterThan(3);
        // Each name is spelled once, and a parent sent earlier goes as its position, not its id.
        expect(new Set(answer.names).size).toBe(answer.names.length);
        const raw = answer.lines.flat();
        const byPosition = raw.filter((tuple) => typeof tuple[5] === 'number').length;
        expect(byPosition).toBeGreaterThan(raw.length * 0.9);
        // Trailing defaults (no causes, not private, no metadata) are left off.
        expect(raw.filter((tuple) => tuple.length === 6).length).toBeGreaterThan(raw.length / 2);
        expect(answer.tuples.map((tuple) => tuple[6])).toEqual(full.events.map((event: { parent_event_id: string | null }) => event.parent_event_id));
        expect(answer.tuples.map((tuple) => tuple[7])).toEqual(full.events.map((event: { causes: string[] }) => event.causes));
        expect(answer.tuples.map((tuple) => tuple.slice(2, 6))).toEqual(full.events.map((event: { primitive: string; type: string; agent_id: string; target_id: string }) => [event.primitive, event.type, event.agent_id, event.target_id]));
      }
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
