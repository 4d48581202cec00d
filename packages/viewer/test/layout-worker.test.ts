import { afterEach, describe, expect, it, vi } from 'vitest';
import { LEAN_COLUMNS } from '../src/contract.js';
import { startLayoutWorker } from '../src/layout-worker.js';
import type { WorkerAnswer, WorkerRequest } from '../src/worker-protocol.js';

// The worker's early fetch of the page's first subject, with fetch stubbed: the events are on their
// way before the page's load arrives, and the load takes them rather than asking again.

const EVENTS_URL = 'http://viewer.test/v1/events?task=root';
const leanAnswer = (): Response => {
  const tuple = ['019a0000-0000-7000-8000-000000000001', Date.UTC(2025, 0, 1), 0, 0, 1, null, [], 0, { title: 'Root' }];
  const body = [{ query: {}, cursor: 'c1', columns: LEAN_COLUMNS }, { names: ['lead', 'root'], kinds: [['ops', 'create_task']] }, [tuple], { end: true, events: 1 }].map((line) => JSON.stringify(line)).join('\n');
  return new Response(`${body}\n`, { headers: { 'content-type': 'application/x-ndjson' } });
};

function startWorker(earlyEventsUrl: string | null) {
  const answers: WorkerAnswer[] = [];
  const scope = { onmessage: null as ((message: MessageEvent<WorkerRequest>) => void) | null, postMessage: (answer: WorkerAnswer) => answers.push(answer) };
  startLayoutWorker(scope, earlyEventsUrl);
  const load = async (url: string, seq: number): Promise<WorkerAnswer> => {
    scope.onmessage!({ data: { op: 'load', seq, url, headers: {}, grouping: 'task', subjectTask: 'root' } } as MessageEvent<WorkerRequest>);
    await vi.waitFor(() => expect(answers.find((answer) => answer.seq === seq)).toBeDefined());
    return answers.find((answer) => answer.seq === seq)!;
  };
  return { load };
}

describe('layout worker: the first subject fetched early', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('asks for the lean events when it starts, and the first load of that URL takes that answer', async () => {
    const fetch = vi.fn(async () => leanAnswer());
    vi.stubGlobal('fetch', fetch);
    const worker = startWorker(EVENTS_URL);
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(String((fetch.mock.calls[0] as unknown[])[0])).toBe(`${EVENTS_URL}&view=lean`);
    const answer = await worker.load(EVENTS_URL, 1);
    expect(answer).toMatchObject({ op: 'waterfall', total: 1, cursor: 'c1' });
    expect(fetch).toHaveBeenCalledTimes(1);
    // Used once: a reload of the subject asks the server again.
    await worker.load(EVENTS_URL, 2);
    expect(fetch).toHaveBeenCalledTimes(2);
  });

  it('asks again when the first load is of another subject', async () => {
    const fetch = vi.fn(async () => leanAnswer());
    vi.stubGlobal('fetch', fetch);
    const worker = startWorker(EVENTS_URL);
    await worker.load('http://viewer.test/v1/events?agent=lead', 1);
    expect(fetch).toHaveBeenCalledTimes(2);
    expect(String((fetch.mock.calls[1] as unknown[])[0])).toBe('http://viewer.test/v1/events?agent=lead&view=lean');
  });

  it('fetches nothing before a load without an early subject', () => {
    const fetch = vi.fn(async () => leanAnswer());
    vi.stubGlobal('fetch', fetch);
    startWorker(null);
    expect(fetch).not.toHaveBeenCalled();
  });
});
