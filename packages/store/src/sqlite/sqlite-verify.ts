import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { StoreCheck } from '../trace-store.js';
import { CHAIN_GENESIS, CHAIN_ROWS_SQL, chainRecordOfRow, type ChainRow } from './sqlite-event-chain.js';
import { hexToId, hexToIds } from './sqlite-id-codec.js';
import { INFERRED_EDGE_TRIGGERS, REGISTRATION_TRIGGERS, PROTECTED_TABLES, SHORT_ID_TRIGGERS, protectionTriggers } from './sqlite-migrations.js';

/** At most this many problems are listed per check; the count says how many there were. */
const MAX_LISTED = 20;

function check(name: StoreCheck['name'], problems: string[], total: number, okDetail: string, badDetail: string): StoreCheck {
  return { name, ok: total === 0, detail: total === 0 ? okDetail : badDetail, problems: problems.slice(0, MAX_LISTED) };
}

function integrity(sqlite: Database.Database): StoreCheck {
  const rows = sqlite.prepare(`PRAGMA integrity_check(${MAX_LISTED})`).pluck().all() as string[];
  const problems = rows.filter((row) => row !== 'ok');
  return check('integrity', problems, problems.length, "SQLite's integrity_check: ok", `SQLite's integrity_check found ${problems.length === MAX_LISTED ? `${MAX_LISTED} or more` : problems.length} problem(s)`);
}

function protection(sqlite: Database.Database, version: number): StoreCheck {
  if (version < 2) {
    return { name: 'protection', ok: true, detail: `a version ${version} store: only events are protected until a writer upgrades it`, problems: [] };
  }
  const present = new Set(sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'").pluck().all() as string[]);
  const expected = [...PROTECTED_TABLES.flatMap(({ table }) => protectionTriggers(table)), ...(version >= 4 ? INFERRED_EDGE_TRIGGERS : []), ...(version >= 6 ? REGISTRATION_TRIGGERS : []), ...(version >= 7 ? SHORT_ID_TRIGGERS : [])];
  const missing = expected.filter((name) => !present.has(name));
  const maintenance = sqlite.prepare('SELECT count(*) FROM trace_maintenance').pluck().get() as number;
  const problems = missing.map((name) => `trigger ${name} is missing (dropped by someone with write access to the file)`);
  if (maintenance > 0) problems.push(`trace_maintenance holds ${maintenance} row(s) outside a transaction: the triggers are switched off`);
  return check('protection', problems, problems.length, `append-only triggers on ${PROTECTED_TABLES.length + (version >= 4 ? 1 : 0) + (version >= 6 ? 1 : 0) + (version >= 7 ? 1 : 0)} tables`, `the append-only triggers are not all in force`);
}

/** Every reference from an event (or a cause, or a link) resolves, and no dictionary entry is unused. */
function dictionaries(sqlite: Database.Database, version: number): StoreCheck {
  const problems: string[] = [];
  let total = 0;
  const count = (sql: string) => sqlite.prepare(sql).pluck().get() as number;
  const list = (sql: string) => sqlite.prepare(`${sql} LIMIT ${MAX_LISTED}`).raw(true).all() as unknown[][];
  const dangling = (what: string, from: string, where: string, describe: (row: unknown[]) => string) => {
    const n = count(`SELECT count(*) FROM ${from} WHERE ${where}`);
    if (n === 0) return;
    total += n;
    problems.push(`${n} ${what}`);
    for (const row of list(`SELECT * FROM (SELECT lower(hex(e.id)), e.* FROM ${from} WHERE ${where})`)) problems.push(`  ${describe(row)}`);
  };
  const event = (row: unknown[]) => `event ${hexToId(String(row[0]))} (seq ${String(row[1])})`;
  dangling('events whose kind is not in kinds', 'events e', 'e.kind NOT IN (SELECT id FROM kinds)', event);
  for (const column of ['agent', 'target', 'session']) {
    dangling(`events whose ${column} is not in names`, 'events e', `e.${column} IS NOT NULL AND e.${column} NOT IN (SELECT id FROM names)`, event);
  }
  // Retention leaves names and kinds that only pruned events used (they are never deleted: other
  // writers may hold their ids), and kept events whose parent row it removed (remembered in pruned_parents).
  const pruned = count("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'pruned_parents'") > 0
    && count("SELECT count(*) FROM trace_meta WHERE key = 'pruned_at'") > 0;
  const prunedParent = pruned ? ' AND e.parent NOT IN (SELECT seq FROM pruned_parents)' : '';
  dangling('events whose parent row is missing', 'events e', `e.parent IS NOT NULL AND e.parent NOT IN (SELECT seq FROM events)${prunedParent}`, event);
  const orphan = (what: string, sql: string) => {
    const n = count(`SELECT count(*) FROM (${sql})`);
    if (n === 0) return;
    total += n;
    problems.push(`${n} ${what}: ${(list(sql).map((row) => String(row[0]))).join(', ')}`);
  };
  orphan('causes whose event is missing', 'SELECT lower(hex(cause)) || \' of seq \' || seq FROM event_causes WHERE seq NOT IN (SELECT seq FROM events)');
  orphan('target links to a missing name', 'SELECT parent || \' -> \' || child FROM target_links WHERE parent NOT IN (SELECT id FROM names) OR child NOT IN (SELECT id FROM names)');
  // EXCEPT: one pass over the events per column, where a lookup per name could not use an index.
  if (!pruned) orphan('names no event or link uses', `SELECT name FROM names WHERE id IN (SELECT id FROM names
    EXCEPT SELECT agent FROM events EXCEPT SELECT target FROM events EXCEPT SELECT session FROM events
    EXCEPT SELECT parent FROM target_links EXCEPT SELECT child FROM target_links)`);
  if (!pruned) orphan('kinds no event uses', "SELECT primitive || '.' || type FROM kinds WHERE id IN (SELECT id FROM kinds EXCEPT SELECT kind FROM events)");
  // Every event's causes column and its event_causes rows say the same.
  const causeRows = count('SELECT count(*) FROM event_causes');
  const causeIds = count('SELECT coalesce(sum(length(causes)), 0) / 16 FROM events');
  if (causeRows !== causeIds) {
    total++;
    problems.push(`events list ${causeIds} causes but event_causes holds ${causeRows}`);
  }
  // A missing short-id row hides its event from `trace <short id>`; a stray one names a wrong event.
  if (version >= 7) {
    dangling('events without their short-id row', 'events e', 'NOT EXISTS (SELECT 1 FROM event_short_ids s WHERE s.short = substr(e.id, 11, 6) AND s.seq = e.seq)', event);
    orphan('short-id rows that match no event', `SELECT lower(hex(s.short)) || ' of seq ' || s.seq FROM event_short_ids s
      WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.seq = s.seq AND substr(e.id, 11, 6) = s.short)`);
  }
  return check('dictionaries', problems, total, 'every kind, name, parent and cause resolves; no orphans', 'references that do not resolve, or orphans');
}

/**
 * Recomputes the running hash over every event, batch by batch, from the rows as they are now
 * (names and kinds resolved), and compares each link with the one the writer stored.
 */
function chain(sqlite: Database.Database, version: number): StoreCheck {
  if (version < 2) return { name: 'chain', ok: true, detail: `a version ${version} store has no hash chain yet`, problems: [] };
  const links = sqlite.prepare('SELECT batch, last_seq, hash FROM event_chain ORDER BY batch').raw(true).all() as Array<[number, number, Buffer]>;
  const problems: string[] = [];
  let bad = 0;
  const start = links[0];
  if (!start || start[0] !== 0 || !start[2].equals(CHAIN_GENESIS)) {
    return { name: 'chain', ok: false, detail: 'the chain has lost its start (batch 0)', problems: ['event_chain has no batch 0 with the genesis hash'] };
  }
  const rows = sqlite.prepare(CHAIN_ROWS_SQL).raw(true).iterate(start[1]) as IterableIterator<ChainRow>;
  let pending = rows.next();
  let previousHash = start[2];
  let covered = 0;
  for (let i = 1; i < links.length; i++) {
    const [batch, lastSeq, stored] = links[i]!;
    const firstSeq = pending.done ? undefined : pending.value[0];
    const hash = createHash('sha256').update(previousHash);
    let events = 0;
    while (!pending.done && pending.value[0] <= lastSeq) {
      hash.update(chainRecordOfRow(pending.value));
      events++;
      pending = rows.next();
    }
    covered += events;
    if (!hash.digest().equals(stored)) {
      bad++;
      if (problems.length < MAX_LISTED) {
        problems.push(events === 0
          ? `batch ${batch} (up to seq ${lastSeq}): its events are gone`
          : `batch ${batch} (seq ${firstSeq}..${lastSeq}, ${events} events): an event, or a name or kind it uses, was changed, added or removed`);
      }
    }
    // The next link builds on the stored hash, so one bad batch does not condemn the rest.
    previousHash = stored;
  }
  let uncovered = 0;
  for (; !pending.done; pending = rows.next()) uncovered++;
  if (uncovered > 0) {
    bad++;
    problems.push(`${uncovered} event(s) after the last link (seq > ${links[links.length - 1]![1]}) were not written by tracekernel`);
  }
  const before = start[1] > 0 ? `; ${start[1]} earlier event(s) predate the chain` : '';
  return check('chain', problems, bad, `${links.length - 1} batches, ${covered} events: every link matches${before}`, `the hash chain does not match the events${before}`);
}

/** The store's own checks for `trace verify`: SQLite's, the protection, the dictionaries and the chain. */
export function verifySqliteStore(sqlite: Database.Database, version: number): StoreCheck[] {
  return [integrity(sqlite), protection(sqlite, version), dictionaries(sqlite, version), chain(sqlite, version)];
}
