import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readStoreConfig, redactKeys } from '@tracekernel/store';
import { DIALECTS, dialectStores, type DialectStore } from './dialects.js';
import { minute, tempDir } from './temp-store.js';

describe.each(DIALECTS)('%s store: private events in names and stats', (dialect) => {
  const stores = dialectStores(dialect);
  let t: DialectStore;
  beforeEach(async () => {
    t = await stores.fresh();
  });
  afterEach(() => t.cleanup());

  async function story() {
    const cause = await t.emit({ primitive: 'ops', type: 'create_task', ts: minute(0), agent_id: 'lead', target_id: 'task-1', metadata: { title: 'Pay' } });
    await t.emit({
      primitive: 'bridge', type: 'send', ts: minute(1), agent_id: 'ghost', target_id: 'hidden-channel', parent_event_id: cause.id,
      metadata: { content: 'private plan' }, private: true,
    });
    await t.emit({ primitive: 'ops', type: 'claim_task', ts: minute(2), agent_id: 'worker', target_id: 'task-1' });
  }

  it('a name used only by private events is unknown unless includePrivate', async () => {
    await story();
    expect(await t.store.nameUsage('ghost')).toEqual({ asAgent: false, asTargetOf: [] });
    expect(await t.store.nameUsage('hidden-channel')).toEqual({ asAgent: false, asTargetOf: [] });
    expect(await t.store.nameUsage('ghost', { includePrivate: true })).toEqual({ asAgent: true, asTargetOf: [] });
    expect(await t.store.nameUsage('hidden-channel', { includePrivate: true })).toEqual({ asAgent: false, asTargetOf: ['bridge'] });
    expect(await t.store.nameUsage('task-1')).toEqual({ asAgent: false, asTargetOf: ['ops'] });
  });

  it('stats tell only the number of private events, unless includePrivate', async () => {
    await story();
    const stats = await t.store.stats();
    expect(stats).toMatchObject({ events: 2, privateEvents: 1, firstTs: minute(0), lastTs: minute(2) });
    expect(stats.byAgent.map((row) => row.agent).sort()).toEqual(['lead', 'worker']);
    expect(stats.byPrimitive).toEqual([{ primitive: 'ops', count: 2 }]);
    const all = await t.store.stats({ includePrivate: true });
    expect(all).toMatchObject({ events: 3, privateEvents: 1 });
    expect(all.byAgent.map((row) => row.agent)).toContain('ghost');
  });

  it('an empty store has no private events', async () => {
    expect((await t.store.stats()).privateEvents).toBe(0);
  });
});

describe('redaction keys from .trace/config.json', () => {
  let dir: string;
  let cleanup: () => void;
  beforeEach(() => {
    ({ dir, cleanup } = tempDir('tracekernel-config-'));
    mkdirSync(join(dir, '.trace'));
  });
  afterEach(() => cleanup());

  const writeConfig = (root: string, text: string) => writeFileSync(join(root, '.trace', 'config.json'), text);

  it('readStoreConfig gives the redact list beside the store setting', () => {
    writeConfig(dir, JSON.stringify({ redact: ['api_key'], store: 'postgres://h/db', other: 1 }));
    expect(readStoreConfig(dir)).toEqual({ redact: ['api_key'], store: 'postgres://h/db' });
  });

  it.each([
    ['a string', '{"redact":"api_key"}'],
    ['a list with a blank name', '{"redact":["api_key",""]}'],
    ['a list with a number', '{"redact":["api_key",3]}'],
  ])('refuses a redact that is %s, naming the file and the field', (_, text) => {
    writeConfig(dir, text);
    expect(() => readStoreConfig(dir)).toThrow(/\.trace\/config\.json: redact: expected an array of metadata key names/);
    expect(() => redactKeys({ cwd: dir, env: {} })).toThrow(/redact: expected an array/);
  });

  it('adds up the option, TRACE_REDACT and the config of the store the writer would use', () => {
    writeConfig(dir, JSON.stringify({ redact: ['token'] }));
    expect(redactKeys({ redact: ['api_key'], cwd: dir, env: { TRACE_REDACT: 'password, secret' } })).toEqual(['api_key', 'password', 'secret', 'token']);
  });

  it('finds the config as the store is found: from a subdirectory, through --db into a .trace/, and not elsewhere', () => {
    writeConfig(dir, JSON.stringify({ redact: ['token'] }));
    writeFileSync(join(dir, '.trace', 'trace.db'), '');
    const deep = join(dir, 'src', 'deep');
    mkdirSync(deep, { recursive: true });
    expect(redactKeys({ cwd: deep, env: {} })).toEqual(['token']);
    const other = tempDir('tracekernel-config-other-');
    try {
      expect(redactKeys({ cwd: other.dir, env: { TRACE_DB: join(dir, '.trace', 'trace.db') } })).toEqual(['token']);
      expect(redactKeys({ cwd: other.dir, env: {} })).toEqual([]);
    } finally {
      other.cleanup();
    }
  });

  it('a config that points the checkout at PostgreSQL governs redaction too', () => {
    writeConfig(dir, JSON.stringify({ store: 'postgres://127.0.0.1:1/none', redact: ['token'] }));
    const deep = join(dir, 'sub');
    mkdirSync(deep);
    expect(redactKeys({ cwd: deep, env: {} })).toEqual(['token']);
  });
});
