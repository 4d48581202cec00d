import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { expect, it } from 'vitest';
import { toKindRegistrations } from '@tracekernel/schema';
import { openStoreAt } from '@tracekernel/store';
import { startServer } from '@tracekernel/server';

// The server validates ingested events with the primitives registered in its store (tracer.register), as trace emit does.
it('ingests a registered type, refuses bad metadata naming the field, and serves it back', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tracekernel-server-'));
  const store = await openStoreAt(join(dir, 'trace.db'), { mode: 'write' });
  await store.registerKinds(toKindRegistrations('deploy', {
    summary: 'Deployments', target: 'service',
    types: { ship: { summary: 'A service ships', description: '{agent} shipped {target} v{meta.version}', metadata: z.object({ version: z.string() }) } },
  }));
  const server = await startServer({ store, port: 0, pollMs: 20 });
  const base = server.url.replace(/\/$/, '');
  const post = (events: unknown[]) => fetch(`${base}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(events) });
  try {
    expect((await post([{ primitive: 'deploy', type: 'ship', agent: 'ci', target: 'api', metadata: { version: '1.2.0' } }])).status).toBe(200);
    const bad = await post([{ primitive: 'deploy', type: 'ship', agent: 'ci', target: 'api', metadata: { version: 1 } }]);
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toMatch(/metadata\.version/);
    const { events } = await (await fetch(`${base}/v1/events?primitive=deploy`)).json();
    expect(events).toEqual([expect.objectContaining({ primitive: 'deploy', type: 'ship', metadata: { version: '1.2.0' } })]);
  } finally {
    await server.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
