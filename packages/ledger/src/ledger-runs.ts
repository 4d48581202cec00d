import { findRun, listRuns, newestFirst, type RunReadOptions } from '@tracekernel/projector';
import { TraceError, runStartEventKey, type JsonEvent, type RunRecord, type TraceEvent } from '@tracekernel/schema';
import type { TraceStore } from '@tracekernel/store';
import { withLedgerLock } from './ledger-lock.js';
import { LedgerReader } from './ledger-read.js';
import { isRunIdName, runIdName } from './ledger-names.js';
import { openLedgerRepo, type LedgerRepo } from './ledger-repo.js';
import { commitPaths, ensureWorktree, ledgerGitLocks, readPlainFile, writeLedgerFile, type LedgerWorktree } from './ledger-worktree.js';
import { parseEventsJsonl, parseRunJson, preparedFromJson, runFiles, type RunFiles } from './run-files.js';
import { ensureRunTags, taggedRuns } from './run-tags.js';
import { ledgerBus } from './ledger-bus.js';

/** A record as stored: the ledger never writes a host-local `abandoned`. */
const STORED: RunReadOptions = { liveness: () => true };

export interface ExportOptions {
  cwd: string;
  store: TraceStore;
  /** span_ids or idempotency keys; all runs when empty. */
  runs?: readonly string[];
  /** Only runs started at or after, epoch ms. */
  since?: number;
  /** The repository, when the caller has opened it already. */
  repo?: LedgerRepo;
}

export interface ExportedRun {
  span_id: string;
  /** `added` (new in the ledger), `updated` (its files changed) or `unchanged`. */
  change: 'added' | 'updated' | 'unchanged';
}

export interface ExportReport {
  runs: ExportedRun[];
  /** The ledger commit made, or null when nothing changed. */
  commit: string | null;
  tags_created: string[];
  /** Runs whose tag waits for the repository's first commit. */
  tags_pending: string[];
  notices: string[];
}

/** Takes the ledger lock and, inside it, makes sure the worktree is sound; the common path of every ledger write. */
export function withLedgerWrite<T>(repo: LedgerRepo, fn: () => Promise<T>): Promise<T> {
  return withLedgerLock(repo.commonDir, fn, { gitLocks: () => ledgerGitLocks(repo) });
}

async function runEvents(store: TraceStore, record: RunRecord): Promise<TraceEvent[]> {
  const start = (await store.getByIdempotencyKey(runStartEventKey(record.idempotency_key))) ?? (await store.get([record.span_id]))[0];
  if (!start) throw new TraceError('E_NOT_FOUND', `run ${record.span_id}: its start event is not in the store`);
  return [start, ...(await store.descendants([start.id]))];
}

/** A run's files, read from the store outside the lock. */
export interface RunToWrite {
  record: RunRecord;
  files: RunFiles;
}

export async function runsToWrite(store: TraceStore, records: readonly RunRecord[]): Promise<RunToWrite[]> {
  const unique = [...new Map(records.map((record) => [record.span_id, record])).values()];
  return Promise.all(unique.map(async (record) => ({ record, files: runFiles(record, await runEvents(store, record)) })));
}

/** The store's record of one run (span_id or idempotency key), as stored. */
export async function storedRun(store: TraceStore, ref: string): Promise<RunRecord> {
  return (await findRun(store, ref, STORED)).run;
}

/** Writes and commits runs' files in the worktree; call with the ledger lock held. */
export async function writeRunsLocked(worktree: LedgerWorktree, runs: readonly RunToWrite[]): Promise<{ runs: ExportedRun[]; commit: string | null }> {
  // Under the lock the worktree is the branch's HEAD: compare with it directly.
  const previous = runs.flatMap(({ record }) => [readPlainFile(worktree, `runs/${runIdName(record.span_id)}/run.json`), readPlainFile(worktree, `runs/${record.span_id}/events.jsonl`)]);
  const exported: ExportedRun[] = runs.map(({ record, files }, index) => {
    const dir = `runs/${runIdName(record.span_id)}`;
    const [oldRun, oldEvents] = [previous[index * 2], previous[index * 2 + 1]];
    const change = oldRun === null ? 'added' : oldRun === files.runJson && oldEvents === files.eventsJsonl ? 'unchanged' : 'updated';
    if (change !== 'unchanged') {
      writeLedgerFile(worktree, `${dir}/run.json`, files.runJson);
      writeLedgerFile(worktree, `${dir}/events.jsonl`, files.eventsJsonl);
    }
    return { span_id: record.span_id, change };
  });
  const changed = exported.filter((run) => run.change !== 'unchanged');
  const commit = await commitPaths(
    worktree,
    changed.map((run) => `runs/${run.span_id}`),
    changed.length === 1 ? `ledger: export run ${changed[0]!.span_id}` : `ledger: export ${changed.length} runs`,
  );
  if (commit) ledgerBus.emit('export', { runs: changed.map((run) => run.span_id), commit });
  return { runs: exported, commit };
}

/** Writes runs from the store to the ledger branch, commits if anything changed, and tags them. */
export async function exportRuns(options: ExportOptions): Promise<ExportReport> {
  const repo = options.repo ?? (await openLedgerRepo(options.cwd));
  const records = options.runs && options.runs.length > 0
    ? await Promise.all(options.runs.map((ref) => storedRun(options.store, ref)))
    : (await listRuns(options.store, options.since === undefined ? {} : { since: options.since }, STORED)).runs;
  const toWrite = await runsToWrite(options.store, records);
  return withLedgerWrite(repo, async () => {
    const worktree = await ensureWorktree(repo);
    const { runs, commit } = await writeRunsLocked(worktree, toWrite);
    const tags = await ensureRunTags(worktree);
    return { runs, commit, tags_created: tags.created, tags_pending: tags.pending, notices: worktree.notices };
  });
}

export interface LedgerRunList {
  runs: RunRecord[];
  /** Ledger entries that could not be read, one line each; the others are still listed. */
  problems: string[];
}

/** The runs on the ledger branch, newest first; reads git only, never the store. */
export async function listLedgerRuns(cwd: string): Promise<LedgerRunList> {
  const repo = await openLedgerRepo(cwd, { allowDetached: true });
  const reader = await LedgerReader.open(repo);
  const names = (await reader.list('runs')).filter(isRunIdName);
  const texts = await reader.read(names.map((name) => `runs/${name}/run.json`));
  const runs: RunRecord[] = [];
  const problems: string[] = [];
  names.forEach((name, index) => {
    const text = texts[index];
    if (text === null || text === undefined) return problems.push(`runs/${name}: no run.json`);
    try {
      runs.push(parseRunJson(text, `runs/${name}/run.json`));
    } catch (error) {
      problems.push((error as Error).message);
    }
  });
  return { runs: runs.sort(newestFirst), problems };
}

export interface LedgerRunDetail {
  run: RunRecord;
  events: JsonEvent[];
  /** The run's tag and the commit it points at, or null before the first commit. */
  tag: { name: string; commit: string } | null;
}

export async function showLedgerRun(cwd: string, ref: string): Promise<LedgerRunDetail> {
  const id = runIdName(ref);
  const repo = await openLedgerRepo(cwd, { allowDetached: true });
  const reader = await LedgerReader.open(repo);
  const [runText, eventsText] = await reader.read([`runs/${id}/run.json`, `runs/${id}/events.jsonl`]);
  if (runText === null || runText === undefined) throw new TraceError('E_NOT_FOUND', `no run ${id} in the ledger (trace ledger list shows what it holds)`);
  const run = parseRunJson(runText, `runs/${id}/run.json`);
  const events = parseEventsJsonl(eventsText ?? '', `runs/${id}/events.jsonl`);
  const tags = await taggedRuns(repo);
  let tag: LedgerRunDetail['tag'] = null;
  if (tags.has(id)) {
    const commit = (await repo.git(['rev-parse', `refs/tags/trace/run/${id}^{commit}`])).stdout.trim();
    tag = { name: `trace/run/${id}`, commit };
  }
  return { run, events, tag };
}

export interface ImportOptions {
  cwd: string;
  store: TraceStore;
  runs?: readonly string[];
}

export interface ImportReport {
  runs: Array<{ span_id: string; events_added: number; events_present: number }>;
  events_added: number;
}

/** Loads ledger runs into the store; the second import adds nothing (events are keyed by id). */
export async function importRuns(options: ImportOptions): Promise<ImportReport> {
  const named = (options.runs ?? []).map((ref) => runIdName(ref));
  const repo = await openLedgerRepo(options.cwd, { allowDetached: true });
  const reader = await LedgerReader.open(repo);
  const available = new Set((await reader.list('runs')).filter(isRunIdName));
  const wanted = named.length > 0 ? named : [...available].sort();
  for (const id of wanted) if (!available.has(id)) throw new TraceError('E_NOT_FOUND', `no run ${id} in the ledger (trace ledger list shows what it holds)`);
  const texts = await reader.read(wanted.flatMap((id) => [`runs/${id}/run.json`, `runs/${id}/events.jsonl`]));
  // Everything is validated before the first append, so a bad file imports nothing.
  const batches = wanted.map((id, index) => {
    const record = parseRunJson(texts[index * 2] ?? '', `runs/${id}/run.json`);
    const events = parseEventsJsonl(texts[index * 2 + 1] ?? '', `runs/${id}/events.jsonl`);
    return { id, prepared: events.map((event) => preparedFromJson(event, record, `runs/${id}/events.jsonl`)) };
  });
  const runs: ImportReport['runs'] = [];
  for (const batch of batches) {
    const results = batch.prepared.length === 0 ? [] : await options.store.append(batch.prepared);
    const added = results.filter((result) => result.inserted).length;
    runs.push({ span_id: batch.id, events_added: added, events_present: results.length - added });
  }
  return { runs, events_added: runs.reduce((sum, run) => sum + run.events_added, 0) };
}
