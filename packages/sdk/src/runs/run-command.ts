import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { performance } from 'node:perf_hooks';
import { isTraceError, type RunErrorInfo, type RunRecord } from '@tracekernel/schema';
import type { TraceStore } from '@tracekernel/store';
import { RunWriter } from './run-writer.js';
import type { RunOptions } from './run-metadata.js';

export interface CommandRunOptions extends RunOptions {
  command: string;
  args: readonly string[];
  /** The child's environment, before TRACE_PARENT and TRACE_DB are set. */
  env?: NodeJS.ProcessEnv;
  /** The parent of the run's start (e.g. the caller's TRACE_PARENT). */
  parent?: string | null;
  agentId?: string | null;
  /** Where the child's stderr is copied to as it arrives (default process.stderr). */
  stderr?: NodeJS.WritableStream;
  /**
   * Where the child's stdout goes: `inherit` (the default) shares ours; `stderr` sends it to our
   * stderr, so that a caller printing JSON on stdout keeps it clean (`trace run --json`).
   */
  stdout?: 'inherit' | 'stderr';
  /** Keep this many trailing lines of stderr as the error message (default 20). */
  stderrTailLines?: number;
  /**
   * Run the command in its own process group, so forwarded signals reach all it started. Default:
   * when stdin is not a terminal (an interactive command must stay in the terminal's foreground group).
   */
  processGroup?: boolean;
}

/** The signals `trace run` passes on to the command; SIGKILL and SIGSTOP cannot be caught. */
const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'] as const;

export interface CommandRunResult {
  /** The child's exit code; 128 + the signal number when it was killed; 127 when it could not start. */
  exitCode: number;
  signal: string | null;
  /** The stored record, read back; null when recording failed (see problems) or for a duplicate. */
  record: RunRecord | null;
  /** Set when the idempotency key had already run: the command was not started. */
  duplicateOf: RunRecord | null;
  /** Recording problems; they never stop the command. */
  problems: string[];
}

const MAX_TAIL_BYTES = 64 * 1024;

/** The last lines of a stream, holding at most 64 KiB. */
class Tail {
  #text = '';
  push(chunk: Buffer): void {
    this.#text += chunk.toString('utf8');
    if (this.#text.length > MAX_TAIL_BYTES) this.#text = this.#text.slice(-MAX_TAIL_BYTES);
  }
  lines(count: number): string {
    const lines = this.#text.replace(/\s+$/, '').split('\n');
    return lines.slice(-count).join('\n').slice(-4000);
  }
}

/**
 * `trace run -- <command>`: records a run around a child process, like `time`. The start is written
 * (one synchronous transaction) before the child is spawned; the child gets TRACE_PARENT = the span
 * and TRACE_DB, so its own events nest under the run. The exit code becomes the status (0 success,
 * else failed), the tail of stderr the error. Recording failures are reported, never fatal.
 */
export async function recordCommand(store: TraceStore | null, options: CommandRunOptions): Promise<CommandRunResult> {
  const problems: string[] = [];
  const writer = store ? new RunWriter(store, { agentId: options.agentId ?? null }) : null;
  let started: Awaited<ReturnType<RunWriter['start']>> | null = null;
  if (writer) {
    try {
      started = await writer.start(options, { parent: options.parent ?? null });
    } catch (error) {
      if (isTraceError(error) && (error.code === 'E_NOT_FOUND' || error.code === 'E_SCHEMA' || error.code === 'E_INVALID_ID')) throw error;
      problems.push(`could not record the start: ${(error as Error).message}`);
    }
  }
  if (started && !started.started) {
    return { exitCode: 0, signal: null, record: null, duplicateOf: started.first, problems: [...problems, ...started.problems] };
  }
  if (started) problems.push(...started.problems);

  const env: NodeJS.ProcessEnv = { ...(options.env ?? process.env) };
  if (started?.started) {
    env.TRACE_PARENT = started.record.span_id;
    env.TRACE_DB = store!.location;
  }
  const tail = new Tail();
  const out = options.stderr ?? process.stderr;
  const begin = performance.now();
  let forwarded: NodeJS.Signals | null = null;
  const outcome = await new Promise<{ code: number; signal: string | null; spawnError: NodeJS.ErrnoException | null }>((resolve) => {
    // Without a terminal the child leads its own process group, so a signal reaches everything
    // it started (a shell's children too), not just the process itself. With a terminal it stays
    // in ours: a background group would be stopped (SIGTTIN) when it reads the terminal, and the
    // terminal's own Ctrl-C already reaches the whole foreground group.
    const ownGroup = options.processGroup ?? !process.stdin.isTTY;
    const stdout = options.stdout === 'stderr' ? process.stderr : 'inherit';
    const child = spawn(options.command, [...options.args], { stdio: ['inherit', stdout, 'pipe'], env, cwd: options.cwd, detached: ownGroup });
    const forward = (signal: NodeJS.Signals) => () => {
      forwarded = signal;
      if (child.pid === undefined) return;
      try {
        if (ownGroup) process.kill(-child.pid, signal);
        else child.kill(signal);
      } catch {
        // the child (or its whole group) is already gone
      }
    };
    const handlers = FORWARDED_SIGNALS.map((signal) => [signal, forward(signal)] as const);
    for (const [signal, handler] of handlers) process.on(signal, handler);
    const done = (result: { code: number; signal: string | null; spawnError: NodeJS.ErrnoException | null }) => {
      for (const [signal, handler] of handlers) process.off(signal, handler);
      resolve(result);
    };
    child.stderr!.on('data', (chunk: Buffer) => {
      out.write(chunk);
      tail.push(chunk);
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      done({ code: error.code === 'ENOENT' ? 127 : 126, signal: null, spawnError: error });
    });
    child.on('close', (code, signal) => {
      const number = signal ? (constants.signals as Record<string, number>)[signal] ?? 0 : 0;
      done({ code: code ?? 128 + number, signal, spawnError: null });
    });
  });
  const durationMs = performance.now() - begin;

  let error: RunErrorInfo | null = null;
  if (outcome.spawnError) {
    error = { type: outcome.spawnError.code ?? 'SpawnError', message: `${options.command}: ${outcome.spawnError.message}`, stack_hash: null };
    out.write(`trace: ${options.command}: ${outcome.spawnError.code === 'ENOENT' ? 'command not found' : outcome.spawnError.message}\n`);
  } else if (outcome.code !== 0) {
    const text = tail.lines(options.stderrTailLines ?? 20);
    const cause = forwarded ? ` (trace run received ${forwarded} and forwarded it)` : '';
    error = {
      type: outcome.signal ? `signal ${outcome.signal}` : `exit ${outcome.code}`,
      message: (text || (outcome.signal ? `killed by ${outcome.signal}` : `exited with code ${outcome.code}`)) + cause,
      stack_hash: null,
    };
  }
  let record: RunRecord | null = null;
  if (writer && started?.started) {
    try {
      record = await writer.end(started.start, { status: error ? 'failed' : 'success', durationMs, error });
    } catch (failure) {
      problems.push(`could not record the end: ${(failure as Error).message}`);
    }
  }
  return { exitCode: outcome.code, signal: outcome.signal, record, duplicateOf: null, problems };
}
