import { spawn } from 'node:child_process';
import { TraceError } from '@tracekernel/schema';
import { LEDGER_BRANCH, LEDGER_BRANCH_REF } from './ledger-names.js';
import type { LedgerRepo } from './ledger-repo.js';

/**
 * The ledger a remote brought, when this clone has fetched it (`git clone`, `git fetch`) but has
 * no local branch yet: origin's if there is one, else the first remote's.
 */
export async function remoteLedgerCommit(repo: LedgerRepo): Promise<string | null> {
  const { stdout } = await repo.git(['for-each-ref', '--format=%(refname) %(objectname)', `refs/remotes/*/${LEDGER_BRANCH}`]);
  const refs = stdout.split('\n').filter(Boolean).map((line) => line.split(' ') as [string, string]);
  return (refs.find(([ref]) => ref === `refs/remotes/origin/${LEDGER_BRANCH}`) ?? refs[0])?.[1] ?? null;
}

/**
 * Reads files straight from the ledger branch (never from the worktree), so a ledger that was only
 * fetched or pulled reads the same as one written here, and reading takes no lock.
 */
export class LedgerReader {
  private constructor(
    private readonly repo: LedgerRepo,
    readonly commit: string | null,
  ) {}

  /**
   * The local ledger branch; without one, the ledger a remote brought (a fresh clone lists and
   * imports the runs before any `trace ledger pull`), unless `localOnly`.
   */
  static async open(repo: LedgerRepo, options: { localOnly?: boolean } = {}): Promise<LedgerReader> {
    const result = await repo.git(['rev-parse', '-q', '--verify', `${LEDGER_BRANCH_REF}^{commit}`], { okCodes: [1, 128] });
    if (result.code === 0) return new LedgerReader(repo, result.stdout.trim());
    return new LedgerReader(repo, options.localOnly ? null : await remoteLedgerCommit(repo));
  }

  /** Names of the entries directly under `dir` (e.g. `runs`), of the given type. */
  async list(dir: string, type: 'tree' | 'blob' = 'tree'): Promise<string[]> {
    if (!this.commit) return [];
    const result = await this.repo.git(['ls-tree', '-z', `${this.commit}:${dir}`], { okCodes: [128] });
    if (result.code !== 0) return [];
    return result.stdout
      .split('\0')
      .filter(Boolean)
      .map((entry) => {
        const [meta, name] = entry.split('\t');
        return { type: meta?.split(' ')[1], name: name ?? '' };
      })
      .filter((entry) => entry.type === type)
      .map((entry) => entry.name);
  }

  /** The contents of each path, or null where it does not exist; one `git cat-file --batch` for all. */
  async read(paths: readonly string[]): Promise<Array<string | null>> {
    if (!this.commit || paths.length === 0) return paths.map(() => null);
    const output = await catFileBatch(this.repo.root, paths.map((path) => `${this.commit}:${path}`));
    return output;
  }

  async readOne(path: string): Promise<string | null> {
    return (await this.read([path]))[0] ?? null;
  }
}

/** `git cat-file --batch`: one process for any number of blobs, parsed by their byte sizes. */
export function catFileBatch(cwd: string, specs: readonly string[]): Promise<Array<string | null>> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, LC_ALL: 'C' };
    delete env.GIT_DIR;
    delete env.GIT_WORK_TREE;
    const child = spawn('git', ['cat-file', '--batch'], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', (error) => reject(new TraceError('E_GIT', `git cat-file: ${error.message}`)));
    child.on('close', (code) => {
      if (code !== 0) return reject(new TraceError('E_GIT', `git cat-file: ${stderr.trim() || `exit ${code}`}`));
      const buffer = Buffer.concat(chunks);
      const results: Array<string | null> = [];
      let offset = 0;
      for (let i = 0; i < specs.length; i++) {
        const end = buffer.indexOf(10, offset);
        const header = buffer.subarray(offset, end).toString();
        offset = end + 1;
        if (header.endsWith(' missing') || header.endsWith(' ambiguous')) {
          results.push(null);
          continue;
        }
        const size = Number(header.split(' ')[2]);
        results.push(header.split(' ')[1] === 'blob' ? buffer.subarray(offset, offset + size).toString('utf8') : null);
        offset += size + 1;
      }
      resolve(results);
    });
    child.stdin.end(specs.map((spec) => `${spec}\n`).join(''));
  });
}
