import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { escapeControl, escapeControlKeepingColour } from './render/control-chars.js';
import { palette, useColour, type ColourMode, type Palette } from './render/palette.js';
import type { TerminalFlagValues } from './terminal-flags.js';

export interface TerminalOutputOptions {
  /** Whether long output may go through a pager (not for --follow, which never ends). */
  page: boolean;
  /** Whether lines are cut to a TTY's width (unless --wide): yes for lists and trees, no for detail views. */
  fit: boolean;
  stdout?: NodeJS.WriteStream;
  env?: NodeJS.ProcessEnv;
}

/**
 * Where a command's text lines go, the way git prints: on a TTY each line is fitted to the
 * terminal's width (unless --wide) and the whole output goes through a pager (unless --no-pager);
 * a pipe or a file gets every line whole and unpaged. Every line passes a last control-character
 * guard on the way out.
 */
export class TerminalOutput {
  readonly colours: Palette;
  readonly #stdout: NodeJS.WriteStream;
  readonly #guard: (line: string) => string;
  readonly #width: number | undefined;
  #fit: ((line: string, width: number) => string) | undefined;
  readonly #pagerCommand: string | null;
  readonly #env: NodeJS.ProcessEnv;
  #pager: ChildProcess | undefined;
  #pagerGone = false;

  /** Opens the output; the width code (Unicode tables) is loaded only when there is a TTY to fit. */
  static async open(flags: TerminalFlagValues, options: TerminalOutputOptions): Promise<TerminalOutput> {
    const output = new TerminalOutput(flags, options);
    if (output.#width !== undefined) output.#fit = (await import('./render/fit-width.js')).fitToWidth;
    return output;
  }

  private constructor(flags: TerminalFlagValues, options: TerminalOutputOptions) {
    this.#stdout = options.stdout ?? process.stdout;
    this.#env = options.env ?? process.env;
    const tty = this.#stdout.isTTY === true;
    const colour = useColour(this.#stdout, this.#env, flags.color as ColourMode);
    this.colours = palette(this.#stdout, this.#env, colour ? 'always' : 'never');
    this.#guard = colour ? escapeControlKeepingColour : escapeControl;
    const columns = this.#stdout.columns;
    this.#width = tty && options.fit && flags.wide !== true && columns !== undefined && columns > 0 ? columns : undefined;
    this.#pagerCommand = tty && options.page && !flags['no-pager'] ? pagerCommand(this.#env) : null;
  }

  /** Prints one line (without its newline). */
  line(text: string): void {
    const safe = this.#guard(text);
    this.#write(`${this.#fit === undefined ? safe : this.#fit(safe, this.#width!)}\n`);
  }

  lines(texts: Iterable<string>): void {
    for (const text of texts) this.line(text);
  }

  /** Waits for the pager, if one was started, to be quit. */
  async close(): Promise<void> {
    const pager = this.#pager;
    if (pager === undefined) return;
    // Ctrl-C belongs to the pager while it runs (less uses it to stop a search), as with git.
    const ignore = () => {};
    process.on('SIGINT', ignore);
    try {
      await new Promise<void>((done) => {
        if (pager.exitCode !== null || pager.signalCode !== null) done();
        else pager.once('close', () => done());
        pager.stdin!.end();
      });
    } finally {
      process.off('SIGINT', ignore);
    }
  }

  #write(text: string): void {
    if (this.#pagerCommand === null) {
      this.#stdout.write(text);
      return;
    }
    if (this.#pagerGone) return;
    this.#pager ??= this.#startPager(this.#pagerCommand);
    this.#pager.stdin!.write(text);
  }

  #startPager(command: string): ChildProcess {
    // Like git: the command runs in a shell (PAGER may carry options), and less gets -FRX through
    // LESS unless the user set LESS: quit when the output fits one screen, pass colours, keep the
    // text on screen after quitting.
    const env = { ...this.#env, LESS: this.#env.LESS ?? 'FRX', LV: this.#env.LV ?? '-c' };
    const pager = spawn(command, { shell: true, stdio: ['pipe', 'inherit', 'inherit'], env });
    const gone = () => {
      this.#pagerGone = true;
    };
    // Quitting the pager before the end closes its stdin: the rest of the output is not wanted.
    pager.stdin!.on('error', gone);
    pager.on('error', gone);
    pager.on('close', gone);
    return pager;
  }
}

/**
 * TRACE_PAGER, else PAGER, else less; an empty value or `cat` means no pager, as in git. Without
 * either variable and without less on the PATH, the output is printed directly.
 */
export function pagerCommand(env: NodeJS.ProcessEnv): string | null {
  const chosen = env.TRACE_PAGER ?? env.PAGER;
  if (chosen === undefined) return onPath('less', env) ? 'less' : null;
  const command = chosen.trim();
  return command === '' || command === 'cat' ? null : command;
}

function onPath(name: string, env: NodeJS.ProcessEnv): boolean {
  return (env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir || '.', name), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Prints a command's text output through a {@link TerminalOutput}: fitted, paged and guarded. */
export async function printToTerminal(flags: TerminalFlagValues, fit: 'fit' | 'wrap', render: (colours: Palette) => Iterable<string>): Promise<void> {
  const output = await TerminalOutput.open(flags, { page: true, fit: fit === 'fit' });
  output.lines(render(output.colours));
  await output.close();
}
