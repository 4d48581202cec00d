import { realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, resolve } from 'node:path';
import { TraceError } from '@tracekernel/schema';
import { FALLBACK_IDENTITY, git, type GitOptions, type GitResult } from './git-runner.js';
import { WORKTREE_DIR } from './ledger-names.js';

/** The user's repository, as the ledger sees it. */
export interface LedgerRepo {
  /** The top of the working tree the command runs in. */
  root: string;
  /** The repository's common git directory (where refs, objects and our lock live). */
  commonDir: string;
  /** The commit checked out, or null in a repository with no commits. */
  head: string | null;
  /** The branch checked out (`refs/heads/...`). */
  branch: string;
  /** Env for commands that write commits, tags or notes: the user's identity, or a fallback. */
  identityEnv: NodeJS.ProcessEnv;
  /** Who notes and threads are by: git's user.name, else the login. */
  userName: string;
  /** Runs git in the repository (refs, tags, notes, fetch, push): never the index or worktree. */
  git(args: readonly string[], options?: Partial<GitOptions>): Promise<GitResult>;
}

export interface OpenRepoOptions {
  /** Reading commands accept a detached HEAD; writing ones refuse it (see docs/ledger.md). */
  allowDetached?: boolean;
  /** Set when retrying from the repository around `.trace-ledger/`, so that it happens once. */
  fromLedgerWorktree?: boolean;
}

/**
 * Finds the repository around `cwd` and checks it can hold a ledger: not bare, a branch checked
 * out (unless allowDetached). Throws E_GIT with one line for each refusal.
 */
export async function openLedgerRepo(cwd: string, options: OpenRepoOptions = {}): Promise<LedgerRepo> {
  const probe = await git(['rev-parse', '--is-bare-repository', '--is-inside-work-tree', '--git-common-dir', '--show-toplevel'], { cwd, okCodes: [128] });
  if (probe.code !== 0) {
    // --show-toplevel fails in a bare repository and inside .git too: tell them apart only on this path.
    const bareProbe = await git(['rev-parse', '--is-bare-repository', '--is-inside-git-dir'], { cwd, okCodes: [128] });
    const [isBare, insideGitDir] = bareProbe.stdout.trim().split('\n');
    if (isBare === 'true') throw new TraceError('E_GIT', 'this is a bare repository: the ledger needs a working tree for .trace-ledger/; run it in a clone');
    if (insideGitDir === 'true') throw new TraceError('E_GIT', `${cwd} is inside the repository's .git directory: run it from the working tree`);
    throw new TraceError('E_GIT', `not in a git repository (${cwd}): the ledger lives in the repository's git data`);
  }
  const [bare, inside, common, top] = probe.stdout.split('\n');
  if (bare === 'true') throw new TraceError('E_GIT', 'this is a bare repository: the ledger needs a working tree for .trace-ledger/; run it in a clone');
  if (inside !== 'true' || !top) throw new TraceError('E_GIT', 'not inside a git working tree: run it from the repository\'s working tree');
  const root = realpathSync(top);
  const commonDir = realpathSync(isAbsolute(common!) ? common! : resolve(cwd, common!));
  const [symbolic, headResult, config] = await Promise.all([
    git(['symbolic-ref', '-q', 'HEAD'], { cwd: root, okCodes: [1] }),
    git(['rev-parse', '-q', '--verify', 'HEAD^{commit}'], { cwd: root, okCodes: [1, 128] }),
    git(['config', '--get-regexp', '^user\\.(name|email)$'], { cwd: root, okCodes: [1] }),
  ]);
  const branch = symbolic.stdout.trim();
  if (symbolic.code !== 0 || branch === '') {
    if (!options.allowDetached) {
      throw new TraceError('E_GIT', 'HEAD is detached: check out a branch first (git switch <branch>); the ledger tags runs from a branch\'s HEAD and will not guess one');
    }
  }
  if (branch === 'refs/heads/trace-ledger') {
    // Inside .trace-ledger/ itself (a user looking at the files): act for the repository around it.
    if (basename(root) === WORKTREE_DIR && !options.fromLedgerWorktree) {
      const outer = await git(['rev-parse', '--git-common-dir'], { cwd: dirname(root), okCodes: [128] });
      if (outer.code === 0 && realpathSync(resolve(dirname(root), outer.stdout.trim())) === commonDir) {
        return openLedgerRepo(dirname(root), { ...options, fromLedgerWorktree: true });
      }
    }
    throw new TraceError('E_LEDGER', 'the ledger branch trace-ledger is checked out here: switch back to your own branch (git switch -)');
  }
  const head = headResult.code === 0 ? headResult.stdout.trim() : null;
  const user = Object.fromEntries(config.stdout.split('\n').filter(Boolean).map((line) => [line.slice(0, line.indexOf(' ')), line.slice(line.indexOf(' ') + 1)]));
  return {
    root,
    commonDir,
    head,
    branch,
    identityEnv: identity(user['user.name'], user['user.email']),
    userName: user['user.name'] || process.env.USER || process.env.LOGNAME || 'unknown',
    git: (args, extra = {}) => git(args, { cwd: root, ...extra }),
  };
}

function identity(name: string | undefined, email: string | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  if (!name && !process.env.GIT_AUTHOR_NAME) env.GIT_AUTHOR_NAME = env.GIT_COMMITTER_NAME = FALLBACK_IDENTITY.name;
  if (!email && !process.env.GIT_AUTHOR_EMAIL) env.GIT_AUTHOR_EMAIL = env.GIT_COMMITTER_EMAIL = FALLBACK_IDENTITY.email;
  return env;
}
