import { spawn } from 'node:child_process';
import { TRACE_BIN, cleanEnv, type TraceResult } from './trace-cli.js';

export interface TtyOptions {
  cwd: string;
  env?: Record<string, string | undefined>;
  /** The terminal's size (default 80 x 24). */
  columns?: number;
  rows?: number;
  /** Keys typed into the terminal, e.g. `q` to quit a pager. */
  keys?: string;
}

const quote = (part: string) => `'${part.replace(/'/g, `'\\''`)}'`;

/**
 * Runs `trace ...args` with stdout, stderr and stdin on a real pseudo-terminal (util-linux
 * `script`), sized with stty. The terminal's output comes back with `\r\n` turned into `\n`;
 * `code` is trace's own exit code (script -e passes it through).
 */
export function traceOnTty(args: readonly string[], options: TtyOptions): Promise<TraceResult> {
  const command = `stty cols ${options.columns ?? 80} rows ${options.rows ?? 24}; exec ${[process.execPath, TRACE_BIN, ...args].map(quote).join(' ')}`;
  return new Promise((done) => {
    const child = spawn('script', ['-qec', command, '/dev/null'], { cwd: options.cwd, env: cleanEnv({ TERM: 'xterm', ...options.env }) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    // Typed ahead, keys wait in the terminal's input queue until the pager reads them. stdin stays
    // open: an end of input would reach the terminal as ^D.
    if (options.keys !== undefined) child.stdin.write(options.keys);
    child.on('close', (code) => {
      child.stdin.destroy();
      done({ code: code ?? 1, stdout: stdout.replace(/\r\n/g, '\n'), stderr });
    });
  });
}
