import Database from 'better-sqlite3';
import { rmSync, statSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
const [,, mode, B = 2000, page = 4096] = process.argv.map((x,i)=> i>=3 ? +x : x);
const path='/tmp/exp/idx2.db'; for (const s of ['','-wal','-shm']) rmSync(path+s,{force:true});
const db = new Database(path); db.pragma(`page_size=${page}`); db.pragma('journal_mode=WAL'); db.pragma('synchronous=NORMAL'); db.pragma('cache_size=-65536');
const N=400000; const meta = JSON.stringify({content:'x'.repeat(70), n: 1}); const base=Date.now();
let ins, rows=[];
if (mode === 'naive') {
  db.exec(`CREATE TABLE events (id TEXT PRIMARY KEY, timestamp INTEGER NOT NULL, primitive TEXT NOT NULL, event_type TEXT NOT NULL, agent_id TEXT, target_id TEXT, parent_event_id TEXT, metadata TEXT);
  CREATE INDEX idx_trace_agent ON events(agent_id, timestamp); CREATE INDEX idx_trace_target ON events(target_id, timestamp); CREATE INDEX idx_trace_causality ON events(parent_event_id); CREATE INDEX idx_trace_time ON events(timestamp DESC); CREATE INDEX idx_trace_primitive ON events(primitive, timestamp);`);
  ins = db.prepare('INSERT INTO events VALUES (?,?,?,?,?,?,?,?)'); let prev=[];
  for (let i=0;i<N;i++){ const id=randomUUID(); rows.push([id, base+i, 'ops','claim_task','agent-'+(i%50),'target-'+Math.floor(Math.random()*20000), prev.length? prev[Math.floor(Math.random()*prev.length)]:null, meta]); prev.push(id); if(prev.length>1000) prev.shift(); }
} else {
  db.exec(`CREATE TABLE events (seq INTEGER PRIMARY KEY, id BLOB, ts INT, kind INT, agent INT, target INT, parent BLOB, metadata TEXT);
  CREATE UNIQUE INDEX a ON events(id); CREATE INDEX b ON events(ts); CREATE INDEX c ON events(agent,ts); CREATE INDEX d ON events(target,ts); CREATE INDEX e ON events(parent) WHERE parent IS NOT NULL;`);
  ins = db.prepare('INSERT INTO events (id,ts,kind,agent,target,parent,metadata) VALUES (?,?,?,?,?,?,?)'); let prev=[];
  for (let i=0;i<N;i++){ const id=Buffer.alloc(16); id.writeUIntBE(base+i,0,6); id.writeUInt32BE(Math.random()*2**32,8); rows.push([id, base+i, i%15, i%50, Math.floor(Math.random()*20000), prev.length? prev[Math.floor(Math.random()*prev.length)] : null, meta]); prev.push(id); if(prev.length>1000) prev.shift(); }
}
const tx = db.transaction((rs)=>{ for (const r of rs) ins.run(...r); });
const t0=performance.now();
for (let i=0;i<N;i+=B) tx.immediate(rows.slice(i,i+B));
const el = performance.now()-t0; db.close();
console.log(mode.padEnd(8), 'batch', String(B).padEnd(6), 'page', String(page).padEnd(5), (N/el*1000|0), 'rows/s', (statSync(path).size/N).toFixed(0), 'B/row');
