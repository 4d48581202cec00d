import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TraceError, type TraceEvent } from '@tracekernel/schema';
import type { StoreCursor, TraceStore } from '@tracekernel/store';
import { ledgerBus } from './ledger-bus.js';
import { isRecordingIdName, labelText, newRecordingId, recordingIdName } from './ledger-names.js';
import { openLedgerRepo, type LedgerRepo } from './ledger-repo.js';
import { withLedgerWrite } from './ledger-runs.js';
import { commitPaths, ensureWorktree, writeLedgerFile } from './ledger-worktree.js';
import { sessionSummary } from './session-summary.js';
import { addNote } from './ledger-notes.js';
import { createThread } from './ledger-threads.js';
import { stableJson } from './stable-json.js';
import { eventLine } from './run-files.js';

export const CLASSIFICATIONS = ['deployment', 'debugging', 'config', 'exploration'] as const;
export type Classification = (typeof CLASSIFICATIONS)[number];

/** An open recording: a file in the git directory (`trace-recordings/<id>.json`), never in the user's tree. */
export interface Recording {
  id: string;
  name: string | null;
  classification: Classification | null;
  started_at: string;
  user: string;
  /** HEAD when the recording started. */
  code_ref: string | null;
  /** Only events of this agent, or of this session. */
  agent: string | null;
  session: string | null;
  /** The store's position at the start: the session holds what landed after it. */
  cursor: StoreCursor | null;
}

/** `sessions/<id>/session.json`. */
export interface RecordedSession extends Omit<Recording, 'cursor'> {
  ended_at: string;
  events: number;
  agents: string[];
  summary: string;
}

function recordingsDir(repo: LedgerRepo): string {
  return join(repo.commonDir, 'trace-recordings');
}

/**
 * The store's current end: `changes()` with a filter that matches nothing still returns a cursor
 * past every event it looked at, which is all of them, through the index and without reading rows.
 */
async function storeEnd(store: TraceStore | null): Promise<StoreCursor | null> {
  if (store === null) return null;
  let cursor: StoreCursor | null = null;
  for (;;) {
    const batch = await store.changes({ targets: ['\u0000trace-record-nothing'] }, { after: cursor, limit: 1000 });
    if (batch.cursor === cursor || batch.cursor === null) return cursor;
    cursor = batch.cursor;
  }
}

export interface StartRecordingOptions {
  cwd: string;
  /** The store, or null when none exists yet (the session then starts at its beginning). */
  store: TraceStore | null;
  name?: string;
  classification?: string;
  agent?: string;
  session?: string;
}

export async function startRecording(options: StartRecordingOptions): Promise<Recording> {
  const name = options.name === undefined ? null : labelText(options.name, '--name');
  if (options.classification !== undefined && !CLASSIFICATIONS.includes(options.classification as Classification)) {
    throw new TraceError('E_USAGE', `--classification: expected one of ${CLASSIFICATIONS.join(', ')}, got ${JSON.stringify(options.classification)}`);
  }
  const repo = await openLedgerRepo(options.cwd, { allowDetached: true });
  const recording: Recording = {
    id: newRecordingId(),
    name,
    classification: (options.classification as Classification | undefined) ?? null,
    started_at: new Date().toISOString(),
    user: repo.userName,
    code_ref: repo.head,
    agent: options.agent ?? null,
    session: options.session ?? null,
    cursor: await storeEnd(options.store),
  };
  mkdirSync(recordingsDir(repo), { recursive: true });
  writeFileSync(join(recordingsDir(repo), `${recording.id}.json`), `${stableJson(recording)}\n`, { flag: 'wx' });
  return recording;
}

export async function listRecordings(cwd: string): Promise<{ recordings: Recording[] }> {
  const repo = await openLedgerRepo(cwd, { allowDetached: true });
  const dir = recordingsDir(repo);
  const names = existsSync(dir) ? readdirSync(dir) : [];
  const recordings = names
    .filter((file) => file.endsWith('.json') && isRecordingIdName(file.slice(0, -5)))
    .flatMap((file) => {
      try {
        return [JSON.parse(readFileSync(join(dir, file), 'utf8')) as Recording];
      } catch {
        return [];
      }
    })
    .sort((a, b) => (a.id < b.id ? -1 : 1));
  return { recordings };
}

async function eventsSince(store: TraceStore, recording: Recording): Promise<TraceEvent[]> {
  const events: TraceEvent[] = [];
  let cursor = recording.cursor;
  for (;;) {
    const batch = await store.changes(recording.agent === null ? {} : { agent: recording.agent }, { after: cursor, limit: 1000 });
    events.push(...batch.events);
    if (batch.events.length === 0 || batch.cursor === cursor) break;
    cursor = batch.cursor;
  }
  return events.filter((event) => recording.session === null || event.session_id === recording.session);
}

export interface StopRecordingOptions {
  cwd: string;
  store: TraceStore;
  id: string;
  /** Also post the summary as a note, in a new thread named after the recording. */
  note?: boolean;
  /** The repository, when the caller has opened it already. */
  repo?: LedgerRepo;
}

/**
 * Closes a recording: the events that landed in the store since its start (narrowed by agent or
 * session) are saved as `sessions/<id>/session.json` and `events.jsonl` on the ledger branch, with
 * a template summary. The recording's file is removed only once the commit is made.
 */
export async function stopRecording(options: StopRecordingOptions): Promise<{ session: RecordedSession; note: { thread_id: string; note_id: string } | null }> {
  const id = recordingIdName(options.id, 'recording');
  const repo = options.repo ?? (await openLedgerRepo(options.cwd));
  const file = join(recordingsDir(repo), `${id}.json`);
  if (!existsSync(file)) throw new TraceError('E_NOT_FOUND', `no open recording ${id} (trace record list shows the open ones)`);
  const recording = JSON.parse(readFileSync(file, 'utf8')) as Recording;
  const events = (await eventsSince(options.store, recording)).sort((a, b) => a.ts - b.ts || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const { cursor: _cursor, ...rest } = recording;
  const session: RecordedSession = {
    ...rest,
    ended_at: new Date().toISOString(),
    events: events.length,
    agents: [...new Set(events.map((event) => event.agent_id).filter((agent): agent is string => agent !== null))].sort(),
    summary: sessionSummary(events),
  };
  await withLedgerWrite(repo, async () => {
    if (!existsSync(file)) throw new TraceError('E_NOT_FOUND', `recording ${id} was stopped meanwhile by another process`);
    const worktree = await ensureWorktree(repo);
    writeLedgerFile(worktree, `sessions/${id}/session.json`, `${stableJson(session, 2)}\n`);
    writeLedgerFile(worktree, `sessions/${id}/events.jsonl`, events.map((event) => `${eventLine(event)}\n`).join(''));
    await commitPaths(worktree, [`sessions/${id}`], `ledger: recorded session ${id}`);
    rmSync(file, { force: true });
  });
  ledgerBus.emit('recording', { id, events: events.length });
  if (!options.note) return { session, note: null };
  const thread = await createThread({ cwd: options.cwd, title: `Recording: ${session.name ?? id}` });
  const posted = await addNote({ cwd: options.cwd, store: options.store, thread: thread.thread_id, text: session.summary });
  return { session, note: { thread_id: thread.thread_id, note_id: posted.note.id } };
}
