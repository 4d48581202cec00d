import { createHash, type Hash } from 'node:crypto';
import type Database from 'better-sqlite3';
import { hexToId, hexToIds } from './sqlite-id-codec.js';

/** The hash before the first batch: 32 zero bytes. */
export const CHAIN_GENESIS = Buffer.alloc(32);

/**
 * The bytes of one event that the chain covers, with names and kinds resolved (a rewritten
 * dictionary entry changes them) and the metadata exactly as stored. The writer and `verify` both
 * build them here, so they cannot drift apart.
 */
export function chainRecord(
  id: string,
  ts: number,
  primitive: string,
  type: string,
  agent: string | null,
  target: string | null,
  session: string | null,
  parent: string | null,
  causes: readonly string[],
  idempotencyKey: string | null,
  schemaVersion: number,
  metadataJson: string,
): string {
  return `${JSON.stringify([id, ts, primitive, type, agent, target, session, parent, causes, idempotencyKey, schemaVersion])}${metadataJson}\n`;
}

/**
 * The running hash chain over events: each committed batch adds one `event_chain` row, the
 * sha256 of the previous row's hash followed by the batch's events' chain records, in seq order.
 * Someone who rewrites an event then has to rewrite every later hash as well, and `trace verify`
 * recomputes them all. One row and one hash per batch, so the cost is a few hundred nanoseconds
 * per event (see bench/README.md).
 */
export class EventChainWriter {
  readonly #previous: Database.Statement;
  readonly #insert: Database.Statement;
  #hash: Hash | undefined;
  #lastSeq = 0;

  constructor(sqlite: Database.Database) {
    this.#previous = sqlite.prepare('SELECT hash FROM event_chain ORDER BY batch DESC LIMIT 1').pluck();
    this.#insert = sqlite.prepare('INSERT INTO event_chain (last_seq, hash) VALUES (?, ?)');
  }

  /** Starts a batch; call inside the write transaction, so the previous hash is the latest. */
  begin(): void {
    this.#hash = undefined;
    this.#lastSeq = 0;
  }

  add(seq: number, record: string): void {
    if (this.#hash === undefined) this.#hash = createHash('sha256').update((this.#previous.get() as Buffer | undefined) ?? CHAIN_GENESIS);
    this.#hash.update(record);
    this.#lastSeq = seq;
  }

  /** Records the batch's link, if it stored any event. */
  commit(): void {
    if (this.#hash === undefined) return;
    this.#insert.run(this.#lastSeq, this.#hash.digest());
    this.#hash = undefined;
  }
}

/** The columns chainRecord covers, per event from `seq` on, in seq order: verify and the re-chain read them alike. */
export const CHAIN_ROWS_SQL = `
  SELECT e.seq, lower(hex(e.id)), e.ts, k.primitive, k.type, a.name, t.name, s.name,
    lower(hex(coalesce(p.id, e.parent_id))), lower(hex(e.causes)), e.idempotency_key, e.schema_version, e.metadata
  FROM events e
  LEFT JOIN kinds k ON k.id = e.kind
  LEFT JOIN names a ON a.id = e.agent
  LEFT JOIN names t ON t.id = e.target
  LEFT JOIN names s ON s.id = e.session
  LEFT JOIN events p ON p.seq = e.parent
  WHERE e.seq > ? ORDER BY e.seq`;

export type ChainRow = [number, string, number, string, string, string | null, string | null, string | null, string, string, string | null, number, string];

export function chainRecordOfRow(row: ChainRow): string {
  const [, id, ts, primitive, type, agent, target, session, parent, causes, key, schemaVersion, metadata] = row;
  return chainRecord(hexToId(id), ts, primitive, type, agent, target, session, parent === '' ? null : hexToId(parent), hexToIds(causes), key, schemaVersion, metadata);
}

const RECHAIN_BATCH = 4096;

/**
 * Retention removes events from the batches that chained them, so prune builds the chain anew
 * over every event that remains, inside its own maintenance transaction. `trace verify` then
 * attests the store as retention left it; what prune removed is, by design, no longer attested.
 */
export function rechain(sqlite: Database.Database): void {
  sqlite.prepare('DELETE FROM event_chain').run();
  sqlite.prepare('INSERT INTO event_chain (batch, last_seq, hash) VALUES (0, 0, ?)').run(CHAIN_GENESIS);
  const insert = sqlite.prepare('INSERT INTO event_chain (last_seq, hash) VALUES (?, ?)');
  // better-sqlite3 runs no statement on a connection while an iterate() over it is open, so the
  // batches (one row per 4096 events) are written once the read is done.
  const batches: Array<[lastSeq: number, hash: Buffer]> = [];
  let previous: Buffer = CHAIN_GENESIS;
  let hash: Hash | undefined;
  let count = 0;
  let lastSeq = 0;
  for (const row of sqlite.prepare(CHAIN_ROWS_SQL).raw(true).iterate(0) as IterableIterator<ChainRow>) {
    hash ??= createHash('sha256').update(previous);
    hash.update(chainRecordOfRow(row));
    lastSeq = row[0];
    if (++count === RECHAIN_BATCH) {
      previous = hash.digest();
      batches.push([lastSeq, previous]);
      hash = undefined;
      count = 0;
    }
  }
  if (hash) batches.push([lastSeq, hash.digest()]);
  for (const [batchLastSeq, batchHash] of batches) insert.run(batchLastSeq, batchHash);
}
