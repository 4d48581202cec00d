import Database from 'better-sqlite3';
import { rmSync } from 'node:fs';
const which = process.argv[2]; const B = +(process.argv[3]||2000);
const path='/tmp/exp/idx.db'; for (const s of ['','-wal','-shm']) rmSync(path+s,{force:true});
const db = new Database(path); db.pragma('journal_mode=WAL'); db.pragma('synchronous=NORMAL'); db.pragma('cache_size=-65536');
db.exec(`CREATE TABLE events (seq INTEGER PRIMARY KEY, id BLOB, ts INT, kind INT, agent INT, target INT, parent BLOB, metadata TEXT)`);
const idx = {id:'CREATE UNIQUE INDEX a ON events(id)', ts:'CREATE INDEX b ON events(ts)', agent:'CREATE INDEX c ON events(agent,ts)', target:'CREATE INDEX d ON events(target,ts)', parent:'CREATE INDEX e ON events(parent) WHERE parent IS NOT NULL', targetseq: 'CREATE INDEX d ON events(target)'};
for (const w of which.split(',')) if (idx[w]) db.exec(idx[w]);
const ins = db.prepare('INSERT INTO events (id,ts,kind,agent,target,parent,metadata) VALUES (?,?,?,?,?,?,?)');
const N=400000; const meta = JSON.stringify({content:'x'.repeat(70), n: 1});
const rows=[]; let prev=[]; const base=Date.now();
for (let i=0;i<N;i++){ const id=Buffer.alloc(16); id.writeUIntBE(base+i,0,6); id.writeUInt32BE(Math.random()*2**32,8); rows.push([id, base+i, i%15, i%50, Math.floor(Math.random()*20000), prev.length? prev[Math.floor(Math.random()*prev.length)] : null, meta]); prev.push(id); if(prev.length>1000) prev.shift(); }
const tx = db.transaction((rs)=>{ for (const r of rs) ins.run(...r); });
const t0=performance.now();
for (let i=0;i<N;i+=B) tx.immediate(rows.slice(i,i+B));
console.log(which.padEnd(30), B, (N/(performance.now()-t0)*1000|0), 'rows/s');
