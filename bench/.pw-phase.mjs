import { openStoreAt } from '@tracekernel/store';
import { timeline, timelineJson, causality, causalityJson } from '@tracekernel/projector';
import { EventCatalog } from '@tracekernel/schema';
const TASK = 'task-viewer-bench';
const store = await openStoreAt('/tmp/pw/viewer.db', { mode: 'read' });
const catalog = new EventCatalog();
for (let rep = 0; rep < 3; rep++) {
  global.gc();
  let t = performance.now(); const lap = (l) => { const n = performance.now(); process.stdout.write(`${l} ${(n - t).toFixed(0)}  `); t = n; };
  const targets = [TASK, ...(await store.descendantTargets([TASK]))]; lap('targets');
  const own = await store.query({ targets, includePrivate: true }); lap('own');
  const caused = await store.descendants(own.map((e) => e.id), { includePrivate: true }); lap('descendants');
  global.gc(); lap('gc');
  const tl = await timeline(store, { task: TASK }, catalog); lap('timeline');
  const json = JSON.stringify(timelineJson(tl)); lap('json');
  global.gc(); lap('gc');
  const c = await causality(store, TASK, catalog); lap('causality');
  const cj = JSON.stringify(causalityJson(c)); lap('cjson');
  console.log(json.length, cj.length);
}
await store.close();
