import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TRACE_BIN, errorLine, tempDirs, trace } from './helpers/trace-cli.js';

const dirs = tempDirs();
afterAll(() => dirs.cleanup());

const T = `"${process.execPath}" "${TRACE_BIN}"`;
const gitEnv = { GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', TRACE_ENC_KEY: undefined };

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, ...gitEnv } as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

function repoAt(dir: string): string {
  mkdirSync(dir, { recursive: true });
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'config', 'user.name', 'Ada');
  git(dir, 'config', 'user.email', 'ada@example.com');
  writeFileSync(join(dir, 'README.md'), 'hi\n');
  git(dir, 'add', 'README.md');
  git(dir, 'commit', '-q', '-m', 'first');
  return dir;
}

function gitLocks(gitDir: string): string[] {
  const found: string[] = [];
  const walk = (path: string) => {
    for (const entry of readdirSync(path)) {
      const full = join(path, entry);
      if (statSync(full).isDirectory()) walk(full);
      else if (entry.endsWith('.lock')) found.push(relative(gitDir, full));
    }
  };
  walk(gitDir);
  return found;
}

const json = (stdout: string) => JSON.parse(stdout);

describe('trace ledger, end to end', () => {
  it('round trip: record runs, export, push; a second clone pulls and imports, and sees the same runs and causality', async () => {
    const base = dirs.make('trace-ledger-e2e-');
    git(base, 'init', '-q', '--bare', '-b', 'main', 'remote.git');
    const a = repoAt(join(base, 'a'));
    const envA = { ...gitEnv, TRACE_DB: join(base, 'a.db') };
    git(a, 'remote', 'add', 'origin', join(base, 'remote.git'));
    git(a, 'push', '-q', 'origin', 'main');

    const inner = `${T} emit ops create_task --target step-3 --meta '{"title":"step 3"}' > /dev/null`;
    const built = await trace(['run', '--task', 'build', '--json', '--', 'sh', '-c', inner], { cwd: a, env: envA });
    expect(built.code).toBe(0);
    const span = json(built.stdout).run.span_id as string;
    expect(json(built.stdout).run.code_ref).toBe(git(a, 'rev-parse', 'HEAD'));
    expect((await trace(['run', '--task', 'deploy', '--', 'sh', '-c', 'exit 3'], { cwd: a, env: envA })).code).toBe(3);

    const exported = await trace(['ledger', 'export', '--json'], { cwd: a, env: envA });
    expect(exported.code).toBe(0);
    expect(exported.stderr).toContain('added /.trace-ledger/ to .gitignore');
    expect(json(exported.stdout).runs).toHaveLength(2);
    const showA = await trace(['runs', 'show', span, '--json'], { cwd: a, env: envA });
    const causalityA = await trace(['--causality', span, '--json'], { cwd: a, env: envA });
    expect(json(causalityA.stdout).root.children.length).toBeGreaterThan(0);

    const noted = await trace(['note', span, 'step 3 failed: the lock timed out', '--json'], { cwd: a, env: envA });
    expect(noted.code).toBe(0);
    const pushed = await trace(['ledger', 'push', '--json'], { cwd: a, env: envA });
    expect(pushed.code).toBe(0);
    expect(json(pushed.stdout).pushed).toContain('refs/heads/trace-ledger');

    git(base, 'clone', '-q', join(base, 'remote.git'), 'b');
    const b = join(base, 'b');
    const envB = { ...gitEnv, TRACE_DB: join(base, 'b.db') };
    expect((await trace(['ledger', 'pull'], { cwd: b, env: envB })).code).toBe(0);
    // (list, and a second import adding nothing, are covered in-process in packages/ledger/test.)
    const imported = await trace(['ledger', 'import', '--json'], { cwd: b, env: envB });
    expect(json(imported.stdout).runs.map((run: { span_id: string }) => run.span_id)).toContain(span);
    expect(json(imported.stdout).events_added).toBe(5);

    const showB = await trace(['runs', 'show', span, '--json'], { cwd: b, env: envB });
    const causalityB = await trace(['--causality', span, '--json'], { cwd: b, env: envB });
    expect(json(showB.stdout)).toEqual(json(showA.stdout));
    expect(json(causalityB.stdout)).toEqual(json(causalityA.stdout));
    const notes = json((await trace(['notes', span, '--json'], { cwd: b, env: envB })).stdout).notes;
    expect(notes).toMatchObject([{ text: 'step 3 failed: the lock timed out', run_id: span, user: 'Ada', flags: { encrypted: false, publish: false } }]);
    expect(Object.keys(notes[0]).sort()).toEqual(['event_id', 'flags', 'id', 'run_id', 'text', 'thread_id', 'ts', 'user']);

    // A thread with one message says so in the singular (issue 15's "(1 messages)").
    const thread = json((await trace(['thread', 'new', 'step 3', '--run', span, '--json'], { cwd: b, env: envB })).stdout).thread.thread_id;
    expect((await trace(['note', '--thread', thread, 'the lock again'], { cwd: b, env: envB })).code).toBe(0);
    expect((await trace(['threads'], { cwd: b, env: envB })).stdout).toMatch(new RegExp(`^${thread} .* 1 message  step 3`, 'm'));

    // Recording through the CLI, in the second clone.
    const started = await trace(['record', 'start', '--name', 'look at step 3'], { cwd: b, env: envB });
    const recording = started.stdout.trim();
    expect(recording).toMatch(/^rec_[0-9a-f]{32}$/);
    const stopped = await trace(['record', 'stop', recording, '--json'], { cwd: b, env: envB });
    expect(json(stopped.stdout).session).toMatchObject({ id: recording, name: 'look at step 3', events: 0, summary: '0 events by 0 agents' });
    expect(gitLocks(join(a, '.git'))).toEqual([]);
    expect(gitLocks(join(b, '.git'))).toEqual([]);
    expect(git(a, 'status', '--porcelain')).toBe('?? .gitignore');
  }, 180_000); // about 15 CLI spawns and their git processes: generous on a loaded machine

  it('bad input: one line on stderr, a non-zero exit, the JSON error shape, and no git lock left', async () => {
    const base = dirs.make('trace-ledger-bad-');
    const env = { ...gitEnv, TRACE_DB: join(base, 'x.db') };
    const notRepo = await trace(['ledger', 'list', '--json'], { cwd: base, env });
    expect(notRepo.code).toBe(1);
    expect(json(notRepo.stdout).error.code).toBe('E_GIT');
    expect(errorLine(notRepo)).toMatch(/^trace: not in a git repository/);

    git(base, 'init', '-q', '--bare', 'bare.git');
    const bare = await trace(['ledger', 'list'], { cwd: join(base, 'bare.git'), env });
    expect(bare.code).toBe(1);
    expect(errorLine(bare)).toMatch(/^trace: this is a bare repository/);

    const repo = repoAt(join(base, 'repo'));
    const unknown = await trace(['ledger', 'show', '01a23000-0000-7000-8000-000000000000'], { cwd: repo, env });
    expect(unknown.code).toBe(1);
    expect(errorLine(unknown)).toMatch(/^trace: no run 01a23000-0000-7000-8000-000000000000 in the ledger/);

    const noRemote = await trace(['ledger', 'push'], { cwd: repo, env });
    expect(noRemote.code).toBe(0);
    expect(noRemote.stdout).toMatch(/^no remote/);

    expect((await trace(['run', '--task', 'build', '--', 'true'], { cwd: repo, env })).code).toBe(0);
    const noKey = await trace(['note', 'build', 'secret', '--encrypt', '--json'], { cwd: repo, env });
    expect(noKey.code).toBe(1);
    expect(json(noKey.stdout).error.code).toBe('E_KEY');
    expect(git(repo, 'for-each-ref', 'refs/notes', 'refs/heads/trace-ledger')).toBe('');

    git(base, 'init', '-q', '--bare', 'refusing.git');
    writeFileSync(join(base, 'refusing.git', 'hooks', 'pre-receive'), '#!/bin/sh\necho "no ledgers here" >&2\nexit 1\n', { mode: 0o755 });
    git(repo, 'remote', 'add', 'origin', join(base, 'refusing.git'));
    const refused = await trace(['ledger', 'push'], { cwd: repo, env: { ...env } });
    // The ledger is empty until an export: export first, then the push is refused by the remote.
    expect(refused.code).toBe(1);
    expect((await trace(['ledger', 'export'], { cwd: repo, env })).code).toBe(0);
    const refusedAfter = await trace(['ledger', 'push', '--json'], { cwd: repo, env });
    expect(refusedAfter.code).toBe(1);
    expect(json(refusedAfter.stdout).error).toMatchObject({ code: 'E_REMOTE', message: expect.stringMatching(/^origin refused the ledger push: /) });

    git(repo, 'switch', '-q', '--detach');
    const detached = await trace(['ledger', 'export'], { cwd: repo, env });
    expect(detached.code).toBe(1);
    expect(errorLine(detached)).toMatch(/^trace: HEAD is detached/);
    expect(gitLocks(join(repo, '.git'))).toEqual([]);
  }, 180_000);
});
