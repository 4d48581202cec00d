import { readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';

const COMMIT = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** The git directory for `cwd`: the nearest `.git` directory, or the one a `.git` file (a linked worktree) names. */
function findGitDir(cwd: string): string | null {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const candidate = join(dir, '.git');
    try {
      const stat = statSync(candidate);
      if (stat.isDirectory()) return candidate;
      const pointer = /^gitdir: (.+)$/m.exec(readText(candidate) ?? '')?.[1]?.trim();
      if (pointer) return isAbsolute(pointer) ? pointer : resolve(dir, pointer);
    } catch {
      // no .git here: look further up
    }
    if (dirname(dir) === dir) return null;
  }
}

/**
 * The commit checked out at `cwd`, read from the files under `.git` (HEAD, loose refs, packed-refs)
 * rather than by spawning git, because every run record asks for it. Null outside a repository, in
 * one with no commits, or when the layout is one this reader does not know (a reftable store).
 */
export function readGitHead(cwd: string = process.cwd()): string | null {
  const gitDir = findGitDir(cwd);
  if (!gitDir) return null;
  const commonPointer = readText(join(gitDir, 'commondir'))?.trim();
  const commonDir = commonPointer ? resolve(gitDir, commonPointer) : gitDir;
  let content = readText(join(gitDir, 'HEAD'))?.trim() ?? null;
  for (let depth = 0; content !== null && depth < 5; depth++) {
    if (COMMIT.test(content)) return content;
    const ref = /^ref: (refs\/[^\0\s]+)$/.exec(content)?.[1];
    if (!ref || ref.split('/').includes('..')) return null;
    content = readText(join(ref === 'HEAD' ? gitDir : commonDir, ref))?.trim() ?? packedRef(commonDir, ref);
  }
  return null;
}

function packedRef(commonDir: string, ref: string): string | null {
  for (const line of (readText(join(commonDir, 'packed-refs')) ?? '').split('\n')) {
    const [sha, name] = line.split(' ');
    if (name === ref && sha && COMMIT.test(sha)) return sha;
  }
  return null;
}
