import { TraceError } from '@tracekernel/schema';
import { ledgerBus } from './ledger-bus.js';
import { LedgerReader } from './ledger-read.js';
import { isThreadIdName, labelText, newThreadId, runIdName, threadIdName } from './ledger-names.js';
import { openLedgerRepo } from './ledger-repo.js';
import { withLedgerWrite } from './ledger-runs.js';
import { commitPaths, ensureWorktree, writeLedgerFile, type LedgerWorktree } from './ledger-worktree.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stableJson } from './stable-json.js';

/** `threads/<thread_id>/thread.json`. */
export interface Thread {
  thread_id: string;
  title: string;
  created_at: string;
  created_by: string;
  anchor_run: string | null;
}

export interface ThreadSummary extends Thread {
  messages: number;
}

export function threadPath(threadId: string, file: 'thread.json' | 'messages.jsonl'): string {
  return `threads/${threadIdName(threadId)}/${file}`;
}

/** Starts a thread on the ledger branch, optionally anchored to a run that the ledger holds. */
export async function createThread(options: { cwd: string; title: string; run?: string }): Promise<Thread> {
  const title = labelText(options.title, 'title');
  const anchor = options.run === undefined ? null : runIdName(options.run, '--run');
  const repo = await openLedgerRepo(options.cwd);
  if (anchor !== null) {
    const reader = await LedgerReader.open(repo);
    if ((await reader.readOne(`runs/${anchor}/run.json`)) === null) {
      throw new TraceError('E_NOT_FOUND', `--run: no run ${anchor} in the ledger (trace ledger export ${anchor} first)`);
    }
  }
  const thread: Thread = { thread_id: newThreadId(), title, created_at: new Date().toISOString(), created_by: repo.userName, anchor_run: anchor };
  await withLedgerWrite(repo, async () => {
    const worktree = await ensureWorktree(repo);
    writeLedgerFile(worktree, threadPath(thread.thread_id, 'thread.json'), `${stableJson(thread, 2)}\n`);
    writeLedgerFile(worktree, threadPath(thread.thread_id, 'messages.jsonl'), '');
    await commitPaths(worktree, [`threads/${thread.thread_id}`], `ledger: thread ${thread.thread_id}`);
  });
  ledgerBus.emit('thread', { thread_id: thread.thread_id, kind: 'created', message_id: null });
  return thread;
}

/** Appends one JSON line to a thread's messages and commits it; call with the ledger lock held. */
export async function appendThreadMessageLocked(worktree: LedgerWorktree, threadId: string, line: string, messageId: string): Promise<void> {
  const path = threadPath(threadId, 'messages.jsonl');
  let existing = '';
  try {
    existing = readFileSync(join(worktree.path, path), 'utf8');
  } catch {
    throw new TraceError('E_NOT_FOUND', `--thread: no thread ${threadId} in the ledger (trace threads lists them)`);
  }
  const separator = existing === '' || existing.endsWith('\n') ? '' : '\n';
  writeLedgerFile(worktree, path, `${existing}${separator}${line}\n`);
  await commitPaths(worktree, [path], `ledger: message ${messageId} in thread ${threadId}`);
}

/** The ledger's threads, oldest first, with their message counts. */
export async function listThreads(cwd: string): Promise<{ threads: ThreadSummary[] }> {
  const repo = await openLedgerRepo(cwd, { allowDetached: true });
  const reader = await LedgerReader.open(repo);
  const ids = (await reader.list('threads')).filter(isThreadIdName);
  const texts = await reader.read(ids.flatMap((id) => [threadPath(id, 'thread.json'), threadPath(id, 'messages.jsonl')]));
  const threads: ThreadSummary[] = [];
  ids.forEach((id, index) => {
    try {
      const thread = JSON.parse(texts[index * 2] ?? '') as Thread;
      const messages = new Set((texts[index * 2 + 1] ?? '').split('\n').filter((line) => line.trim() !== '')).size;
      threads.push({ thread_id: id, title: String(thread.title), created_at: String(thread.created_at), created_by: String(thread.created_by), anchor_run: thread.anchor_run ?? null, messages });
    } catch {
      // a thread.json that is not JSON: skipped, the others are listed
    }
  });
  threads.sort((a, b) => (a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : a.thread_id < b.thread_id ? -1 : 1));
  return { threads };
}
