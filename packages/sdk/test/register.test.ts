import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { EventCatalog, loadRegistrations, type PrimitiveDefinition } from '@tracekernel/schema';
import { SqliteTraceStore } from '@tracekernel/store';
import { createTracer } from '@tracekernel/sdk';
import { readAll, tempStorePath } from './helpers.js';

const deploy = (description = '{agent} shipped {target} v{meta.version}'): PrimitiveDefinition => ({
  summary: 'Deployments',
  target: 'service',
  types: { ship: { summary: 'A service ships', description, metadata: z.object({ version: z.string() }), requiresTarget: true } },
});

async function storedRegistrations(path: string) {
  const store = SqliteTraceStore.open({ path });
  try {
    return await store.registrations();
  } finally {
    await store.close();
  }
}

/** A TCP port nothing listens on (bound once by the OS, then released). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

describe('tracer.register', () => {
  it('stores the registration, so that a catalog read from the store describes the events', async () => {
    const db = tempStorePath();
    const tracer = createTracer({ agentId: 'ci', db }).register('deploy', deploy());
    tracer.emit('deploy', 'ship', { target: 'api', metadata: { version: '1.2.0' } });
    await tracer.close();
    const catalog = loadRegistrations(new EventCatalog(), await storedRegistrations(db));
    const [event] = await readAll(db);
    expect(catalog.describe(event!)).toBe('ci shipped api v1.2.0');

    // The same definition again (the agent's next start) adds nothing and reports nothing.
    const again = createTracer({ agentId: 'ci', db }).register('deploy', deploy());
    // A built-in primitive is refused at once, changing nothing.
    expect(() => again.register('ops', deploy())).toThrow(/"ops" is built in/);
    expect(Object.keys(again.catalog.primitive('ops').types)).not.toContain('ship');
    await again.flush();
    await again.close();
    expect(await storedRegistrations(db)).toHaveLength(1);
  });

  it('reports a changed definition on flush and on error, and still stores the events', async () => {
    const db = tempStorePath();
    const first = createTracer({ agentId: 'ci', db }).register('deploy', deploy());
    await first.close();
    const errors: Error[] = [];
    const changed = createTracer({ agentId: 'ci', db }).on('error', (error) => errors.push(error)).register('deploy', deploy('{agent} released {target}'));
    changed.emit('deploy', 'ship', { target: 'api', metadata: { version: '2' } });
    await expect(changed.flush()).rejects.toMatchObject({ code: 'E_SCHEMA', message: expect.stringMatching(/"deploy" type "ship" is already registered/) });
    await changed.close();
    expect(errors.map((error) => error.message).join('\n')).toMatch(/different definition/);
    expect(await readAll(db)).toHaveLength(1);
    expect((await storedRegistrations(db))[0]!.description).toBe('{agent} shipped {target} v{meta.version}');
  });

  it('writes the registration again at the next flush once the store can be opened', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tracekernel-sdk-'));
    const blocker = join(dir, 'state');
    writeFileSync(blocker, 'a file where the store directory should be');
    const db = join(blocker, 'trace.db');
    const env = { XDG_STATE_HOME: join(dir, 'spool'), HOME: dir };
    const errors: Error[] = [];
    const tracer = createTracer({ agentId: 'ci', db, env }).on('error', (error) => errors.push(error));
    tracer.register('deploy', deploy());
    await tracer.flush();
    expect(errors.length).toBeGreaterThan(0);
    rmSync(blocker);
    await tracer.flush();
    expect((await storedRegistrations(db)).map((registration) => registration.type)).toEqual(['ship']);
    await tracer.close();
  });

  it('neither blocks nor throws when the store is down: the failure is reported and the events are spooled', async () => {
    const url = `postgres://postgres@127.0.0.1:${await freePort()}/nothing`;
    const env = { XDG_STATE_HOME: mkdtempSync(join(tmpdir(), 'tracekernel-spool-')), HOME: tmpdir() };
    const errors: Error[] = [];
    const tracer = createTracer({ agentId: 'ci', db: url, env }).on('error', (error) => errors.push(error));
    tracer.register('deploy', deploy());
    const id = tracer.emit('deploy', 'ship', { target: 'api', metadata: { version: '1' } });
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    await tracer.flush();
    await tracer.close();
    expect(errors.length).toBeGreaterThan(0);
    expect(tracer.stats()).toMatchObject({ spooled: 1, lost: 0 });
  });
});
