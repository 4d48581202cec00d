import { execFile } from 'node:child_process';
import { TraceError, type TraceErrorCode } from '@tracekernel/schema';

export interface GitOptions {
  cwd: string;
  /** Set for commands in the ledger's worktree, so git can never fall back to the user's repository. */
  gitDir?: string;
  workTree?: string;
  input?: string | Buffer;
  env?: NodeJS.ProcessEnv;
  /** Exit codes that are answers rather than failures (e.g. 1 for `check-ignore`). */
  okCodes?: readonly number[];
}

export interface GitResult {
  stdout: string;
  stderr: string;
  code: number;
}

/**
 * Settings for every git command the ledger runs: no hooks (a user's pre-commit hook has no
 * business with ledger commits), no signing prompt, no background gc holding locks after we exit,
 * no line-ending conversion (the bytes are the ledger's contract), no pager or credential prompt.
 * A user's merge and push habits are overridden too: `merge.ff=only` or `merge.verifySignatures`
 * would refuse the ledger's (unsigned, divergent) merges, and `push.followTags` would push the
 * user's own annotated tags along with the run tags.
 */
const CONFIG = [
  '-c', 'core.hooksPath=/dev/null',
  '-c', 'commit.gpgSign=false',
  '-c', 'tag.gpgSign=false',
  '-c', 'tag.forceSignAnnotated=false',
  '-c', 'push.gpgSign=false',
  '-c', 'push.followTags=false',
  '-c', 'merge.ff=true',
  '-c', 'merge.verifySignatures=false',
  '-c', 'core.fsmonitor=false',
  '-c', 'color.ui=false',
  '-c', 'gc.auto=0',
  '-c', 'maintenance.auto=false',
  '-c', 'core.autocrlf=false',
  '-c', 'core.safecrlf=false',
  '-c', 'advice.detachedHead=false',
];

/** The identity used when the repository has none configured (a fresh CI box, a test repo). */
export const FALLBACK_IDENTITY = { name: 'trace ledger', email: 'ledger@tracekernel.invalid' };

/** Runs the real `git` binary with execFile (never a shell); a failure is a TraceError with git's first line. */
export function git(args: readonly string[], options: GitOptions, failure: TraceErrorCode = 'E_GIT'): Promise<GitResult> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...options.env,
    GIT_TERMINAL_PROMPT: '0',
    GIT_PAGER: 'cat',
    LC_ALL: 'C',
  };
  // Inherited git variables would point every command at another repository.
  for (const name of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_COMMON_DIR', 'GIT_OBJECT_DIRECTORY', 'GIT_NAMESPACE']) delete env[name];
  if (options.gitDir) env.GIT_DIR = options.gitDir;
  if (options.workTree) env.GIT_WORK_TREE = options.workTree;
  return new Promise((resolve, reject) => {
    const child = execFile('git', [...CONFIG, ...args], { cwd: options.cwd, env, maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      if (code === 0 || options.okCodes?.includes(code)) return resolve({ stdout, stderr, code });
      if (error && (error as NodeJS.ErrnoException).code === 'ENOENT') {
        return reject(new TraceError('E_GIT', 'git is not installed (no `git` on PATH)'));
      }
      const line = firstLine(stderr) ?? firstLine(stdout) ?? `exit ${code}`;
      reject(new TraceError(failure, `git ${args.find((arg) => !arg.startsWith('-')) ?? ''}: ${line}`));
    });
    if (options.input !== undefined) child.stdin?.end(options.input);
    else child.stdin?.end();
  });
}

function firstLine(text: string): string | undefined {
  return text
    .split('\n')
    .map((line) => line.replace(/^(fatal|error): /, '').trim())
    .find((line) => line.length > 0 && !line.startsWith('hint:'));
}
