import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { TraceError } from '@tracekernel/schema';
import { git, type GitOptions, type GitResult } from './git-runner.js';
import { remoteLedgerCommit } from './ledger-read.js';
import { LEDGER_BRANCH, LEDGER_BRANCH_REF, NOTES_REF, WORKTREE_DIR } from './ledger-names.js';
import type { LedgerRepo } from './ledger-repo.js';

/** The ledger's checked-out worktree: every command in it names its git directory explicitly. */
export interface LedgerWorktree {
  path: string;
  adminDir: string;
  repo: LedgerRepo;
  /** What was done to the user's tree or repaired, one line each, for the command to print. */
  notices: string[];
  git(args: readonly string[], options?: Partial<GitOptions>): Promise<GitResult>;
}

/**
 * Attributes of the ledger branch: a thread's messages and a session's events are append-only
 * JSON lines, so two clones' additions merge as a union, never as a conflict.
 */
const ROOT_ATTRIBUTES = 'threads/*/messages.jsonl merge=union\n*.jsonl -text\n*.json -text\n';
const ROOT_README = '# trace-ledger\n\nRuns, threads and recorded sessions written by `trace ledger`. See docs/ledger.md in tracekernel.\n';
/** A fixed identity and time make the root commit the same in every clone, so ledgers started apart share history. */
const ROOT_ENV = {
  GIT_AUTHOR_NAME: 'trace ledger',
  GIT_AUTHOR_EMAIL: 'ledger@tracekernel.invalid',
  GIT_AUTHOR_DATE: '1970-01-01T00:00:00Z',
  GIT_COMMITTER_NAME: 'trace ledger',
  GIT_COMMITTER_EMAIL: 'ledger@tracekernel.invalid',
  GIT_COMMITTER_DATE: '1970-01-01T00:00:00Z',
};

/** The root commit every ledger starts from. */
export async function ledgerRootCommit(repo: LedgerRepo): Promise<string> {
  const blob = async (content: string) => (await repo.git(['hash-object', '-w', '--stdin'], { input: content })).stdout.trim();
  const [attributes, readme] = await Promise.all([blob(ROOT_ATTRIBUTES), blob(ROOT_README)]);
  const tree = (await repo.git(['mktree'], { input: `100644 blob ${attributes}\t.gitattributes\n100644 blob ${readme}\tREADME.md\n` })).stdout.trim();
  return (await repo.git(['commit-tree', tree, '-m', 'trace-ledger: start'], { env: ROOT_ENV })).stdout.trim();
}

/** The commit of a ref, or null. */
export async function refCommit(repo: LedgerRepo, ref: string): Promise<string | null> {
  const result = await repo.git(['rev-parse', '-q', '--verify', `${ref}^{commit}`], { okCodes: [1, 128] });
  return result.code === 0 ? result.stdout.trim() : null;
}

export async function refObject(repo: LedgerRepo, ref: string): Promise<string | null> {
  const result = await repo.git(['rev-parse', '-q', '--verify', ref], { okCodes: [1, 128] });
  return result.code === 0 ? result.stdout.trim() : null;
}

/** git lock files only ledger commands create: stale by definition once our own lock is held. */
export function ledgerGitLocks(repo: LedgerRepo): string[] {
  const locks = [
    join(repo.commonDir, `${LEDGER_BRANCH_REF}.lock`),
    join(repo.commonDir, `${NOTES_REF}.lock`),
  ];
  const adminDir = findAdminDir(repo);
  if (adminDir) locks.push(join(adminDir, 'index.lock'), join(adminDir, 'HEAD.lock'));
  const tags = join(repo.commonDir, 'refs', 'tags', 'trace', 'run');
  if (existsSync(tags)) for (const name of readdirSync(tags)) if (name.endsWith('.lock')) locks.push(join(tags, name));
  return locks;
}

/** The admin directory (`.git/worktrees/<x>`) whose gitdir points at our worktree, if any. */
function findAdminDir(repo: LedgerRepo): string | null {
  const worktrees = join(repo.commonDir, 'worktrees');
  if (!existsSync(worktrees)) return null;
  const expected = join(repo.root, WORKTREE_DIR, '.git');
  for (const name of readdirSync(worktrees)) {
    const admin = join(worktrees, name);
    try {
      if (readFileSync(join(admin, 'gitdir'), 'utf8').trim() === expected) return admin;
    } catch {
      // not a worktree entry
    }
  }
  return null;
}

/** The worktrees (other than the main one, which openLedgerRepo checks) that have the ledger branch checked out. */
function ledgerCheckouts(repo: LedgerRepo): string[] {
  const worktrees = join(repo.commonDir, 'worktrees');
  if (!existsSync(worktrees)) return [];
  const paths: string[] = [];
  for (const name of readdirSync(worktrees)) {
    try {
      if (readFileSync(join(worktrees, name, 'HEAD'), 'utf8').trim() !== `ref: ${LEDGER_BRANCH_REF}`) continue;
      const dotGit = readFileSync(join(worktrees, name, 'gitdir'), 'utf8').trim();
      if (existsSync(dotGit)) paths.push(dirname(dotGit));
    } catch {
      // not a worktree entry
    }
  }
  return paths;
}

function realOrSame(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/**
 * Makes `.trace-ledger/` a worktree of the ledger branch, creating, repairing or refusing as
 * needed; call with the ledger lock held. Refusals (E_LEDGER) say what is wrong and how to fix
 * it; nothing is ever written to the user's branch, index or files apart from `.gitignore`.
 */
export async function ensureWorktree(repo: LedgerRepo): Promise<LedgerWorktree> {
  const path = join(repo.root, WORKTREE_DIR);
  const notices: string[] = [];

  const elsewhere = ledgerCheckouts(repo).find((entry) => realOrSame(entry) !== path);
  if (elsewhere) {
    throw new TraceError('E_LEDGER', `the ledger branch ${LEDGER_BRANCH} is checked out at ${elsewhere}; the ledger writes only through ${WORKTREE_DIR}/ (remove that worktree: git worktree remove ${elsewhere})`);
  }

  let branchRecreated = false;
  if ((await refCommit(repo, LEDGER_BRANCH_REF)) === null) {
    // Under a surviving worktree the branch restarts from the shared root, so that committing the
    // worktree's files back deletes nothing a remote ledger holds; the next pull merges that in.
    branchRecreated = existsSync(join(path, '.git'));
    const start = branchRecreated ? await ledgerRootCommit(repo) : ((await remoteLedgerCommit(repo)) ?? (await ledgerRootCommit(repo)));
    await repo.git(['update-ref', LEDGER_BRANCH_REF, start, '']);
  }

  let adminDir = findAdminDir(repo);
  const stat = lstatOrNull(path);
  if (stat && (stat.isSymbolicLink() || !stat.isDirectory())) {
    throw new TraceError('E_LEDGER', `${WORKTREE_DIR} exists but is not a directory (a ${stat.isSymbolicLink() ? 'symbolic link' : 'file'}); move it away so the ledger can create its worktree there`);
  }
  if (!stat) {
    if (adminDir) {
      rmSync(adminDir, { recursive: true, force: true });
      notices.push(`ledger: ${WORKTREE_DIR}/ was missing; recreated it from the ${LEDGER_BRANCH} branch`);
    }
    await repo.git(['worktree', 'add', '-q', path, LEDGER_BRANCH]);
    adminDir = findAdminDir(repo);
  } else {
    const dotGit = join(path, '.git');
    const dotGitStat = lstatOrNull(dotGit);
    if (dotGitStat && !dotGitStat.isFile()) {
      throw new TraceError('E_LEDGER', `${WORKTREE_DIR}/.git is not a worktree link (it is a ${dotGitStat.isDirectory() ? 'directory' : 'special file'}); move ${WORKTREE_DIR}/ away and run the command again`);
    }
    if (!dotGitStat) {
      if (adminDir) {
        writeFileSync(dotGit, `gitdir: ${adminDir}\n`);
        notices.push(`ledger: repaired ${WORKTREE_DIR}/.git (it was missing)`);
      } else if (readdirSync(path).length === 0) {
        rmSync(path, { recursive: true, force: true });
        await repo.git(['worktree', 'add', '-q', path, LEDGER_BRANCH]);
        adminDir = findAdminDir(repo);
      } else {
        throw new TraceError('E_LEDGER', `${WORKTREE_DIR}/ exists but is not the ledger's worktree (no .git link and no worktree entry); move it away and run the command again`);
      }
    } else {
      const pointer = /^gitdir: (.+)$/m.exec(readFileSync(dotGit, 'utf8'))?.[1]?.trim() ?? '';
      const target = realOrSame(isAbsolute(pointer) ? pointer : resolve(path, pointer));
      const worktrees = realOrSame(join(repo.commonDir, 'worktrees'));
      if (!target.startsWith(worktrees + sep) || !existsSync(join(target, 'HEAD'))) {
        if (adminDir) {
          writeFileSync(dotGit, `gitdir: ${adminDir}\n`);
          notices.push(`ledger: repaired ${WORKTREE_DIR}/.git (it pointed outside this repository)`);
        } else {
          throw new TraceError('E_LEDGER', `${WORKTREE_DIR}/.git points at ${pointer}, which is not a worktree of this repository; move ${WORKTREE_DIR}/ away and run the command again`);
        }
      } else if (!adminDir || realOrSame(adminDir) !== target) {
        writeFileSync(join(target, 'gitdir'), `${dotGit}\n`);
        adminDir = target;
        notices.push(`ledger: repaired the worktree entry of ${WORKTREE_DIR}/`);
      }
    }
  }
  if (!adminDir) throw new TraceError('E_LEDGER', `could not find the git entry of ${WORKTREE_DIR}/ after creating it`);

  const head = readFileSync(join(adminDir, 'HEAD'), 'utf8').trim();
  if (head !== `ref: ${LEDGER_BRANCH_REF}`) {
    throw new TraceError('E_LEDGER', `${WORKTREE_DIR}/ has ${head.startsWith('ref: ') ? head.slice(5) : `commit ${head.slice(0, 12)}`} checked out instead of ${LEDGER_BRANCH}; run: git -C ${WORKTREE_DIR} switch ${LEDGER_BRANCH}`);
  }

  const worktree: LedgerWorktree = {
    path,
    adminDir,
    repo,
    notices,
    git: (args, options = {}) => git(args, { cwd: path, gitDir: adminDir!, workTree: path, ...options, env: { ...repo.identityEnv, ...options.env } }),
  };

  if (branchRecreated) {
    // The branch was deleted under a worktree: its index still holds every ledger file, so commit them back.
    await worktree.git(['add', '-A', '-f', '--', '.']);
    await worktree.git(['commit', '-q', '--allow-empty', '-m', 'ledger: restore the branch from the worktree']);
    notices.push(`ledger: the ${LEDGER_BRANCH} branch was missing; restored it from ${WORKTREE_DIR}/`);
  } else {
    await discardLeftovers(worktree);
  }
  await ensureIgnored(repo, notices);
  return worktree;
}

/** With the lock held, any uncommitted change or half-done merge was left by a process that died. */
async function discardLeftovers(worktree: LedgerWorktree): Promise<void> {
  const merging = existsSync(join(worktree.adminDir, 'MERGE_HEAD'));
  // --ignored and clean -x: the user's info/exclude or global excludes may match a ledger file.
  const status = (await worktree.git(['status', '--porcelain', '--untracked-files=all', '--ignored'])).stdout;
  if (!merging && status.trim() === '') return;
  if (merging) await worktree.git(['merge', '--abort'], { okCodes: [128] });
  await worktree.git(['reset', '-q', '--hard', 'HEAD']);
  await worktree.git(['clean', '-q', '-f', '-d', '-x']);
}

async function ensureIgnored(repo: LedgerRepo, notices: string[]): Promise<void> {
  const gitignorePath = join(repo.root, '.gitignore');
  if (existsSync(gitignorePath) && readFileSync(gitignorePath, 'utf8').split('\n').includes(`/${WORKTREE_DIR}/`)) return;
  const check = await repo.git(['check-ignore', '-q', `${WORKTREE_DIR}/`], { okCodes: [1] });
  if (check.code === 0) return;
  const gitignore = join(repo.root, '.gitignore');
  const existing = existsSync(gitignore) ? readFileSync(gitignore, 'utf8') : '';
  const separator = existing === '' || existing.endsWith('\n') ? '' : '\n';
  writeFileSync(gitignore, `${existing}${separator}# the trace ledger's worktree (trace ledger export)\n/${WORKTREE_DIR}/\n`);
  notices.push(`ledger: added /${WORKTREE_DIR}/ to .gitignore (the ledger's worktree; commit .gitignore when you like)`);
}

function lstatOrNull(path: string) {
  try {
    return lstatSync(path);
  } catch {
    return null;
  }
}

const SAFE_COMPONENT = /^[0-9a-z][0-9a-z_.-]{0,127}$/;

/**
 * Writes one ledger file atomically (a temporary file, then rename). The relative path is built
 * from validated names, and it is checked again here: every component plain, no `..`, and no
 * existing component a symbolic link, so nothing lands outside the worktree whatever a branch holds.
 */
export function writeLedgerFile(worktree: LedgerWorktree, relativePath: string, content: string): void {
  const parts = relativePath.split('/');
  if (parts.some((part) => !SAFE_COMPONENT.test(part) || part.endsWith('.lock') || part.includes('..'))) {
    throw new TraceError('E_INVALID_ID', `ledger path ${JSON.stringify(relativePath)} is not a safe name`);
  }
  let dir = worktree.path;
  for (const part of parts.slice(0, -1)) {
    dir = join(dir, part);
    const stat = lstatOrNull(dir);
    if (stat && (stat.isSymbolicLink() || !stat.isDirectory())) {
      throw new TraceError('E_LEDGER', `${WORKTREE_DIR}/${relative(worktree.path, dir)} is not a plain directory; refusing to write through it`);
    }
    if (!stat) mkdirSync(dir);
  }
  const target = join(worktree.path, ...parts);
  const targetStat = lstatOrNull(target);
  if (targetStat?.isSymbolicLink()) throw new TraceError('E_LEDGER', `${WORKTREE_DIR}/${relativePath} is a symbolic link; refusing to write through it`);
  const temporary = join(dirname(target), `.${parts.at(-1)}.${process.pid}.tmp`);
  writeFileSync(temporary, content);
  renameSync(temporary, target);
}

/** A ledger file's contents in the worktree, or null; never through a symbolic link. */
export function readPlainFile(worktree: LedgerWorktree, relativePath: string): string | null {
  const path = join(worktree.path, ...relativePath.split('/'));
  const stat = lstatOrNull(path);
  if (!stat || !stat.isFile()) return null;
  return readFileSync(path, 'utf8');
}

/**
 * Commits the given paths of the worktree if they changed; returns the new commit or null. `-f`,
 * because the user's `.git/info/exclude` or global excludes apply to this worktree too and may
 * match `*.jsonl` or `threads/`: a ledger file must never be skipped for that.
 */
export async function commitPaths(worktree: LedgerWorktree, paths: readonly string[], message: string): Promise<string | null> {
  if (paths.length === 0) return null;
  await worktree.git(['add', '-A', '-f', '--', ...paths]);
  const commit = await worktree.git(['commit', '-q', '--no-verify', '-m', message], { okCodes: [1] });
  if (commit.code !== 0) return null;
  return (await worktree.git(['rev-parse', 'HEAD'])).stdout.trim();
}
