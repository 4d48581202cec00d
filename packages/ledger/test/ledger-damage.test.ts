import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { addNote, createThread, exportRuns, importRuns, listLedgerRuns, listNotes, showLedgerRun } from '@tracekernel/ledger';
import { makeRepo, openStore, recordRun, sh, tempDirs, userState } from './git-fixture.js';

const dirs = tempDirs();
afterEach(() => dirs.cleanup());

async function exportedRepo() {
  const base = dirs.make();
  const repo = makeRepo(join(base, 'repo'));
  const store = openStore(join(base, 'store'));
  const { span } = await recordRun(store, repo);
  await exportRuns({ cwd: repo, store });
  return { base, repo, store, span, user: userState(repo) };
}

function expectUserUntouched(repo: string, user: ReturnType<typeof userState>): void {
  expect(userState(repo)).toEqual(user);
  expect(sh(repo, 'log', '--format=%s', 'main')).toBe('commit 0');
}

describe('a damaged ledger worktree is repaired or refused, never written through', () => {
  it('repairs a removed .git file, a deleted directory and a deleted branch, keeping every run', async () => {
    const { base, repo, store, span, user } = await exportedRepo();
    const second = (await recordRun(store, repo, 'second')).span;

    rmSync(join(repo, '.trace-ledger', '.git'));
    const repaired = await exportRuns({ cwd: repo, store, runs: [second] });
    expect(repaired.notices.join('\n')).toMatch(/repaired \.trace-ledger\/\.git/);
    expect(repaired.runs).toEqual([{ span_id: second, change: 'added' }]);
    expectUserUntouched(repo, user);

    rmSync(join(repo, '.trace-ledger'), { recursive: true, force: true });
    const third = (await recordRun(store, repo, 'third')).span;
    const recreated = await exportRuns({ cwd: repo, store, runs: [third] });
    expect(recreated.notices.join('\n')).toMatch(/was missing; recreated/);
    expectUserUntouched(repo, user);

    sh(repo, 'update-ref', '-d', 'refs/heads/trace-ledger');
    const fourth = (await recordRun(store, repo, 'fourth')).span;
    const restored = await exportRuns({ cwd: repo, store, runs: [fourth] });
    expect(restored.notices.join('\n')).toMatch(/branch was missing; restored/);
    expect((await listLedgerRuns(repo)).runs.map((run) => run.span_id).sort()).toEqual([span, second, third, fourth].sort());
    expectUserUntouched(repo, user);
    await store.close();
    void base;
  });

  it('refuses the ledger branch checked out elsewhere, a foreign .trace-ledger/, and a symlink inside the ledger', async () => {
    const { base, repo, store, span, user } = await exportedRepo();

    sh(repo, 'worktree', 'remove', '--force', '.trace-ledger');
    sh(repo, 'worktree', 'add', '-q', join(base, 'elsewhere'), 'trace-ledger');
    await expect(exportRuns({ cwd: repo, store })).rejects.toMatchObject({ code: 'E_LEDGER', message: expect.stringContaining(`checked out at ${join(base, 'elsewhere')}`) });
    sh(repo, 'worktree', 'remove', '--force', join(base, 'elsewhere'));

    mkdirSync(join(repo, '.trace-ledger'));
    writeFileSync(join(repo, '.trace-ledger', 'mine.txt'), 'the user\'s own file\n');
    await expect(exportRuns({ cwd: repo, store })).rejects.toMatchObject({ code: 'E_LEDGER', message: expect.stringContaining('is not the ledger\'s worktree') });
    rmSync(join(repo, '.trace-ledger'), { recursive: true });

    // A ledger branch (say, pulled from someone else) whose run directory is a symlink out of the worktree.
    await exportRuns({ cwd: repo, store });
    const outside = join(base, 'outside');
    mkdirSync(outside);
    rmSync(join(repo, '.trace-ledger', 'runs', span), { recursive: true });
    symlinkSync(outside, join(repo, '.trace-ledger', 'runs', span));
    sh(join(repo, '.trace-ledger'), 'add', '-A');
    sh(join(repo, '.trace-ledger'), 'commit', '-q', '-m', 'hostile');
    await expect(exportRuns({ cwd: repo, store, runs: [span] })).rejects.toMatchObject({ code: 'E_LEDGER', message: expect.stringMatching(/is not a plain directory; refusing to write through it/) });
    expect(readdirSync(outside)).toEqual([]);

    await expect(exportRuns({ cwd: join(repo, '.git'), store })).rejects.toMatchObject({ code: 'E_GIT', message: expect.stringContaining("is inside the repository's .git directory") });
    sh(repo, 'switch', '-q', '--detach');
    await expect(exportRuns({ cwd: repo, store })).rejects.toMatchObject({ code: 'E_GIT', message: expect.stringContaining('HEAD is detached') });
    sh(repo, 'switch', '-q', 'main');
    expectUserUntouched(repo, user);
    await store.close();
  });

  it('takes over the lock of a dead process and removes the git locks it left', async () => {
    const { repo, store, user } = await exportedRepo();
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const admin = readFileSync(join(repo, '.trace-ledger', '.git'), 'utf8').replace(/^gitdir: /, '').trim();
    writeFileSync(join(repo, '.git', 'trace-ledger.lock'), JSON.stringify({ pid: Number(dead.stdout), host: (await import('node:os')).hostname(), token: 'dead' }));
    writeFileSync(join(admin, 'index.lock'), '');
    writeFileSync(join(repo, '.git', 'refs', 'heads', 'trace-ledger.lock'), '');
    const second = (await recordRun(store, repo, 'after-crash')).span;
    const report = await exportRuns({ cwd: repo, store });
    expect(report.runs.find((run) => run.span_id === second)?.change).toBe('added');
    expect(existsSync(join(repo, '.git', 'trace-ledger.lock'))).toBe(false);
    expect(existsSync(join(admin, 'index.lock'))).toBe(false);
    expect(existsSync(join(repo, '.git', 'refs', 'heads', 'trace-ledger.lock'))).toBe(false);
    expectUserUntouched(repo, user);
    await store.close();
  });
});

describe('names are safe', () => {
  const HOSTILE = ['../../../x', '..', 'a/b', ' ', 'x.lock', '-x', '--upload-pack=touch pwned', 'a\u0001b', 'ü', 'refs/heads/main', ''];

  it('refuses every hostile run, thread or event id before it becomes a path or a ref, and writes nothing outside .trace-ledger/', async () => {
    const { base, repo, store, span, user } = await exportedRepo();
    const thread = await createThread({ cwd: repo, title: 'ok' });
    const rootBefore = readdirSync(repo).sort();
    const ledgerFiles = sh(repo, 'ls-tree', '-r', '--name-only', 'trace-ledger');
    const refsBefore = sh(repo, 'for-each-ref', '--format=%(refname)');
    for (const bad of HOSTILE) {
      await expect(showLedgerRun(repo, bad)).rejects.toMatchObject({ code: 'E_INVALID_ID' });
      await expect(importRuns({ cwd: repo, store, runs: [bad] })).rejects.toMatchObject({ code: 'E_INVALID_ID' });
      await expect(listNotes({ cwd: repo, subject: bad })).rejects.toMatchObject({ code: 'E_INVALID_ID' });
      await expect(listNotes({ cwd: repo, thread: bad })).rejects.toMatchObject({ code: 'E_INVALID_ID' });
      await expect(createThread({ cwd: repo, title: 't', run: bad })).rejects.toMatchObject({ code: 'E_INVALID_ID' });
      await expect(addNote({ cwd: repo, store, text: 'x', thread: bad })).rejects.toMatchObject({ code: 'E_INVALID_ID' });
      await expect(addNote({ cwd: repo, store, subject: bad, text: 'x' })).rejects.toMatchObject({ code: expect.stringMatching(/^E_(NOT_FOUND|INVALID_ID)$/) });
      await expect(exportRuns({ cwd: repo, store, runs: [bad] })).rejects.toMatchObject({ code: expect.stringMatching(/^E_(NOT_FOUND|INVALID_ID)$/) });
    }
    // A title is free text: control characters are dropped, and it never becomes a path.
    const titled = await createThread({ cwd: repo, title: '../../../x\u0007 \u202e evil' });
    expect(titled.title).toBe('../../../x \u202e evil');
    expect(titled.thread_id).toMatch(/^thr_[0-9a-f]{32}$/);
    expect(readdirSync(repo).sort()).toEqual(rootBefore);
    expect(existsSync(join(base, 'x'))).toBe(false);
    expect(sh(repo, 'ls-tree', '-r', '--name-only', 'trace-ledger').split('\n').filter((path) => !path.startsWith('threads/'))).toEqual(ledgerFiles.split('\n').filter((path) => !path.startsWith('threads/')));
    expect(sh(repo, 'for-each-ref', '--format=%(refname)')).toBe(refsBefore);
    expectUserUntouched(repo, user);
    void span;
    void thread;
    await store.close();
  });
});
