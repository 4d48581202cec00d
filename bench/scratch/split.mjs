import { EventCatalog } from '@tracekernel/schema';
import { SqliteTraceStore } from '@tracekernel/store';
import { rmSync, statSync } from 'node:fs';
const N = 200000; const B = +process.argv[2];
const path = '/tmp/exp/t2.db'; for (const s of ['','-wal','-shm']) rmSync(path+s,{force:true});
const store = SqliteTraceStore.open({ path, mode: 'write' });
const c = new EventCatalog();
let seed = 42; const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
const recent = []; const all = [];
let t0 = performance.now();
for (let i = 0; i < N; i++) {
  const parent = recent.length && rnd() < 0.8 ? recent[Math.floor(rnd()*recent.length)] : null;
  const prep = c.prepare({primitive:'bridge',type:'send',agent_id:'agent-'+Math.floor(rnd()*50),target_id:'target-'+Math.floor(rnd()*20000),parent_event_id:parent,metadata:{content:'x'.repeat(70), n: i}});
  recent.push(prep.event.id); if (recent.length > 1000) recent.shift();
  all.push(prep);
}
console.log('prepare us/ev', ((performance.now()-t0)/N*1000).toFixed(2));
t0 = performance.now();
for (let i = 0; i < N; i += B) store.appendSync(all.slice(i, i+B));
console.log('append us/ev', ((performance.now()-t0)/N*1000).toFixed(2));
