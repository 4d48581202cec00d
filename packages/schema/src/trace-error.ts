/**
 * Every expected failure in tracekernel is a TraceError with a stable code, so that
 * the CLI can map it to a one-line message, an exit code and `{"error":{"code","message"}}`.
 */
export type TraceErrorCode =
  | 'E_USAGE'
  | 'E_SCHEMA'
  | 'E_UNKNOWN_KIND'
  | 'E_INVALID_ID'
  | 'E_INVALID_TIME'
  | 'E_NOT_FOUND'
  | 'E_AMBIGUOUS'
  /** A short event id that more than one event has; the message lists them. */
  | 'E_AMBIGUOUS_ID'
  | 'E_NO_STORE'
  | 'E_NOT_A_STORE'
  | 'E_CORRUPT_STORE'
  | 'E_STORE_VERSION'
  | 'E_STORE'
  /** Another process held the store's write lock for longer than the caller would wait. */
  | 'E_STORE_LOCKED'
  | 'E_INVARIANT'
  /** Not in a usable git repository (none, bare, detached HEAD) for a ledger command. */
  | 'E_GIT'
  /** The ledger's worktree or branch is damaged in a way that is refused rather than repaired. */
  | 'E_LEDGER'
  /** A git remote refused a push, or could not be reached. */
  | 'E_REMOTE'
  /** An encrypted note without a key, or a key that does not decrypt. */
  | 'E_KEY'
  /** A source being imported (a space-os directory, an NDJSON file) is corrupt, foreign or empty. */
  | 'E_SOURCE';

export class TraceError extends Error {
  override readonly name = 'TraceError';
  readonly code: TraceErrorCode;
  /** Exit code for a CLI: 2 for usage errors, 1 for everything else. */
  readonly exitCode: number;

  constructor(code: TraceErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.exitCode = code === 'E_USAGE' ? 2 : 1;
  }
}

/**
 * Recognises a TraceError from any copy of this module, not only this one: the bundled CLI and
 * the SDK it loads each carry their own, and `instanceof` fails across the two.
 */
export function isTraceError(error: unknown): error is TraceError {
  return error instanceof TraceError || (error instanceof Error && error.name === 'TraceError' && typeof (error as TraceError).code === 'string');
}
