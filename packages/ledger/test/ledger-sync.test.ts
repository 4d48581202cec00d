import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { addNote, bundleLedger, createThread, exportRuns, listLedgerRuns, listNotes, pullLedger, pushLedger } from '@tracekernel/ledger';
import { makeRepo, openStore, recordRun, sh, tempDirs, userState } from './git-fixture.js';

const dirs = tempDirs();
afterEach(() => dirs.cleanup());

function clone(remote: string, dir: string): string {
  sh(join(dir, '..'), 'clone', '-q', remote, dir);
  sh(dir, 'config', 'user.name', 'Bo');
  sh(dir, 'config', 'user.email', 'bo@example.com');
  return dir;
}

describe('ledger push, pull and bundle', () => {
  it('says "no remote" without failing, and exchanges only the ledger refs with a bare remote; divergent clones merge', async () => {
    const base = dirs.make();
    const a = makeRepo(join(base, 'a'));
    const storeA = openStore(join(base, 'store-a'));
    const runA = (await recordRun(storeA, a, 'alpha')).span;
    await exportRuns({ cwd: a, store: storeA });
    expect(await pushLedger({ cwd: a })).toEqual({ remote: null, pushed: [], pull: null });
    expect((await pullLedger({ cwd: a })).source).toBeNull();

    sh(base, 'init', '-q', '--bare', '-b', 'main', 'remote.git');
    const remote = join(base, 'remote.git');
    sh(a, 'remote', 'add', 'origin', remote);
    sh(a, 'push', '-q', 'origin', 'main');
    sh(a, 'tag', 'v1');
    sh(a, 'branch', 'feature');
    const pushed = await pushLedger({ cwd: a });
    expect(pushed.remote).toBe('origin');
    const remoteRefs = sh(remote, 'for-each-ref', '--format=%(refname)').split('\n').sort();
    expect(remoteRefs).toEqual(['refs/heads/main', 'refs/heads/trace-ledger', `refs/tags/trace/run/${runA}`].sort());

    // Two clones diverge: each adds a run, then they exchange through the remote.
    const b = clone(remote, join(base, 'b'));
    // A fresh clone has origin/trace-ledger but no local branch yet: it reads that one.
    expect((await listLedgerRuns(b)).runs.map((run) => run.span_id)).toEqual([runA]);
    const storeB = openStore(join(base, 'store-b'));
    const runB = (await recordRun(storeB, b, 'beta')).span;
    await exportRuns({ cwd: b, store: storeB });
    const runA2 = (await recordRun(storeA, a, 'alpha2')).span;
    await exportRuns({ cwd: a, store: storeA });
    await pushLedger({ cwd: a });
    const beforeB = userState(b);
    const pulled = await pullLedger({ cwd: b });
    // The clone started its ledger from origin/trace-ledger (runA), so the pull brings runA2.
    expect(pulled.runs_added).toBe(1);
    await pushLedger({ cwd: b });
    await pullLedger({ cwd: a });
    const expected = [runA, runA2, runB].sort();
    expect((await listLedgerRuns(a)).runs.map((run) => run.span_id).sort()).toEqual(expected);
    expect((await listLedgerRuns(b)).runs.map((run) => run.span_id).sort()).toEqual(expected);
    expect(sh(a, 'rev-parse', 'trace-ledger')).toBe(sh(b, 'rev-parse', 'trace-ledger'));
    expect(sh(b, 'tag', '-l', 'trace/run/*').split('\n').sort()).toEqual(expected.map((id) => `trace/run/${id}`));
    const afterB = userState(b);
    expect({ ...afterB, status: '' }).toEqual({ ...beforeB, status: '' });
    expect(sh(remote, 'tag', '-l')).not.toContain('v1');
    expect(sh(remote, 'branch', '--list', 'feature')).toBe('');

    // A bundle carries the ledger to a third repository with no shared remote.
    const file = join(base, 'ledger.bundle');
    await bundleLedger({ cwd: a, file });
    const c = makeRepo(join(base, 'c'));
    const fromBundle = await pullLedger({ cwd: c, bundle: file });
    expect(fromBundle.runs_added).toBe(3);
    expect((await listLedgerRuns(c)).runs.map((run) => run.span_id).sort()).toEqual(expected);
    await storeA.close();
    await storeB.close();
  }, 120_000);

  it("ignores the user's git habits: ff-only and signed merges, signing, push.followTags, hooks, excluded *.jsonl", async () => {
    const base = dirs.make();
    const hooks = join(base, 'hooks');
    mkdirSync(hooks);
    for (const hook of ['pre-commit', 'commit-msg', 'pre-merge-commit', 'pre-push', 'post-checkout']) writeFileSync(join(hooks, hook), '#!/bin/sh\nexit 1\n', { mode: 0o755 });
    const habits = (dir: string) => {
      for (const [key, value] of [
        ['commit.gpgSign', 'true'], ['tag.gpgSign', 'true'], ['tag.forceSignAnnotated', 'true'], ['gpg.program', '/bin/false'],
        ['merge.ff', 'only'], ['merge.verifySignatures', 'true'], ['push.followTags', 'true'], ['core.hooksPath', hooks],
      ]) sh(dir, 'config', key!, value!);
      writeFileSync(join(dir, '.git', 'info', 'exclude'), '*.jsonl\nthreads/\n');
    };
    const a = makeRepo(join(base, 'a'));
    sh(a, 'tag', '-a', '-m', 'release one', 'v1');
    sh(base, 'init', '-q', '--bare', '-b', 'main', 'remote.git');
    const remote = join(base, 'remote.git');
    sh(a, 'remote', 'add', 'origin', remote);
    sh(a, 'push', '-q', 'origin', 'main');
    habits(a);
    const b = clone(remote, join(base, 'b'));
    habits(b);
    const storeA = openStore(join(base, 'store-a'));
    const storeB = openStore(join(base, 'store-b'));
    const runA = (await recordRun(storeA, a, 'alpha')).span;
    await exportRuns({ cwd: a, store: storeA });
    const thread = await createThread({ cwd: a, title: 'why?' });
    await addNote({ cwd: a, store: storeA, thread: thread.thread_id, text: 'from a' });
    await pushLedger({ cwd: a });
    // b's ledger starts apart from a's (b never fetched it): the pull is a true merge, not a fast-forward.
    const runB = (await recordRun(storeB, b, 'beta')).span;
    await exportRuns({ cwd: b, store: storeB });
    await pushLedger({ cwd: b });
    await pullLedger({ cwd: a });

    expect(sh(remote, 'tag', '-l')).toBe(`trace/run/${[runA, runB].sort().join('\ntrace/run/')}`);
    for (const dir of [a, b]) {
      const files = sh(dir, 'ls-tree', '-r', '--name-only', 'trace-ledger').split('\n');
      expect(files).toEqual(expect.arrayContaining([`runs/${runA}/events.jsonl`, `runs/${runB}/events.jsonl`, `threads/${thread.thread_id}/messages.jsonl`]));
      expect((await listNotes({ cwd: dir, thread: thread.thread_id })).notes.map((note) => note.text)).toEqual(['from a']);
    }
    await storeA.close();
    await storeB.close();
  }, 60_000);

  it('reports a remote that refuses the push as one E_REMOTE line', async () => {
    const base = dirs.make();
    const a = makeRepo(join(base, 'a'));
    const store = openStore(join(base, 'store'));
    await recordRun(store, a);
    await exportRuns({ cwd: a, store });
    sh(base, 'init', '-q', '--bare', '-b', 'main', 'remote.git');
    const remote = join(base, 'remote.git');
    // A remote that refuses every ref update, as a protected server does.
    const hook = join(remote, 'hooks', 'pre-receive');
    (await import('node:fs')).writeFileSync(hook, '#!/bin/sh\necho "ledger pushes are not allowed here" >&2\nexit 1\n', { mode: 0o755 });
    sh(a, 'remote', 'add', 'origin', remote);
    await expect(pushLedger({ cwd: a })).rejects.toMatchObject({ code: 'E_REMOTE', message: expect.stringMatching(/^origin refused the ledger push: .+/) });
    expect(sh(remote, 'for-each-ref')).toBe('');
    await store.close();
  });
});
