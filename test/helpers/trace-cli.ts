import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built binary, run the way a user runs it. */
export const TRACE_BIN = resolve(dirname(fileURLToPath(import.meta.url)), '../../apps/cli/bin/run.js');

export interface TraceResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface TraceOptions {
  cwd: string;
  env?: Record<string, string | undefined>;
}

/** The caller's environment without anything that would point `trace` at another store or cause. */
export function cleanEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['TRACE_DB', 'TRACE_PARENT', 'TRACE_AGENT', 'NO_COLOR', 'FORCE_COLOR', 'TRACE_DEBUG', 'TRACE_PAGER', 'PAGER', 'LESS']) delete env[name];
  for (const [name, value] of Object.entries(extra)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}

/** Runs `trace ...args` in `cwd`; never rejects, so tests assert on the exit code. */
export function trace(args: readonly string[], options: TraceOptions): Promise<TraceResult> {
  return new Promise((done) => {
    execFile(process.execPath, [TRACE_BIN, ...args], { cwd: options.cwd, env: cleanEnv(options.env), maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      done({ code, stdout, stderr });
    });
  });
}

/** Runs a shell script (e.g. loops of `trace emit`) with `trace` available as a function. */
export function shell(script: string, options: TraceOptions): Promise<TraceResult> {
  const prelude = `trace() { "${process.execPath}" "${TRACE_BIN}" "$@"; }\n`;
  return new Promise((done) => {
    const child = spawn('bash', ['-c', prelude + script], { cwd: options.cwd, env: cleanEnv(options.env) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (code) => done({ code: code ?? 1, stdout, stderr }));
  });
}

/** `trace emit ...` that must succeed; returns the printed event id. */
export async function emit(args: readonly string[], options: TraceOptions): Promise<string> {
  const result = await trace(['emit', ...args], options);
  if (result.code !== 0) throw new Error(`trace emit ${args.join(' ')} failed (${result.code}): ${result.stderr}`);
  return result.stdout.trim();
}

/** A fresh temporary directory per call, all removed by `cleanup()`. */
export function tempDirs() {
  const dirs: string[] = [];
  return {
    make(prefix = 'trace-e2e-'): string {
      const dir = mkdtempSync(join(tmpdir(), prefix));
      dirs.push(dir);
      return dir;
    },
    cleanup(): void {
      for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The one-line error contract: a single `trace: ...` line on stderr. */
export function errorLine(result: TraceResult): string {
  const lines = result.stderr.split('\n').filter((line) => line.length > 0);
  if (lines.length !== 1) throw new Error(`expected one stderr line, got ${lines.length}:\n${result.stderr}`);
  return lines[0]!;
}

export const EVENT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
// eslint-disable-next-line no-control-regex
export const ANSI_ESCAPE = /\u001B\[/;

/** The short id `trace` prints for an event id: the start of its last group. */
export const short = (id: string): string => id.slice(24, 32);

/**
 * Text output without the zone mark and short id of timeline lines and the short id of tree nodes,
 * for tests about something else; test/short-ids.test.ts checks them.
 */
export function withoutShortIds(text: string): string {
  return text
    .replace(/^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)Z \| [0-9a-f]{8} \| /gm, '$1 | ')
    .replace(/(─> |\[root\] )[0-9a-f]{8} /g, '$1');
}

