import { EventCatalog } from '@tracekernel/schema';
import { SqliteTraceStore } from '@tracekernel/store';
import { rmSync, statSync } from 'node:fs';
const N = +process.argv[2] || 200000;
const path = '/tmp/exp/t.db'; rmSync(path, {force:true}); rmSync(path+'-wal',{force:true}); rmSync(path+'-shm',{force:true});
const store = SqliteTraceStore.open({ path, mode: 'write' });
const c = new EventCatalog();
let seed = 42; const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
const kinds = [['ops','claim_task',()=>({attempt:1})],['bridge','send',()=>({content:'x'.repeat(70)})],['memory','add_entry',()=>({topic:'payments',content:'y'.repeat(60)})],['spawn','wake',()=>({reason:'z'.repeat(80)})],['knowledge','add_discovery',()=>({domain:'arch',content:'k'.repeat(60)})]];
const recent = [];
const t0 = performance.now(); let batch = [];
let metaBytes = 0;
for (let i = 0; i < N; i++) {
  const [p,t,m] = kinds[i%5];
  const parent = recent.length && rnd() < 0.8 ? recent[Math.floor(rnd()*recent.length)] : null;
  const prep = c.prepare({primitive:p,type:t,agent_id:'agent-'+Math.floor(rnd()*50),target_id:'target-'+Math.floor(rnd()*20000),parent_event_id:parent,metadata:{...m(), n: i}});
  metaBytes += prep.metadataJson.length;
  recent.push(prep.event.id); if (recent.length > 1000) recent.shift();
  batch.push(prep); if (batch.length === 32000) { store.appendSync(batch); batch = []; }
}
store.appendSync(batch);
const el = performance.now() - t0;
await store.close();
const size = statSync(path).size + (statSync(path+'-wal', {throwIfNoEntry:false})?.size ?? 0);
console.log(`${N} events ${(N/el*1000|0)} ev/s, ${(size/N).toFixed(1)} bytes/event, meta ${(metaBytes/N).toFixed(0)} bytes`);
