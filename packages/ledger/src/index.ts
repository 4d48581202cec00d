export {
  runIdName,
  threadIdName,
  recordingIdName,
  remoteName,
  labelText,
  runTagRef,
  LEDGER_BRANCH,
  NOTES_REF,
  WORKTREE_DIR,
} from './ledger-names.js';
export { openLedgerRepo, type LedgerRepo, type OpenRepoOptions } from './ledger-repo.js';
export { withLedgerLock, type LedgerLockOptions } from './ledger-lock.js';
export {
  exportRuns,
  listLedgerRuns,
  showLedgerRun,
  importRuns,
  type ExportOptions,
  type ExportReport,
  type ExportedRun,
  type LedgerRunList,
  type LedgerRunDetail,
  type ImportOptions,
  type ImportReport,
} from './ledger-runs.js';
export { runFiles, runSummaryLine, type RunFiles } from './run-files.js';
export { ledgerBus, type LedgerBusEvents } from './ledger-bus.js';
export { pullLedger, pushLedger, bundleLedger, defaultRemote, type SyncOptions, type PullReport, type PushReport } from './ledger-sync.js';
export { addNote, listNotes, type LedgerNote, type AddNoteOptions, type AddNoteReport, type ListNotesOptions } from './ledger-notes.js';
export { createThread, listThreads, type Thread, type ThreadSummary } from './ledger-threads.js';
export { encryptText, decryptText, isEncrypted, ENCRYPTED_PLACEHOLDER } from './note-crypto.js';
export {
  startRecording,
  stopRecording,
  listRecordings,
  CLASSIFICATIONS,
  type Recording,
  type RecordedSession,
  type Classification,
  type StartRecordingOptions,
  type StopRecordingOptions,
} from './recordings.js';
export { sessionSummary } from './session-summary.js';
