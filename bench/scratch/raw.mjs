import Database from 'better-sqlite3';
import { rmSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
const path='/tmp/exp/raw.db'; for (const s of ['','-wal','-shm']) rmSync(path+s,{force:true});
const db = new Database(path); db.pragma('journal_mode=WAL'); db.pragma('synchronous=NORMAL');
db.exec(`CREATE TABLE events (seq INTEGER PRIMARY KEY, id BLOB, ts INT, kind INT, agent INT, target INT, parent BLOB, metadata TEXT)`);
if (process.argv[2]==='idx') db.exec(`CREATE UNIQUE INDEX a ON events(id); CREATE INDEX b ON events(ts); CREATE INDEX c ON events(agent,ts); CREATE INDEX d ON events(target,ts); CREATE INDEX e ON events(parent) WHERE parent IS NOT NULL;`);
const ins = db.prepare('INSERT INTO events (id,ts,kind,agent,target,parent,metadata) VALUES (?,?,?,?,?,?,?)');
const N=200000; const meta = JSON.stringify({content:'x'.repeat(70), n: 1});
const rows=[]; let prev=[];
for (let i=0;i<N;i++){ const id=Buffer.alloc(16); id.writeUIntBE(Date.now()+i,0,6); id.writeUInt32BE(Math.random()*2**32,8); rows.push([id, 1700000000000+i, i%15, i%50, Math.floor(Math.random()*20000), prev.length? prev[Math.floor(Math.random()*prev.length)] : null, meta]); prev.push(id); if(prev.length>1000) prev.shift(); }
const tx = db.transaction((rs)=>{ for (const r of rs) ins.run(...r); });
const t0=performance.now();
for (let i=0;i<N;i+=2000) tx.immediate(rows.slice(i,i+2000));
console.log(process.argv[2]||'noidx', (N/(performance.now()-t0)*1000|0), 'rows/s');
