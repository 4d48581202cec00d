import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TRACE_BIN, cleanEnv, tempDirs, trace } from './helpers/trace-cli.js';

const dirs = tempDirs();
afterAll(() => dirs.cleanup());

/** Whether a process is still running (a zombie waiting to be reaped has stopped running). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

function childrenOf(pid: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

async function until<T>(what: string, probe: () => T | undefined | false, limitMs = 30_000): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('trace run and signals', () => {
  // A shell that runs a long command in the foreground: the shell's child is what kept running.
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    it(`forwards ${signal} to the whole command, so nothing it started keeps running, and records the outcome`, async () => {
      const cwd = dirs.make();
      const wrapper = spawn(process.execPath, [TRACE_BIN, 'run', '--task', 'sig', '--', 'sh', '-c', 'echo $$ > sh.pid; sleep 1000; echo survived'], {
        cwd,
        env: cleanEnv(),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => wrapper.on('exit', (code, sig) => resolve({ code, signal: sig })));
      let sleeper = 0;
      try {
        const shell = await until('the shell', () => existsSync(join(cwd, 'sh.pid')) && Number(readFileSync(join(cwd, 'sh.pid'), 'utf8')) || undefined);
        sleeper = await until('the sleep', () => childrenOf(shell)[0]);
        wrapper.kill(signal);
        const exit = await exited;
        expect(exit.code).toBe(128 + ({ SIGTERM: 15, SIGINT: 2, SIGHUP: 1 } as const)[signal]);
        await until('the sleep to end', () => !running(sleeper) || undefined, 10_000).catch(() => undefined);
        expect(running(shell)).toBe(false);
        expect(running(sleeper)).toBe(false);
        const runs = await trace(['runs', '--json'], { cwd });
        const [record] = JSON.parse(runs.stdout).runs;
        expect(record).toMatchObject({ task_id: 'sig', status: 'failed', error: { type: `signal ${signal}` } });
        expect(record.error.message).toContain(`trace run received ${signal} and forwarded it`);
      } finally {
        if (sleeper && running(sleeper)) process.kill(sleeper, 'SIGKILL');
        if (wrapper.exitCode === null) wrapper.kill('SIGKILL');
      }
    });
  }
});
