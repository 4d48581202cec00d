import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { TraceError } from '@tracekernel/schema';
import { LedgerReader } from './ledger-read.js';
import { LEDGER_BRANCH_REF, NOTES_REF, RUN_TAG_PREFIX, isRunIdName, remoteName } from './ledger-names.js';
import { openLedgerRepo, type LedgerRepo } from './ledger-repo.js';
import { ensureWorktree, refCommit, refObject, writeLedgerFile, type LedgerWorktree } from './ledger-worktree.js';
import { withLedgerWrite } from './ledger-runs.js';
import { ensureRunTags } from './run-tags.js';
import { parseJsonLines } from './stable-json.js';

const INCOMING = 'refs/trace/incoming';

export interface SyncOptions {
  cwd: string;
  /** A remote name; by default the current branch's remote, else `origin`, else the only remote. */
  remote?: string;
}

export interface PullReport {
  /** The remote or bundle file read, or null when there is no remote. */
  source: string | null;
  runs_added: number;
  tags_added: number;
  notes_merged: boolean;
  /** The ledger branch after the pull (null when there is none). */
  commit: string | null;
  notices: string[];
}

export interface PushReport {
  remote: string | null;
  pushed: string[];
  pull: PullReport | null;
}

/** The remote to exchange with, or null when the repository has none. */
export async function defaultRemote(repo: LedgerRepo, requested?: string): Promise<string | null> {
  const remotes = (await repo.git(['remote'])).stdout.split('\n').filter(Boolean);
  if (requested !== undefined) {
    const name = remoteName(requested);
    if (!remotes.includes(name)) throw new TraceError('E_NOT_FOUND', `--remote: no remote named ${JSON.stringify(name)} (git remote lists ${remotes.join(', ') || 'none'})`);
    return name;
  }
  if (remotes.length === 0) return null;
  const branch = repo.branch.replace(/^refs\/heads\//, '');
  const upstream = branch ? (await repo.git(['config', '--get', `branch.${branch}.remote`], { okCodes: [1] })).stdout.trim() : '';
  if (upstream && remotes.includes(upstream)) return upstream;
  if (remotes.includes('origin')) return 'origin';
  return remotes.length === 1 ? remotes[0]! : null;
}

/** Which of the ledger's refs a remote or bundle has: `git ls-remote` reads both. */
async function remoteLedgerRefs(repo: LedgerRepo, source: string): Promise<Map<string, string>> {
  const result = await repo.git(['ls-remote', '--', source, LEDGER_BRANCH_REF, NOTES_REF, `${RUN_TAG_PREFIX}*`], {}).catch((error: Error) => {
    throw new TraceError('E_REMOTE', `cannot read ${source}: ${error.message.replace(/^git [a-z-]+: /, '')}`);
  });
  const refs = new Map<string, string>();
  for (const line of result.stdout.split('\n')) {
    const [object, ref] = line.split('\t');
    if (!object || !ref || ref.endsWith('^{}')) continue;
    if (ref === LEDGER_BRANCH_REF || ref === NOTES_REF || (ref.startsWith(RUN_TAG_PREFIX) && isRunIdName(ref.slice(RUN_TAG_PREFIX.length)))) refs.set(ref, object);
  }
  return refs;
}

/**
 * Fetches a source's ledger refs into a private namespace and merges them: tags this clone lacks
 * are added (a tag that exists here is kept), notes merge as a union of lines (cat_sort_uniq), and
 * the branch merges in the worktree, where files never conflict (one directory per run and thread,
 * messages as union-merged lines). Call with the ledger lock held.
 */
async function pullLocked(repo: LedgerRepo, source: string, label: string): Promise<PullReport> {
  const notices: string[] = [];
  const refs = await remoteLedgerRefs(repo, source);
  const before = await LedgerReader.open(repo, { localOnly: true });
  const runsBefore = new Set(await before.list('runs'));
  if (refs.size === 0) {
    return { source: label, runs_added: 0, tags_added: 0, notes_merged: false, commit: before.commit, notices };
  }
  const refspecs = [...refs.keys()].map((ref) => `+${ref}:${INCOMING}/${ref.slice('refs/'.length)}`);
  await repo.git(['fetch', '-q', '--no-tags', '--no-write-fetch-head', '--', source, ...refspecs]).catch((error: Error) => {
    throw new TraceError('E_REMOTE', `cannot fetch the ledger from ${label}: ${error.message.replace(/^git [a-z-]+: /, '')}`);
  });
  try {
    let tagsAdded = 0;
    for (const ref of refs.keys()) {
      if (!ref.startsWith(RUN_TAG_PREFIX)) continue;
      if ((await refObject(repo, ref)) !== null) continue;
      await repo.git(['update-ref', ref, `${INCOMING}/${ref.slice('refs/'.length)}`, '']);
      tagsAdded++;
    }

    let notesMerged = false;
    if (refs.has(NOTES_REF)) {
      const incomingNotes = `${INCOMING}/notes/trace`;
      if ((await refObject(repo, NOTES_REF)) === null) {
        await repo.git(['update-ref', NOTES_REF, incomingNotes, '']);
      } else {
        await repo.git(['notes', `--ref=${NOTES_REF}`, 'merge', '-q', '-s', 'cat_sort_uniq', incomingNotes], { env: repo.identityEnv });
      }
      notesMerged = true;
    }

    const worktree = await ensureWorktree(repo);
    notices.push(...worktree.notices);
    if (refs.has(LEDGER_BRANCH_REF)) await mergeBranch(worktree, `${INCOMING}/heads/trace-ledger`, label);
    await ensureRunTags(worktree);
    const after = await LedgerReader.open(repo, { localOnly: true });
    const runsAdded = (await after.list('runs')).filter((name) => !runsBefore.has(name)).length;
    return { source: label, runs_added: runsAdded, tags_added: tagsAdded, notes_merged: notesMerged, commit: after.commit, notices };
  } finally {
    const { stdout } = await repo.git(['for-each-ref', '--format=%(refname)', INCOMING]);
    for (const ref of stdout.split('\n').filter(Boolean)) await repo.git(['update-ref', '-d', ref]);
  }
}

async function mergeBranch(worktree: LedgerWorktree, incoming: string, label: string): Promise<void> {
  const merge = await worktree.git(['merge', '-q', '--no-edit', '--allow-unrelated-histories', '-m', `ledger: merge from ${label}`, incoming], { okCodes: [1] });
  if (merge.code === 0) return;
  // A conflict the layout should prevent (e.g. a run exported on two machines from different
  // stores): resolve it without losing anything, never leave a merge half-done.
  const { stdout } = await worktree.git(['diff', '--name-only', '--diff-filter=U', '-z']);
  const conflicted = stdout.split('\0').filter(Boolean);
  if (conflicted.length === 0) {
    await worktree.git(['merge', '--abort'], { okCodes: [128] });
    throw new TraceError('E_LEDGER', `cannot merge the ledger from ${label}: ${merge.stderr.trim().split('\n')[0] ?? 'merge failed'}`);
  }
  for (const path of conflicted) {
    const stage = async (n: number) => {
      const result = await worktree.git(['show', `:${n}:${path}`], { okCodes: [128] });
      return result.code === 0 ? result.stdout : null;
    };
    const [ours, theirs] = [await stage(2), await stage(3)];
    let merged: string;
    if (path.endsWith('.jsonl')) merged = unionLines(ours ?? '', theirs ?? '');
    else merged = ours ?? theirs ?? '';
    writeLedgerFile(worktree, path, merged);
    await worktree.git(['add', '-f', '--', path]);
  }
  await worktree.git(['commit', '-q', '--no-verify', '--no-edit']);
}

/** Both sides' JSON lines, each once, ordered by their own (ts, id). */
function unionLines(a: string, b: string): string {
  const lines = [...new Set([...a.split('\n'), ...b.split('\n')].filter((line) => line.trim() !== ''))];
  const keyed = lines.map((line) => {
    const [value] = (() => {
      try {
        return parseJsonLines(line, 'merge');
      } catch {
        return [null];
      }
    })() as Array<{ ts?: unknown; id?: unknown } | null>;
    return { line, ts: String(value?.ts ?? ''), id: String(value?.id ?? '') };
  });
  keyed.sort((x, y) => (x.ts < y.ts ? -1 : x.ts > y.ts ? 1 : x.id < y.id ? -1 : x.id > y.id ? 1 : x.line < y.line ? -1 : 1));
  return keyed.map((entry) => `${entry.line}\n`).join('');
}

function bundleSource(file: string): string {
  const path = resolve(file);
  if (!existsSync(path) || !statSync(path).isFile()) throw new TraceError('E_NOT_FOUND', `no bundle file ${JSON.stringify(file)}`);
  return path;
}

/** Merges the ledger from the remote (or from a bundle file); "no remote" is an answer, not an error. */
export async function pullLedger(options: SyncOptions & { bundle?: string }): Promise<PullReport> {
  const repo = await openLedgerRepo(options.cwd);
  const source = options.bundle !== undefined ? bundleSource(options.bundle) : await defaultRemote(repo, options.remote);
  if (source === null) return { source: null, runs_added: 0, tags_added: 0, notes_merged: false, commit: await refCommit(repo, LEDGER_BRANCH_REF), notices: [] };
  const label = options.bundle ?? source;
  return withLedgerWrite(repo, () => pullLocked(repo, source, label));
}

async function localLedgerRefs(repo: LedgerRepo): Promise<string[]> {
  const { stdout } = await repo.git(['for-each-ref', '--format=%(refname)', LEDGER_BRANCH_REF, NOTES_REF, RUN_TAG_PREFIX]);
  return stdout.split('\n').filter((ref) => ref === LEDGER_BRANCH_REF || ref === NOTES_REF || (ref.startsWith(RUN_TAG_PREFIX) && isRunIdName(ref.slice(RUN_TAG_PREFIX.length))));
}

/**
 * Pulls, then pushes the ledger's refs and only those: the branch, the run tags and the notes.
 * A push that loses a race with another clone's is pulled and retried; a refusal is E_REMOTE.
 */
export async function pushLedger(options: SyncOptions): Promise<PushReport> {
  const repo = await openLedgerRepo(options.cwd);
  const remote = await defaultRemote(repo, options.remote);
  if (remote === null) return { remote: null, pushed: [], pull: null };
  return withLedgerWrite(repo, async () => {
    for (let attempt = 1; ; attempt++) {
      const pull = await pullLocked(repo, remote, remote);
      const refs = await localLedgerRefs(repo);
      if (refs.length === 0) throw new TraceError('E_NOT_FOUND', 'the ledger is empty: nothing to push (trace ledger export first)');
      const push = await repo.git(['push', '--porcelain', '--no-follow-tags', '--', remote, ...refs.map((ref) => `${ref}:${ref}`)], { okCodes: [1, 128] });
      if (push.code === 0) return { remote, pushed: refs, pull };
      const rejected = /\[rejected\]|non-fast-forward|fetch first|stale info/.test(push.stdout + push.stderr);
      if (!rejected || attempt >= 3) {
        const reason = `${push.stderr}\n${push.stdout}`.split('\n').map((line) => line.replace(/^(fatal|error|remote): /, '').trim()).find((line) => line && !line.startsWith('hint:') && !line.startsWith('To ')) ?? `exit ${push.code}`;
        throw new TraceError('E_REMOTE', `${remote} refused the ledger push: ${reason}`);
      }
    }
  });
}

/** Writes a git bundle of the ledger's refs, for a machine with no shared remote. */
export async function bundleLedger(options: { cwd: string; file: string }): Promise<{ file: string; refs: string[] }> {
  const repo = await openLedgerRepo(options.cwd, { allowDetached: true });
  const refs = await localLedgerRefs(repo);
  if (refs.length === 0) throw new TraceError('E_NOT_FOUND', 'the ledger is empty: nothing to bundle (trace ledger export first)');
  const file = resolve(options.file);
  await repo.git(['bundle', 'create', '-q', file, ...refs]);
  return { file, refs };
}
