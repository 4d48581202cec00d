import { createHash, type Hash } from 'node:crypto';
import type Database from 'better-sqlite3';

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
