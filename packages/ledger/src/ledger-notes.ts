import { findRun } from '@tracekernel/projector';
import { EventCatalog, TraceError, isEventId, runSpanOf } from '@tracekernel/schema';
import type { TraceStore } from '@tracekernel/store';
import { ledgerBus } from './ledger-bus.js';
import { LedgerReader, catFileBatch } from './ledger-read.js';
import { NOTES_REF, isNoteIdName, newNoteId, runIdName, runTagRef, threadIdName } from './ledger-names.js';
import { openLedgerRepo, type LedgerRepo } from './ledger-repo.js';
import { runsToWrite, storedRun, withLedgerWrite, writeRunsLocked } from './ledger-runs.js';
import { ensureWorktree, readPlainFile, refObject } from './ledger-worktree.js';
import { ENCRYPTED_PLACEHOLDER, decryptText, encryptText, encryptionSecret, isEncrypted } from './note-crypto.js';
import { ensureRunTags } from './run-tags.js';
import { stableJson } from './stable-json.js';
import { appendThreadMessageLocked, threadPath } from './ledger-threads.js';

/** One note: a line of a run's git note, or of a thread's messages.jsonl. */
export interface LedgerNote {
  id: string;
  ts: string;
  user: string;
  /** The text; as stored this is `ENC:v1:…` for an encrypted note, as listed the plaintext or `[encrypted]`. */
  text: string;
  thread_id: string | null;
  run_id: string | null;
  event_id: string | null;
  flags: { encrypted: boolean; publish: boolean };
}

export interface AddNoteOptions {
  cwd: string;
  store: TraceStore;
  /** A run (span_id or idempotency key) or an event inside a run; optional when `thread` is given. */
  subject?: string;
  text: string;
  thread?: string;
  encrypt?: boolean;
  publish?: boolean;
  env?: NodeJS.ProcessEnv;
  /** The repository, when the caller has opened it already. */
  repo?: LedgerRepo;
}

export interface AddNoteReport {
  note: LedgerNote;
  /** The note event in the store. */
  event_id: string;
}

interface NoteSubject {
  runId: string | null;
  eventId: string | null;
  /** The store event that caused the note: the run's start, or the event itself. */
  cause: string | null;
}

async function resolveSubject(store: TraceStore, subject: string): Promise<NoteSubject> {
  const trimmed = subject.trim();
  try {
    const run = await storedRun(store, trimmed);
    const start = await store.getByIdempotencyKey(`run:${run.idempotency_key}`);
    return { runId: run.span_id, eventId: null, cause: start?.id ?? run.span_id };
  } catch (error) {
    if ((error as TraceError).code !== 'E_NOT_FOUND') throw error;
  }
  const id = trimmed.toLowerCase();
  if (!isEventId(id)) throw new TraceError('E_NOT_FOUND', `no run with span_id or idempotency_key ${JSON.stringify(subject)}, and it is not an event id`);
  const [event] = await store.get([id]);
  if (!event) throw new TraceError('E_NOT_FOUND', `no run or event ${id} in the store`);
  const { chain } = await store.ancestors(id);
  const start = [...chain].reverse().find((candidate) => candidate.primitive === 'run' && candidate.type === 'start');
  if (!start) throw new TraceError('E_NOT_FOUND', `event ${id} is not inside a run: notes hang on a run's tag (trace run, or tracer.run())`);
  const run = (await findRun(store, runSpanOf(start), { liveness: () => true })).run;
  return { runId: run.span_id, eventId: id, cause: id };
}

/**
 * Records a note: an event in the store caused by the run's (or event's) own event, and one JSON
 * line appended to the git note on the run's tag (`refs/notes/trace`), or to a thread's messages.
 * An encrypted note stores only ciphertext, everywhere; without a key it is refused before
 * anything is written.
 */
export async function addNote(options: AddNoteOptions): Promise<AddNoteReport> {
  const env = options.env ?? process.env;
  if (options.text.trim() === '') throw new TraceError('E_USAGE', 'text: expected a non-empty note');
  const threadId = options.thread === undefined ? null : threadIdName(options.thread, '--thread');
  if (options.subject === undefined && threadId === null) throw new TraceError('E_USAGE', 'give a run or event to note, or --thread T');
  const secret = encryptionSecret(env);
  const text = options.encrypt ? encryptText(options.text, secret) : options.text;
  const repo = options.repo ?? (await openLedgerRepo(options.cwd));
  const subject: NoteSubject = options.subject === undefined ? { runId: null, eventId: null, cause: null } : await resolveSubject(options.store, options.subject);
  if (subject.runId !== null && repo.head === null) {
    throw new TraceError('E_GIT', "the repository has no commit yet: a run's notes hang on its tag, which needs one; commit first");
  }
  const toWrite = subject.runId === null ? [] : await runsToWrite(options.store, [await storedRun(options.store, subject.runId)]);
  const note: LedgerNote = {
    id: newNoteId(),
    ts: new Date().toISOString(),
    user: repo.userName,
    text,
    thread_id: threadId,
    run_id: subject.runId,
    event_id: subject.eventId,
    flags: { encrypted: options.encrypt === true, publish: options.publish === true },
  };
  const line = stableJson(note);

  await withLedgerWrite(repo, async () => {
    const worktree = await ensureWorktree(repo);
    if (threadId !== null && readPlainFile(worktree, threadPath(threadId, 'thread.json')) === null) {
      throw new TraceError('E_NOT_FOUND', `--thread: no thread ${threadId} in the ledger (trace threads lists them)`);
    }
    if (subject.runId !== null) {
      await writeRunsLocked(worktree, toWrite);
      await ensureRunTags(worktree);
      const tag = await refObject(repo, runTagRef(subject.runId));
      if (tag === null) throw new TraceError('E_LEDGER', `run ${subject.runId} has no tag, so it cannot carry a note`);
      await appendNoteLine(repo, tag, line);
    }
    if (threadId !== null) await appendThreadMessageLocked(worktree, threadId, line, note.id);
  });

  const catalog = new EventCatalog();
  const prepared = catalog.prepare({
    primitive: 'bridge',
    type: 'note',
    agent_id: note.user,
    target_id: threadId ?? 'ledger',
    parent_event_id: subject.cause,
    idempotency_key: `note:${note.id}`,
    // The stored text only: ciphertext for an encrypted note, and nothing measured from the plaintext.
    metadata: { content: text, note_id: note.id, run_id: note.run_id, event_id: note.event_id, thread_id: threadId, encrypted: note.flags.encrypted, publish: note.flags.publish },
  });
  await options.store.append([prepared]);
  ledgerBus.emit('note', { id: note.id, run_id: note.run_id, event_id: note.event_id, thread_id: threadId, encrypted: note.flags.encrypted });
  if (threadId !== null) ledgerBus.emit('thread', { thread_id: threadId, kind: 'message', message_id: note.id });
  return { note, event_id: prepared.event.id };
}

/** Appends a line to the note on `object`, writing the blob as is (no message clean-up). Lock held. */
async function appendNoteLine(repo: LedgerRepo, object: string, line: string): Promise<void> {
  const existing = await repo.git(['notes', `--ref=${NOTES_REF}`, 'show', object], { okCodes: [1] });
  const before = existing.code === 0 ? existing.stdout : '';
  const content = `${before}${before === '' || before.endsWith('\n') ? '' : '\n'}${line}\n`;
  const blob = (await repo.git(['hash-object', '-w', '--stdin'], { input: content })).stdout.trim();
  await repo.git(['notes', `--ref=${NOTES_REF}`, 'add', '-f', '-C', blob, object], { env: repo.identityEnv });
}

function parseNoteLines(text: string): LedgerNote[] {
  const notes: LedgerNote[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const value = JSON.parse(line) as LedgerNote;
      if (typeof value.id === 'string' && isNoteIdName(value.id) && typeof value.ts === 'string' && typeof value.text === 'string') {
        notes.push({
          id: value.id,
          ts: value.ts,
          user: String(value.user ?? ''),
          text: value.text,
          thread_id: value.thread_id ?? null,
          run_id: value.run_id ?? null,
          event_id: value.event_id ?? null,
          flags: { encrypted: value.flags?.encrypted === true || isEncrypted(value.text), publish: value.flags?.publish === true },
        });
      }
    } catch {
      // a line that is not a note: skipped
    }
  }
  return notes;
}

/** Every line of every note under refs/notes/trace. */
async function allRunNotes(repo: LedgerRepo): Promise<LedgerNote[]> {
  const list = await repo.git(['notes', `--ref=${NOTES_REF}`, 'list'], { okCodes: [1, 128] });
  const blobs = list.code === 0 ? list.stdout.split('\n').map((line) => line.split(' ')[0]).filter((blob): blob is string => !!blob) : [];
  if (blobs.length === 0) return [];
  const texts = await catFileBatch(repo.root, blobs);
  return texts.flatMap((text) => (text === null ? [] : parseNoteLines(text)));
}

export interface ListNotesOptions {
  cwd: string;
  /** A run's span_id or an event id: the run's notes, or those on the event. */
  subject?: string;
  thread?: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * Notes oldest first, by their own time and id (never by line order, which a union merge
 * reorders). Encrypted ones are decrypted with TRACE_ENC_KEY; without it, or with a wrong one,
 * their text is `[encrypted]`. Reads git only.
 */
export async function listNotes(options: ListNotesOptions): Promise<{ notes: LedgerNote[] }> {
  if ((options.subject === undefined) === (options.thread === undefined)) throw new TraceError('E_USAGE', 'give a run or event, or --thread T (one of them)');
  const threadId = options.thread === undefined ? null : threadIdName(options.thread, '--thread');
  const subjectId = options.subject === undefined ? null : runIdName(options.subject, 'run or event');
  const repo = await openLedgerRepo(options.cwd, { allowDetached: true });
  let notes: LedgerNote[];
  if (threadId !== null) {
    const reader = await LedgerReader.open(repo);
    const text = await reader.readOne(threadPath(threadId, 'messages.jsonl'));
    if (text === null) throw new TraceError('E_NOT_FOUND', `--thread: no thread ${threadId} in the ledger (trace threads lists them)`);
    notes = parseNoteLines(text);
  } else {
    const id = subjectId!;
    notes = (await allRunNotes(repo)).filter((note) => note.run_id === id || note.event_id === id);
    if (notes.length === 0) {
      const reader = await LedgerReader.open(repo);
      if ((await reader.readOne(`runs/${id}/run.json`)) === null) throw new TraceError('E_NOT_FOUND', `no run ${id} in the ledger and no note on an event ${id}`);
    }
  }
  const secret = encryptionSecret(options.env ?? process.env);
  const unique = [...new Map(notes.map((note) => [note.id, note])).values()];
  unique.sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return {
    notes: unique.map((note) => (note.flags.encrypted ? { ...note, text: decryptText(note.text, secret) ?? ENCRYPTED_PLACEHOLDER } : note)),
  };
}
