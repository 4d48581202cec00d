import type { RunRecord } from '@tracekernel/schema';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readPlainFile, type LedgerWorktree } from './ledger-worktree.js';
import { RUN_TAG_PREFIX, isRunIdName, runTagRef } from './ledger-names.js';
import type { LedgerRepo } from './ledger-repo.js';
import { parseRunJson, runSummaryLine } from './run-files.js';

/** The span ids that have a `trace/run/<span_id>` tag. */
export async function taggedRuns(repo: LedgerRepo): Promise<Map<string, string>> {
  const { stdout } = await repo.git(['for-each-ref', '--format=%(refname) %(objectname)', RUN_TAG_PREFIX]);
  const tags = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const [ref, object] = line.split(' ');
    if (ref && object) tags.set(ref.slice(RUN_TAG_PREFIX.length), object);
  }
  return tags;
}

async function isCommit(repo: LedgerRepo, sha: string): Promise<boolean> {
  return (await repo.git(['cat-file', '-e', `${sha}^{commit}`], { okCodes: [1, 128] })).code === 0;
}

/**
 * Tags every ledger run that has no tag yet: an annotated tag on the commit that was HEAD when it
 * ran (its code_ref, else the current HEAD), with its one-line summary as the message. The tagger
 * and date are fixed by the run (its start time), so two clones tagging the same run make the same
 * tag object, and the notes attached to it merge. With no commit yet, nothing is tagged: the first
 * export after a commit does it. Call with the ledger lock held: the worktree is then
 * the branch's HEAD, and is read directly.
 */
export async function ensureRunTags(worktree: LedgerWorktree): Promise<{ created: string[]; pending: string[] }> {
  const { repo } = worktree;
  const tags = await taggedRuns(repo);
  const runsDir = join(worktree.path, 'runs');
  const names = existsSync(runsDir) ? readdirSync(runsDir) : [];
  const untagged = names.filter((name) => isRunIdName(name) && !tags.has(name)).sort();
  if (untagged.length === 0) return { created: [], pending: [] };
  if (repo.head === null) return { created: [], pending: untagged };
  const created: string[] = [];
  for (const name of untagged) {
    const text = readPlainFile(worktree, `runs/${name}/run.json`);
    if (text === null) continue;
    const record = parseRunJson(text, `runs/${name}/run.json`);
    const target = record.code_ref && (await isCommit(repo, record.code_ref)) ? record.code_ref : repo.head;
    await createRunTag(repo, record, target);
    created.push(name);
  }
  return { created, pending: [] };
}

async function createRunTag(repo: LedgerRepo, record: RunRecord, commit: string): Promise<void> {
  await repo.git(['tag', '-a', '--cleanup=verbatim', '-F', '-', runTagRef(record.span_id).slice('refs/tags/'.length), commit], {
    input: `${runSummaryLine(record)}\n`,
    env: {
      GIT_COMMITTER_NAME: 'trace ledger',
      GIT_COMMITTER_EMAIL: 'ledger@tracekernel.invalid',
      GIT_COMMITTER_DATE: record.started_at,
    },
  });
}
