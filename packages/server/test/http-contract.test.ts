import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { newEventId } from '@tracekernel/schema';
import { openStoreAt } from '@tracekernel/store';
import { startServer, VIEWER_CSP } from '@tracekernel/server';
import { servers, type Served } from './server-fixture.js';

const serve = servers('sqlite');
let served: Served;
afterEach(() => served?.close());

const jsonHeaders = { 'content-type': 'application/json' };
const good = { primitive: 'ops', type: 'create_task', agent_id: 'a', target_id: 'task-1', metadata: { title: 'T' } };

async function countEvents(): Promise<number> {
  return (await served.store.stats({ includePrivate: true })).events;
}

/** A raw request, for headers that fetch() will not send (Host). */
function rawGet(port: number, path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('ingest', () => {
  it('takes a JSON array or NDJSON, answers the stored ids in order, and the first id for a repeated idempotency key', async () => {
    served = await serve();
    const ids = await served.post([good, { ...good, type: 'claim_task', metadata: {}, idempotency_key: 'claim-once' }]);
    expect(ids).toHaveLength(2);
    const ndjson = `${JSON.stringify({ ...good, type: 'complete_task', metadata: {} })}\n\n${JSON.stringify({ ...good, type: 'claim_task', metadata: {}, idempotency_key: 'claim-once' })}\n`;
    const answer = await served.json('/v1/events', { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: ndjson });
    expect(answer.ids[1]).toBe(ids[1]);
    expect(answer).toMatchObject({ inserted: 1, duplicates: 1 });
    const stored = await served.store.get(answer.ids);
    expect(stored.map((event) => event.type).sort()).toEqual(['claim_task', 'complete_task']);
    expect(await countEvents()).toBe(3);
  });

  it('answers a re-posted id as a duplicate only when the event is the same, and refuses other content under it with a 409 writing nothing', async () => {
    served = await serve();
    const id = '0190f5a0-0000-7000-8000-000000000001';
    const event = { ...good, id, ts: '2025-10-22T14:00:00.000Z' };
    const post = (body: unknown) => served.request('/v1/events', { method: 'POST', headers: jsonHeaders, body: JSON.stringify(body) });
    expect((await (await post([event])).json())).toMatchObject({ ids: [id], inserted: 1, duplicates: 0 });
    // A retry, with its fields in another order, and one without ts (the server's choice, not the client's).
    const { ts: _ts, ...withoutTs } = event;
    for (const retry of [{ metadata: { title: 'T' }, ...event }, withoutTs]) {
      const again = await post([retry]);
      expect(again.status).toBe(200);
      expect(await again.json()).toMatchObject({ ids: [id], inserted: 0, duplicates: 1 });
    }
    for (const changed of [{ ...event, metadata: { title: 'other' } }, { ...event, agent_id: 'b' }, { ...event, ts: '2025-10-22T14:00:01.000Z' }]) {
      const conflict = await post([{ ...good, agent_id: 'new' }, changed]);
      expect(conflict.status).toBe(409);
      const body = await conflict.json();
      expect(body.error.code).toBe('E_CONFLICT');
      expect(body.error.message).toMatch(new RegExp(`^events\\[1\\]\\.id: ${id} is already stored with other content`));
    }
    expect(await countEvents()).toBe(1);
  });

  it("takes trace emit's flag names (agent, target, parent, cause, session) for the contract's, and refuses a field given both ways", async () => {
    served = await serve();
    const [root] = await served.post([good]);
    const [child] = await served.post([{ primitive: 'bridge', type: 'send', agent: 'b', target: 'payments', session: 's-1', parent: root, cause: root, metadata: { content: 'hi' } }]);
    const [stored] = await served.store.get([child!]);
    expect(stored).toMatchObject({ agent_id: 'b', target_id: 'payments', session_id: 's-1', parent_event_id: root, causes: [root] });
    const twice = await served.request('/v1/events', { method: 'POST', headers: jsonHeaders, body: JSON.stringify([{ ...good, agent: 'a' }]) });
    expect(twice.status).toBe(400);
    expect((await twice.json()).error.message).toMatch(/^events\[0\]\.agent: given twice, as agent_id and agent;/);
    // Each alias the other way round, named as the client wrote it.
    for (const [alias, field, value] of [['agent', 'agent_id', 'x'], ['target', 'target_id', 'x'], ['session', 'session_id', 's'], ['parent', 'parent_event_id', root], ['cause', 'causes', [root]]] as const) {
      const reversed = await served.request('/v1/events', { method: 'POST', headers: jsonHeaders, body: JSON.stringify([{ primitive: 'spawn', type: 'wake', ...(alias === 'agent' ? {} : { agent_id: 'y' }), [alias]: alias === 'cause' ? root : value, [field]: value }]) });
      expect(reversed.status).toBe(400);
      expect((await reversed.json()).error.message).toMatch(new RegExp(`^events\\[0\\]\\.${field}: given twice, as ${alias} and ${field};`));
    }
    expect(await countEvents()).toBe(2);
  });

  it('appends a large batch in one request and one transaction', async () => {
    served = await serve();
    const batch = Array.from({ length: 20_000 }, (_, i) => ({ primitive: 'bridge', type: 'send', agent_id: `agent-${i % 7}`, target_id: 'firehose', metadata: { content: `message ${i}` } }));
    const ids = await served.post(batch);
    expect(new Set(ids).size).toBe(20_000);
    expect(await countEvents()).toBe(20_000);
    const page = await served.json('/v1/events?channel=firehose&limit=3');
    expect(page.events.map((event: { metadata: { content: string } }) => event.metadata.content)).toEqual(['message 19997', 'message 19998', 'message 19999']);
  });

  it('refuses a bad batch whole, with a 4xx naming the event and field, and writes nothing', async () => {
    served = await serve({ maxBodyBytes: 64 * 1024 });
    await served.post([good]);
    const cases: Array<{ body: string; type?: string; status: number; code: string; message: RegExp }> = [
      { body: '[{"primitive":', status: 400, code: 'E_BAD_JSON', message: /^body: not valid JSON/ },
      { body: `${JSON.stringify(good)}\n{oops}\n`, type: 'application/x-ndjson', status: 400, code: 'E_BAD_JSON', message: /^line 2: not valid JSON/ },
      { body: JSON.stringify([good, { ...good, metadata: {} }]), status: 400, code: 'E_SCHEMA', message: /^events\[1\]\.metadata\.title: / },
      { body: JSON.stringify([good, { ...good, target_id: undefined }]), status: 400, code: 'E_SCHEMA', message: /^events\[1\]\.target_id: ops\.create_task needs a target/ },
      { body: JSON.stringify([good, { ...good, parent_event_id: 'nope' }]), status: 400, code: 'E_INVALID_ID', message: /^events\[1\]\.parent_event_id: expected a uuidv7/ },
      { body: JSON.stringify([{ ...good, colour: 'red' }]), status: 400, code: 'E_SCHEMA', message: /^events\[0\]\.colour: unknown field/ },
      { body: JSON.stringify([good, { ...good, type: 'explode' }]), status: 400, code: 'E_UNKNOWN_KIND', message: /^events\[1\]: unknown type "explode"/ },
      { body: JSON.stringify([good, 42]), status: 400, code: 'E_SCHEMA', message: /^events\[1\]: expected a JSON object/ },
      { body: '[]', status: 400, code: 'E_SCHEMA', message: /empty array/ },
      { body: JSON.stringify([good]), type: 'text/plain', status: 415, code: 'E_MEDIA_TYPE', message: /^Content-Type: expected application\/json/ },
      { body: JSON.stringify(Array.from({ length: 2000 }, () => good)), status: 413, code: 'E_TOO_LARGE', message: /^body: more than the limit of 65536 bytes/ },
    ];
    for (const { body, type, status, code, message } of cases) {
      const response = await served.request('/v1/events', { method: 'POST', headers: { 'content-type': type ?? 'application/json' }, body });
      const answer = await response.json();
      expect({ status: response.status, code: answer.error.code }, body.slice(0, 60)).toEqual({ status, code });
      expect(answer.error.message).toMatch(message);
    }
    expect(await countEvents()).toBe(1);
  });

  it('refuses a body that outgrows the limit while it streams in, without a Content-Length', async () => {
    served = await serve({ maxBodyBytes: 1024 });
    const chunks = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 10; i++) controller.enqueue(new TextEncoder().encode(`${JSON.stringify(good)}\n`.repeat(5)));
        controller.close();
      },
    });
    const response = await served.request('/v1/events', { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: chunks, duplex: 'half' } as RequestInit);
    expect(response.status).toBe(413);
    expect((await response.json()).error.code).toBe('E_TOO_LARGE');
    expect(await countEvents()).toBe(0);
  });
});

describe('routes and queries', () => {
  it('answers an unknown route, a wrong method, a bad query and a missing record with a JSON error', async () => {
    served = await serve();
    const cases: Array<[string, RequestInit, number, string, RegExp]> = [
      ['/v1/nothing', {}, 404, 'E_NOT_FOUND', /no such route/],
      ['/elsewhere.js', {}, 404, 'E_NOT_FOUND', /no such route/],
      ['/v1/stats', { method: 'POST', headers: jsonHeaders, body: '{}' }, 405, 'E_METHOD', /method not allowed/],
      ['/v1/events', { method: 'DELETE' }, 405, 'E_METHOD', /method not allowed/],
      ['/v1/events?colour=red', {}, 400, 'E_USAGE', /^colour: unknown query parameter/],
      ['/v1/events?limit=0', {}, 400, 'E_USAGE', /^limit: expected a positive integer/],
      ['/v1/events?since=yesterday-ish', {}, 400, 'E_INVALID_TIME', /since/],
      ['/v1/events?agent=a&agent=b', {}, 400, 'E_USAGE', /^agent: given 2 times/],
      ['/v1/runs?status=weird', {}, 400, 'E_USAGE', /^status: expected one of/],
      ['/v1/runs/no-such-run', {}, 404, 'E_NOT_FOUND', /no run/],
      ['/v1/causality/01234567-89ab-4def-8123-456789abcdef', {}, 400, 'E_INVALID_ID', /uuidv7/],
      [`/v1/causality/${newEventId()}`, {}, 404, 'E_NOT_FOUND', /./],
      ['/v1/stream?until=now', {}, 400, 'E_USAGE', /^until: a stream has no end/],
    ];
    for (const [path, init, status, code, message] of cases) {
      const response = await served.request(path, init);
      const answer = await response.json();
      expect({ path, status: response.status, code: answer.error.code }).toEqual({ path, status, code });
      expect(answer.error.message).toMatch(message);
    }
  });

  it('hides private events unless include_private is asked for', async () => {
    served = await serve();
    await served.post([good, { ...good, type: 'claim_task', metadata: {}, private: true }]);
    expect((await served.json('/v1/events?task=task-1')).events).toHaveLength(1);
    expect((await served.json('/v1/events?task=task-1&include_private=true')).events).toHaveLength(2);
    expect(await served.json('/v1/stats')).toMatchObject({ events: 1, private_events: 1, private_included: false });
  });
});

describe('tokens, origins and hosts', () => {
  it('refuses to listen off loopback without a token', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tracekernel-server-'));
    const store = await openStoreAt(join(dir, 'trace.db'), { mode: 'write' });
    try {
      await expect(startServer({ store, host: '0.0.0.0', port: 0 })).rejects.toMatchObject({ code: 'E_USAGE', message: expect.stringMatching(/--token/) });
      await expect(startServer({ store, host: '0.0.0.0', port: 0, token: '' })).rejects.toMatchObject({ code: 'E_USAGE' });
      const open = await startServer({ store, host: '0.0.0.0', port: 0, token: 'sesame' });
      await expect(startServer({ store, port: open.port })).rejects.toMatchObject({ code: 'E_USAGE', message: expect.stringMatching(/the port is in use/) });
      const answer = await fetch(`http://127.0.0.1:${open.port}/v1/stats`, { headers: { authorization: 'Bearer sesame' } });
      expect(answer.status).toBe(200);
      await open.close();
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('with a token, needs it on every route, and lets the viewer log in once with a same-site cookie', async () => {
    served = await serve({ token: 'correct horse' });
    for (const path of ['/v1/stats', '/v1/events', '/v1/nothing', '/', '/v1/stream']) {
      for (const headers of [{}, { authorization: 'Bearer wrong' }, { authorization: 'Bearer correct hors' }, { authorization: 'Basic Y29ycmVjdA==' }]) {
        const response = await served.request(path, { headers });
        expect({ path, headers, status: response.status }).toEqual({ path, headers, status: 401 });
        expect((await response.json()).error.code).toBe('E_UNAUTHORIZED');
      }
    }
    const post = await served.request('/v1/events', { method: 'POST', headers: { ...jsonHeaders, authorization: 'Bearer nope' }, body: JSON.stringify([good]) });
    expect(post.status).toBe(401);
    expect(await countEvents()).toBe(0);
    await served.post([good], { headers: { authorization: 'Bearer correct horse' } });
    expect(await countEvents()).toBe(1);

    expect((await served.request('/?token=wrong', { redirect: 'manual' })).status).toBe(401);
    const login = await served.request(`/?token=${encodeURIComponent('correct horse')}`, { redirect: 'manual' });
    expect(login.status).toBe(303);
    expect(login.headers.get('location')).toBe('/');
    const cookie = login.headers.get('set-cookie')!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const withCookie = await served.request('/v1/stats', { headers: { cookie: cookie.split(';')[0]! } });
    expect(withCookie.status).toBe(200);
  });

  it('gives no CORS headers without --cors, refuses other origins, and allows exactly the --cors origin', async () => {
    served = await serve();
    const foreign = await served.request('/v1/events', { method: 'POST', headers: { 'content-type': 'text/plain', origin: 'https://evil.example' }, body: JSON.stringify([good]) });
    expect(foreign.status).toBe(403);
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await served.request('/v1/events', { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    expect(preflight.status).toBe(403);
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    const plain = await served.request('/v1/stats');
    expect(plain.headers.get('access-control-allow-origin')).toBeNull();
    expect(await countEvents()).toBe(0);
    await served.close();

    served = await serve({ cors: 'https://viewer.example' });
    const allowed = await served.request('/v1/events', { method: 'OPTIONS', headers: { origin: 'https://viewer.example', 'access-control-request-method': 'POST' } });
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://viewer.example');
    expect(allowed.headers.get('access-control-allow-headers')).toMatch(/authorization/);
    const read = await served.request('/v1/stats', { headers: { origin: 'https://viewer.example' } });
    expect(read.headers.get('access-control-allow-origin')).toBe('https://viewer.example');
    expect((await served.request('/v1/stats', { headers: { origin: 'https://other.example' } })).status).toBe(403);
  });

  it('on loopback, answers only requests addressed to a loopback name (DNS rebinding)', async () => {
    served = await serve();
    expect((await rawGet(served.server.port, '/v1/stats', { host: `localhost:${served.server.port}` })).status).toBe(200);
    const rebound = await rawGet(served.server.port, '/v1/stats', { host: 'attacker.example' });
    expect(rebound.status).toBe(403);
    expect(JSON.parse(rebound.body).error.code).toBe('E_FORBIDDEN');
  });
});

describe('viewer assets', () => {
  let assets: string;
  beforeAll(() => {
    assets = mkdtempSync(join(tmpdir(), 'tracekernel-assets-'));
    mkdirSync(join(assets, 'assets'));
    writeFileSync(join(assets, 'index.html'), '<!doctype html><title>viewer</title>');
    writeFileSync(join(assets, 'assets', 'app.js'), 'console.log(1)');
    writeFileSync(join(assets, 'assets', 'app.css'), 'body{}');
    writeFileSync(join(assets, '.secret'), 'hidden');
    writeFileSync(join(tmpdir(), 'tracekernel-outside.txt'), 'outside');
    symlinkSync(join(tmpdir(), 'tracekernel-outside.txt'), join(assets, 'escape.txt'));
  });
  afterAll(() => rmSync(assets, { recursive: true, force: true }));

  it('serves the directory at / with content types and a strict CSP, and nothing outside it', async () => {
    served = await serve({ viewerAssets: assets });
    const index = await served.request('/');
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(index.headers.get('content-security-policy')).toBe(VIEWER_CSP);
    expect(VIEWER_CSP).toMatch(/default-src 'self'/);
    expect(VIEWER_CSP).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
    expect(index.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await index.text()).toMatch(/<title>viewer/);
    expect((await served.request('/assets/app.js')).headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await served.request('/assets/app.css')).headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(await (await served.request('/task/task-1')).text()).toMatch(/<title>viewer/); // a history route gets the page
    for (const path of ['/.secret', '/escape.txt', '/assets/%2e%2e/.secret', '/assets/%2Fetc%2Fpasswd.txt', '/assets/missing.js']) {
      const response = await served.request(path);
      expect({ path, status: response.status }).toEqual({ path, status: 404 });
      expect(await response.text()).not.toMatch(/outside|hidden|root:/);
    }
    // Sent as is (fetch would normalise it): the URL parser resolves it to /etc/passwd, a page route.
    const traversal = await rawGet(served.server.port, '/assets/../../../../etc/passwd', { host: `127.0.0.1:${served.server.port}` });
    expect(traversal.body).toBe('<!doctype html><title>viewer</title>');
  });

  it('without a viewer, serves a page that says so', async () => {
    served = await serve();
    const page = await served.request('/');
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/not built/);
  });
});
