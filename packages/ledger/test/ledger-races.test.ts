import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { listNotes, listThreads } from '@tracekernel/ledger';
import { gitEnv, makeRepo, sh, tempDirs, userState } from './git-fixture.js';

const dirs = tempDirs();
afterEach(() => dirs.cleanup());

const WRITER = fileURLToPath(new URL('./race-writer.mjs', import.meta.url));

interface Written {
  spans: string[];
  notes: string[];
  thread: string;
  messages: string[];
}

function runWriter(repo: string, storeDir: string, name: string): Promise<Written> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [WRITER, repo, storeDir, name], { cwd: repo, env: gitEnv() }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${name} failed: ${stderr}`));
      else resolve(JSON.parse(stdout) as Written);
    });
  });
}

function lockFiles(dir: string): string[] {
  const found: string[] = [];
  const walk = (path: string) => {
    for (const entry of readdirSync(path)) {
      const full = join(path, entry);
      if (statSync(full).isDirectory()) walk(full);
      else if (entry.endsWith('.lock') || entry.includes('.lock.')) found.push(relative(dir, full));
    }
  };
  walk(dir);
  return found;
}

async function race(repo: string, storeDir: string): Promise<Written[]> {
  return Promise.all(['p0', 'p1', 'p2', 'p3'].map((name) => runWriter(repo, storeDir, name)));
}

async function checkNothingLost(repo: string, written: Written[]): Promise<void> {
  const tree = sh(repo, 'ls-tree', '-r', '--name-only', 'trace-ledger').split('\n');
  for (const span of written.flatMap((w) => w.spans)) {
    expect(tree).toContain(`runs/${span}/run.json`);
    expect(tree).toContain(`runs/${span}/events.jsonl`);
    expect(sh(repo, 'show', `trace-ledger:runs/${span}/events.jsonl`).split('\n')).toHaveLength(3);
  }
  for (const w of written) {
    for (const [i, span] of w.spans.entries()) {
      expect((await listNotes({ cwd: repo, subject: span })).notes.map((note) => note.id)).toEqual([w.notes[i]]);
    }
    expect((await listNotes({ cwd: repo, thread: w.thread })).notes.map((note) => note.id)).toEqual(w.messages);
  }
  expect((await listThreads(repo)).threads.filter((thread) => written.some((w) => w.thread === thread.thread_id))).toHaveLength(written.length);
  expect(lockFiles(join(repo, '.git'))).toEqual([]);
}

describe('concurrent ledger writers', () => {
  it('4 processes × 8 writes (exports, notes, thread messages), cold then warm: nothing lost, the user\'s branch, index and files untouched', async () => {
    const base = dirs.make();
    const repo = makeRepo(join(base, 'repo'));
    const before = userState(repo);

    const cold = await race(repo, join(base, 'stores-cold'));
    await checkNothingLost(repo, cold);
    const afterCold = userState(repo);
    expect(afterCold.head).toBe(before.head);
    expect(afterCold.branch).toBe(before.branch);
    expect(afterCold.index).toBe(before.index);
    expect(afterCold.status).toBe('?? .gitignore');
    expect(readFileSync(join(repo, '.gitignore'), 'utf8').match(/\/\.trace-ledger\//g)).toHaveLength(1);
    expect(sh(repo, 'log', '--format=%s', 'main')).toBe('commit 0');

    const warm = await race(repo, join(base, 'stores-warm'));
    await checkNothingLost(repo, [...cold, ...warm]);
    expect(userState(repo)).toEqual(afterCold);
    expect(sh(repo, 'log', '--format=%s', 'main')).toBe('commit 0');

    // A writer killed while it holds the ledger's lock leaves nothing that stops the next one. The
    // exit is awaited from the start: a fast writer may be gone before the lock is ever seen.
    const victim = execFile(process.execPath, [WRITER, repo, join(base, 'stores-killed'), 'victim'], { cwd: repo, env: gitEnv() });
    const exited = new Promise((done) => victim.once('exit', done));
    const lock = join(repo, '.git', 'trace-ledger.lock');
    while (victim.exitCode === null && victim.signalCode === null && !existsSync(lock)) await new Promise((done) => setTimeout(done, 2));
    victim.kill('SIGKILL');
    await exited;
    const after = await runWriter(repo, join(base, 'stores-after'), 'after');
    await checkNothingLost(repo, [...cold, ...warm, after]);
    expect(userState(repo)).toEqual(afterCold);
  }, 240_000); // 72 serialised ledger writes from 9 processes: generous on a loaded machine
});
