import { afterEach, beforeEach, expect, it } from 'vitest';
import { SqliteTraceStore } from '@tracekernel/store';
import { minute, openTempStore, prepare, type TempStore } from './temp-store.js';
let t: TempStore;
beforeEach(() => { t = openTempStore(); });
afterEach(() => t.cleanup());
it('a rolled-back batch forgets the kinds it had added', async () => {
  const good = prepare({ primitive: 'memory', type: 'add_entry', ts: minute(0), agent_id: 'a', metadata: { topic: 't' } });
  const bad = { ...prepare({ primitive: 'spawn', type: 'wake', ts: minute(1) }), metadataJson: null as unknown as string };
  expect(() => t.store.appendSync([good, bad])).toThrow();
  const other = SqliteTraceStore.open({ path: t.path, mode: 'write' });
  const squatter = prepare({ primitive: 'knowledge', type: 'add_discovery', ts: minute(2), agent_id: 'b', metadata: { domain: 'd' } });
  other.appendSync([squatter]);
  await other.close();
  expect(await t.store.get([squatter.event.id])).toEqual([squatter.event]);
});
