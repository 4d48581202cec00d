import Database from 'better-sqlite3';
const db = new Database('/tmp/pw/viewer.db', { readonly: true });
db.pragma('mmap_size = 1073741824');
const TASK = 'task-viewer-bench';
const t = (label, fn, reps = 3) => { const ms = []; let r; for (let i = 0; i < reps; i++) { const s = performance.now(); r = fn(); ms.push(performance.now() - s); } console.log(label.padEnd(40), ms.map((x) => x.toFixed(0)).join(' '), Array.isArray(r) ? r.length : r); return r; };
const targets = db.prepare(`WITH RECURSIVE roots(id) AS (SELECT id FROM names WHERE name = ?), below(id) AS (SELECT l.child FROM target_links l WHERE l.parent IN (SELECT id FROM roots) UNION SELECT l.child FROM below b JOIN target_links l ON l.parent = b.id) SELECT id FROM below`).pluck().all(TASK);
const tids = JSON.stringify([db.prepare('SELECT id FROM names WHERE name=?').pluck().get(TASK), ...targets]);
const seeds = db.prepare(`SELECT lower(hex(id)) FROM events WHERE target IN (SELECT value FROM json_each(?))`).pluck().all(tids);
const seedJson = JSON.stringify(seeds);
console.log('seeds', seeds.length);
const cte = (final) => `WITH RECURSIVE
 seed_ids(id) AS (SELECT unhex(value, '-') FROM json_each(?)),
 seeds(seq) AS (SELECT seq FROM events WHERE id IN (SELECT id FROM seed_ids)),
 reached(seq) AS (SELECT seq FROM seeds UNION SELECT c.seq FROM event_causes c WHERE c.cause IN (SELECT id FROM seed_ids)
   UNION SELECT e.seq FROM reached r JOIN events e ON e.parent = r.seq
   UNION SELECT c.seq FROM reached r JOIN events x ON x.seq = r.seq JOIN event_causes c ON c.cause = x.id) ${final}`;
t('cte count', () => db.prepare(cte('SELECT count(*) FROM reached')).pluck().get(seedJson));
t('cte no fanin count', () => db.prepare(cte('SELECT count(*) FROM reached').replace(/UNION SELECT c\.seq FROM reached.*x\.id\)/s, ')')).pluck().get(seedJson));
const sel = `e.seq, lower(hex(e.id)), e.ts, e.kind, e.agent, e.target, e.session, e.parent, lower(hex(e.parent_id)), lower(hex(e.causes)), e.idempotency_key, e.schema_version, e.metadata, e.private`;
t('cte full rows raw', () => db.prepare(cte(`SELECT ${sel} FROM reached r CROSS JOIN events e ON e.seq = r.seq WHERE e.seq NOT IN (SELECT seq FROM seeds)`)).raw(true).all(seedJson));
t('cte seq,ts only', () => db.prepare(cte(`SELECT e.seq, e.ts FROM reached r CROSS JOIN events e ON e.seq = r.seq`)).raw(true).all(seedJson));
t('cte id blob', () => db.prepare(cte(`SELECT e.seq, e.id FROM reached r CROSS JOIN events e ON e.seq = r.seq`)).raw(true).all(seedJson));
t('cte id hex', () => db.prepare(cte(`SELECT e.seq, lower(hex(e.id)) FROM reached r CROSS JOIN events e ON e.seq = r.seq`)).raw(true).all(seedJson));
t('cte metadata', () => db.prepare(cte(`SELECT e.seq, e.metadata FROM reached r CROSS JOIN events e ON e.seq = r.seq`)).raw(true).all(seedJson));
t('plain select all 100k', () => db.prepare(`SELECT ${sel} FROM events e`).raw(true).all());
t('plain select count', () => db.prepare(`SELECT count(*) FROM events`).pluck().get());
const q = db.prepare(`SELECT seq FROM events WHERE parent = ?`).pluck();
t('js bfs via parent index', () => { const seen = new Set(); let f = db.prepare(`SELECT seq FROM events WHERE id IN (SELECT unhex(value,'-') FROM json_each(?))`).pluck().all(seedJson); for (const s of f) seen.add(s); while (f.length) { const n = []; for (const s of f) for (const c of q.all(s)) if (!seen.has(c)) { seen.add(c); n.push(c); } f = n; } return seen.size; });
console.log(db.prepare('EXPLAIN QUERY PLAN ' + cte(`SELECT ${sel} FROM reached r CROSS JOIN events e ON e.seq = r.seq WHERE e.seq NOT IN (SELECT seq FROM seeds)`)).all(seedJson).map((r) => r.detail).join('\n'));
console.log(db.prepare('select count(*) from event_causes').pluck().get(), db.prepare('select count(*) from events where parent_id is not null').pluck().get());
console.log('---variants');
const base = cte('').replace(/\) $/, ')');
const variants = {
  plain: `SELECT ${sel} FROM reached r CROSS JOIN events e ON e.seq = r.seq WHERE e.seq NOT IN (SELECT seq FROM seeds)`,
  sortedseq: `, walk(seq) AS MATERIALIZED (SELECT seq FROM reached EXCEPT SELECT seq FROM seeds) SELECT ${sel} FROM walk r CROSS JOIN events e ON e.seq = r.seq`,
  orderseq: `SELECT ${sel} FROM reached r CROSS JOIN events e ON e.seq = r.seq WHERE e.seq NOT IN (SELECT seq FROM seeds) ORDER BY e.seq`,
  orderts: `, walk(seq) AS MATERIALIZED (SELECT seq FROM reached EXCEPT SELECT seq FROM seeds) SELECT ${sel} FROM walk r CROSS JOIN events e ON e.seq = r.seq ORDER BY e.ts, e.id`,
  inseq: `SELECT ${sel} FROM events e WHERE e.seq IN (SELECT seq FROM reached EXCEPT SELECT seq FROM seeds)`,
};
for (const [k, v] of Object.entries(variants)) {
  const sqlText = base + ' ' + v;
  const st = db.prepare(sqlText).raw(true);
  t(k, () => st.all(seedJson), 4);
}
for (const k of ['inseq', 'orderts']) console.log(k, db.prepare('EXPLAIN QUERY PLAN ' + base + ' ' + variants[k]).all(seedJson).map((r) => r.detail).slice(-8).join(' | '));
