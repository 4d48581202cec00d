import { openStoreAt } from '@tracekernel/store';
import { timeline, causality, timelineJson, causalityJson } from '@tracekernel/projector';
import { EventCatalog } from '@tracekernel/schema';
const TASK = 'task-viewer-bench';
const store = await openStoreAt('/tmp/pw/viewer.db', { mode: 'read' });
const catalog = new EventCatalog();
const time = async (label, fn, reps = 3) => {
  const ms = []; let r;
  for (let i = 0; i < reps; i++) { const t = performance.now(); r = await fn(); ms.push(performance.now() - t); }
  console.log(label, ms.map((x) => x.toFixed(0)).join(' '));
  return r;
};
const which = process.argv[2] ?? 'all';
const targets = [TASK, ...(await store.descendantTargets([TASK]))];
const own = await store.query({ targets, includePrivate: true });
console.log('targets', targets.length, 'own', own.length);
if (which === 'all' || which === 'desc') await time('descendantTargets', () => store.descendantTargets([TASK]));
if (which === 'all' || which === 'desc') await time('query own', () => store.query({ targets, includePrivate: true }));
if (which === 'all' || which === 'desc') { const d = await time('descendants', () => store.descendants(own.map((e) => e.id), { includePrivate: true })); console.log('desc', d.length); }
if (which === 'all' || which === 'tl') { const tl = await time('timeline', () => timeline(store, { task: TASK }, catalog)); console.log('entries', tl.entries.length);
  await time('timeline+json', async () => JSON.stringify(timelineJson(await timeline(store, { task: TASK }, catalog))).length); }
if (which === 'all' || which === 'ca') { const c = await time('causality', () => causality(store, TASK, catalog));
  await time('causality+json', async () => JSON.stringify(causalityJson(await causality(store, TASK, catalog))).length); }
await store.close();
