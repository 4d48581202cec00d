import Database from 'better-sqlite3';
import pg from 'pg';
import { z } from 'zod';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventCatalog, loadRegistrations, toKindRegistrations, type PrimitiveDefinition } from '@tracekernel/schema';
import { DIALECTS, dialectStores, type DialectStore } from './dialects.js';

// Registered primitives (tracer.register) are part of the TraceStore contract: stored once,
// never changed, read back into a catalog that validates and describes as the registrar's did.

const deploy: PrimitiveDefinition = {
  summary: 'Deployments',
  target: 'service',
  types: {
    ship: {
      summary: 'A service ships',
      description: '{agent} shipped {target} v{meta.version}',
      metadata: z.object({ version: z.string(), replicas: z.number().int().min(1).optional() }),
      requiresTarget: true,
    },
  },
};

describe.each(DIALECTS)('%s store: registered kinds', (dialect) => {
  const stores = dialectStores(dialect);
  let t: DialectStore;
  beforeEach(async () => {
    t = await stores.fresh();
  });
  afterEach(() => t.cleanup());

  it('stores a registration once and reads it back into a catalog that validates and describes', async () => {
    const registrations = toKindRegistrations('deploy', deploy);
    expect(await t.store.registerKinds(registrations)).toBe(1);
    expect(await t.store.registerKinds(registrations)).toBe(0);
    const reader = await t.open('read');
    const catalog = loadRegistrations(new EventCatalog(), await reader.registrations());
    expect(catalog.primitive('deploy').target).toBe('service');
    const { event } = catalog.prepare({ primitive: 'deploy', type: 'ship', agent_id: 'ci', target_id: 'api', metadata: { version: '1.2.0' } });
    expect(catalog.describe(event)).toBe('ci shipped api v1.2.0');
    expect(() => catalog.prepare({ primitive: 'deploy', type: 'ship', target_id: 'api', metadata: { version: 3 } })).toThrow(/metadata\.version/);
    expect(() => catalog.prepare({ primitive: 'deploy', type: 'ship', target_id: 'api', metadata: { version: '1', replicas: 0 } })).toThrow(/metadata\.replicas/);
    expect(() => catalog.prepare({ primitive: 'deploy', type: 'ship', metadata: { version: '1' } })).toThrow(/target_id/);
  });

  it('refuses a changed definition of a stored type, naming the primitive and type, and a built-in primitive', async () => {
    await t.store.registerKinds(toKindRegistrations('deploy', deploy));
    const changed = { ...deploy, types: { ship: { ...deploy.types.ship!, description: '{agent} released {target}' } } };
    await expect(t.store.registerKinds(toKindRegistrations('deploy', changed))).rejects.toMatchObject({
      code: 'E_SCHEMA',
      message: expect.stringMatching(/primitive "deploy" type "ship" is already registered/),
    });
    const ops = { ...toKindRegistrations('deploy', deploy)[0]!, primitive: 'ops' };
    await expect(t.store.registerKinds([ops])).rejects.toMatchObject({ code: 'E_SCHEMA', message: expect.stringMatching(/"ops" is built in/) });
    const stored = await t.store.registrations();
    expect(stored.map((registration) => `${registration.primitive}.${registration.type}`)).toEqual(['deploy.ship']);
    expect(stored[0]!.description).toBe('{agent} shipped {target} v{meta.version}');
  });

  it('refuses UPDATE and DELETE of a registration at the SQL level', async () => {
    await t.store.registerKinds(toKindRegistrations('deploy', deploy));
    if (dialect === 'sqlite') {
      const raw = new Database(t.location);
      try {
        expect(() => raw.prepare("UPDATE kind_registrations SET definition = '{}'").run()).toThrow(/append-only/);
        expect(() => raw.prepare('DELETE FROM kind_registrations').run()).toThrow(/append-only/);
        raw.prepare("INSERT OR REPLACE INTO kind_registrations (primitive, type, definition, registered_at) VALUES ('deploy', 'ship', '{}', 0)").run();
      } finally {
        raw.close();
      }
      const checks = await t.store.verify();
      expect(checks.find((check) => check.name === 'protection')).toMatchObject({ ok: true });
    } else {
      const client = new pg.Client({ connectionString: t.location });
      await client.connect();
      try {
        await expect(client.query("UPDATE kind_registrations SET definition = '{}'")).rejects.toThrow(/append-only/);
        await expect(client.query('DELETE FROM kind_registrations')).rejects.toThrow(/append-only/);
      } finally {
        await client.end();
      }
    }
    expect((await t.store.registrations())[0]!.summary).toBe('A service ships');
  });
});
