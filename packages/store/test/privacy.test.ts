import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteTraceStore, readTraceConfig, redactKeys } from '@tracekernel/store';
import { minute, openTempStore, tempDir, type TempStore } from './temp-store.js';

let t: TempStore;
beforeEach(() => {
  t = openTempStore();
});
afterEach(async () => {
  await t.cleanup();
});

const ids = (events: Array<{ id: string }>) => events.map((event) => event.id);

/** A visible cause, a private event under it, a visible effect of the private event. */
function chain() {
  const cause = t.emit({ primitive: 'ops', type: 'create_task', ts: minute(0), agent_id: 'lead', target_id: 'task-1', metadata: { title: 'Pay' } });
  const secret = t.emit({
    primitive: 'bridge', type: 'send', ts: minute(1), agent_id: 'ghost', target_id: 'hidden-channel', parent_event_id: cause.id,
    metadata: { content: 'private plan' }, private: true,
  });
  const effect = t.emit({ primitive: 'ops', type: 'claim_task', ts: minute(2), agent_id: 'worker', target_id: 'task-1', parent_event_id: secret.id });
  return { cause, secret, effect };
}

describe('private events in the store', () => {
  it('are stored with their flag and metadata, and read back only with includePrivate', async () => {
    const { cause, secret, effect } = chain();
    expect(ids(await t.store.query({}))).toEqual([cause.id, effect.id]);
    const all = await t.store.query({ includePrivate: true });
    expect(all).toEqual([cause, secret, effect]);
    expect(all[1]).toMatchObject({ private: true, metadata: { content: 'private plan' } });
    expect(all[0]!.private).toBe(false);
  });

  it('stay private after the store is reopened', async () => {
    const { secret } = chain();
    await t.store.close();
    t.store = SqliteTraceStore.open({ path: t.path });
    expect(await t.store.get([secret.id])).toEqual([]);
    expect(await t.store.get([secret.id], { includePrivate: true })).toEqual([secret]);
  });

  it('are left out of descendants and ancestors, which still walk through them', async () => {
    const { cause, secret, effect } = chain();
    expect(ids(await t.store.descendants([cause.id]))).toEqual([effect.id]);
    expect(ids(await t.store.descendants([cause.id], { includePrivate: true }))).toEqual([secret.id, effect.id]);
    expect(ids((await t.store.ancestors(effect.id)).chain)).toEqual([cause.id, effect.id]);
    expect(ids((await t.store.ancestors(effect.id, { includePrivate: true })).chain)).toEqual([cause.id, secret.id, effect.id]);
  });

  it('honour limit after hiding: the latest N visible events', async () => {
    chain();
    const latest = await t.store.query({ order: 'desc', limit: 2 });
    expect(latest.map((event) => event.type)).toEqual(['claim_task', 'create_task']);
  });

  it('do not reveal names used only by private events', async () => {
    chain();
    expect(await t.store.nameUsage('ghost')).toEqual({ asAgent: false, asTargetOf: [] });
    expect(await t.store.nameUsage('hidden-channel')).toEqual({ asAgent: false, asTargetOf: [] });
    expect(await t.store.nameUsage('ghost', { includePrivate: true })).toEqual({ asAgent: true, asTargetOf: [] });
  });

  it('count in stats as a number only, unless includePrivate', async () => {
    chain();
    const stats = await t.store.stats();
    expect(stats).toMatchObject({ events: 2, privateEvents: 1, firstTs: minute(0), lastTs: minute(2) });
    expect(stats.byAgent.map((row) => row.agent)).not.toContain('ghost');
    expect(stats.byPrimitive.map((row) => row.primitive)).not.toContain('bridge');
    const all = await t.store.stats({ includePrivate: true });
    expect(all).toMatchObject({ events: 3, privateEvents: 1 });
    expect(all.byAgent.map((row) => row.agent)).toContain('ghost');
  });
});

describe('.trace/config.json', () => {
  let dir: string;
  let cleanup: () => void;
  beforeEach(() => {
    ({ dir, cleanup } = tempDir('tracekernel-config-'));
  });
  afterEach(() => cleanup());

  it('is {} when absent, and gives its redact list', () => {
    expect(readTraceConfig(join(dir, 'nowhere'))).toEqual({});
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ redact: ['api_key'], store: 'postgres://h/db', other: 1 }));
    expect(readTraceConfig(dir)).toEqual({ redact: ['api_key'], store: 'postgres://h/db' });
  });

  it.each([
    ['not JSON', '{redact:', /config\.json: not valid JSON/],
    ['not an object', '["api_key"]', /config\.json: expected a JSON object/],
    ['redact not a list of names', '{"redact":"api_key"}', /config\.json: redact: expected an array of metadata key names/],
    ['a blank name', '{"redact":["api_key",""]}', /config\.json: redact: expected an array of metadata key names/],
  ])('refuses a file that is %s, naming the file and the field', (_, text, message) => {
    writeFileSync(join(dir, 'config.json'), text);
    expect(() => readTraceConfig(dir)).toThrow(message);
  });

  it('redactKeys adds the option, TRACE_REDACT and the config beside the store', () => {
    mkdirSync(join(dir, '.trace'));
    writeFileSync(join(dir, '.trace', 'config.json'), JSON.stringify({ redact: ['token'] }));
    const storePath = join(dir, '.trace', 'trace.db');
    expect(redactKeys({ redact: ['api_key'], env: { TRACE_REDACT: 'password, secret' }, storePath })).toEqual(['api_key', 'password', 'secret', 'token']);
    expect(redactKeys({ env: {}, storePath: join(dir, 'elsewhere', 'trace.db') })).toEqual([]);
  });
});
