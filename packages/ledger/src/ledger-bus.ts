import { EventEmitter } from 'node:events';

export interface LedgerBusEvents {
  /** Runs written to the ledger branch. */
  export: [{ runs: string[]; commit: string }];
  /** A note recorded (its text as stored: ciphertext when encrypted). */
  note: [{ id: string; run_id: string | null; event_id: string | null; thread_id: string | null; encrypted: boolean }];
  /** A thread started, or a message added to one. */
  thread: [{ thread_id: string; kind: 'created' | 'message'; message_id: string | null }];
  /** A recording stopped and saved. */
  recording: [{ id: string; events: number }];
}

/**
 * The ledger's in-process bus: every export, note and thread write is published here after it is
 * committed, for an embedding process (a UI, a watcher) to react without polling git.
 */
export const ledgerBus = new EventEmitter<LedgerBusEvents>();
