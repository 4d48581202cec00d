import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventCatalog, type TraceEvent } from '@tracekernel/schema';
import { RunWriter } from '@tracekernel/sdk';
import { SqliteTraceStore, type TraceStore } from '@tracekernel/store';

/** Runs real git in `cwd` and returns its trimmed stdout. */
export function sh(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: gitEnv() }).trim();
}

export function gitEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' };
  for (const name of ['GIT_DIR', 'GIT_WORK_TREE', 'TRACE_DB', 'TRACE_ENC_KEY']) delete env[name];
  return env;
}

export function tempDirs() {
  const dirs: string[] = [];
  return {
    make(prefix = 'trace-ledger-'): string {
      const dir = mkdtempSync(join(tmpdir(), prefix));
      dirs.push(dir);
      return dir;
    },
    cleanup(): void {
      for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A repository on `main` with a user identity and (unless commits is 0) one commit. */
export function makeRepo(dir: string, options: { commits?: number } = {}): string {
  mkdirSync(dir, { recursive: true });
  sh(dir, 'init', '-q', '-b', 'main');
  sh(dir, 'config', 'user.name', 'Ada');
  sh(dir, 'config', 'user.email', 'ada@example.com');
  for (let i = 0; i < (options.commits ?? 1); i++) {
    writeFileSync(join(dir, 'README.md'), `hello ${i}\n`);
    sh(dir, 'add', 'README.md');
    sh(dir, 'commit', '-q', '-m', `commit ${i}`);
  }
  return dir;
}

/** What the user's side of a repository looks like: branch, HEAD, index and status. */
export function userState(dir: string): { branch: string; head: string; index: string; status: string } {
  const head = (() => {
    try {
      return sh(dir, 'rev-parse', 'HEAD');
    } catch {
      return '(none)';
    }
  })();
  return {
    branch: sh(dir, 'symbolic-ref', 'HEAD'),
    head,
    index: sh(dir, 'ls-files', '-s'),
    status: sh(dir, 'status', '--porcelain', '--untracked-files=all'),
  };
}

/** A store in its own directory, outside the repository, so it never shows in the user's status. */
export function openStore(dir: string): SqliteTraceStore {
  mkdirSync(dir, { recursive: true });
  return SqliteTraceStore.open({ path: join(dir, 'trace.db'), mode: 'write' });
}

const catalog = new EventCatalog();

/** Records one finished run with two events inside it (a task created, a message); returns its span. */
export async function recordRun(store: TraceStore, cwd: string, task = 'nightly'): Promise<{ span: string; events: TraceEvent[] }> {
  const writer = new RunWriter(store, { agentId: 'planner' });
  const started = await writer.start({ task, cwd, idempotencyKey: `${task}-${Math.random()}` });
  if (!started.started) throw new Error('duplicate run');
  const inside = [
    catalog.prepare({ primitive: 'ops', type: 'create_task', agent_id: 'planner', target_id: `${task}-sub`, parent_event_id: started.start.id, metadata: { title: 'sub' } }),
  ];
  inside.push(catalog.prepare({ primitive: 'bridge', type: 'send', agent_id: 'planner', target_id: 'payments', parent_event_id: inside[0]!.event.id, metadata: { content: 'hi' } }));
  await store.append(inside);
  await writer.end(started.start, { status: 'success', durationMs: 12 });
  return { span: started.record.span_id, events: [started.start, ...inside.map((p) => p.event)] };
}
