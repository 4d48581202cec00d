import { randomBytes } from 'node:crypto';
import { TraceError, newEventId } from '@tracekernel/schema';

/**
 * Every name that becomes a path under `.trace-ledger/` or part of a ref passes through here.
 * Run ids are span ids (UUIDs); thread and recording ids are ours (`thr_…`, `rec_…`), so the
 * accepted shapes are narrow: lowercase ASCII letters, digits, `-` and `_`, starting with a letter
 * or digit. That excludes `..`, `/`, spaces, `.lock`, a leading dash, control characters and
 * anything beyond ASCII, both as file names and as ref components.
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const THREAD_ID = /^thr_[0-9a-z][0-9a-z_-]{0,62}$/;
const RECORDING_ID = /^rec_[0-9a-z][0-9a-z_-]{0,62}$/;
const NOTE_ID = /^note_[0-9a-z][0-9a-z_-]{0,62}$/;
const REMOTE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

function shown(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
}

/** A run's span id as used in `runs/<span_id>/` and `trace/run/<span_id>`; upper case is folded. */
export function runIdName(value: string, field = 'run'): string {
  const lower = value.trim().toLowerCase();
  if (!UUID.test(lower)) throw new TraceError('E_INVALID_ID', `${field}: expected a run's span_id (a UUID), got ${shown(value)}`);
  return lower;
}

export function isRunIdName(value: string): boolean {
  return UUID.test(value);
}

export function threadIdName(value: string, field = 'thread'): string {
  if (!THREAD_ID.test(value)) throw new TraceError('E_INVALID_ID', `${field}: expected a thread id like thr_…, got ${shown(value)}`);
  return value;
}

export function isThreadIdName(value: string): boolean {
  return THREAD_ID.test(value);
}

export function recordingIdName(value: string, field = 'recording'): string {
  if (!RECORDING_ID.test(value)) throw new TraceError('E_INVALID_ID', `${field}: expected a recording id like rec_…, got ${shown(value)}`);
  return value;
}

export function isRecordingIdName(value: string): boolean {
  return RECORDING_ID.test(value);
}

export function isNoteIdName(value: string): boolean {
  return NOTE_ID.test(value);
}

/** A git remote name given with --remote: it becomes an argument of git fetch/push, never a path. */
export function remoteName(value: string): string {
  if (!REMOTE_NAME.test(value) || value.endsWith('.lock') || value.includes('..')) {
    throw new TraceError('E_USAGE', `--remote: expected a remote name (letters, digits, . _ -), got ${shown(value)}`);
  }
  return value;
}

/**
 * A free-text label (a recording's name, a thread's title): it goes into JSON only, never into a
 * path or ref, but control characters are dropped so it prints safely on one line.
 */
export function labelText(value: string, field: string, max = 200): string {
  // eslint-disable-next-line no-control-regex
  const clean = value.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ').replace(/\s+/g, ' ').trim();
  if (clean.length === 0) throw new TraceError('E_USAGE', `${field}: expected a non-empty text`);
  if (clean.length > max) throw new TraceError('E_USAGE', `${field}: at most ${max} characters, got ${clean.length}`);
  return clean;
}

/** Ids sort by creation time: a uuidv7's hex (without dashes) plus nothing else. */
function timeOrderedSuffix(): string {
  return newEventId().replaceAll('-', '');
}

export function newThreadId(): string {
  return `thr_${timeOrderedSuffix()}`;
}

export function newRecordingId(): string {
  return `rec_${timeOrderedSuffix()}`;
}

export function newNoteId(): string {
  return `note_${timeOrderedSuffix()}${randomBytes(2).toString('hex')}`;
}

/** The annotated tag of a run. */
export function runTagRef(runId: string): string {
  return `refs/tags/trace/run/${runIdName(runId)}`;
}

export const LEDGER_BRANCH = 'trace-ledger';
export const LEDGER_BRANCH_REF = `refs/heads/${LEDGER_BRANCH}`;
export const NOTES_REF = 'refs/notes/trace';
export const RUN_TAG_PREFIX = 'refs/tags/trace/run/';
export const WORKTREE_DIR = '.trace-ledger';
