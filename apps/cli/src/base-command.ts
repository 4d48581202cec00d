import { Command, Flags, type Interfaces } from '@oclif/core';
import type { EventCatalog, TraceError } from '@tracekernel/schema';
import type { TraceStore } from '@tracekernel/store';
import { jsonText } from '@tracekernel/projector';
import { escapeControl, escapeJsonControl } from './render/control-chars.js';

export type TraceFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof TraceCommand)['baseFlags'] & T['flags']>;
export type TraceArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>;

interface ErrorLike {
  message?: unknown;
  code?: unknown;
  exitCode?: unknown;
  name?: unknown;
  parse?: unknown;
  oclif?: { exit?: number };
  /** oclif's NonExistentFlagsError: the unknown flags as typed. */
  flags?: unknown;
  /** oclif's RequiredArgsError: the missing arguments. */
  args?: unknown;
}

/**
 * The base of every `trace` command: the global `--db` and `--json` flags, the store, and the
 * mapping of failures to one line on stderr (and `{"error":{"code","message"}}` on stdout with --json).
 *
 * Heavy modules (the store, kysely, the projector) are imported inside `run()` or `openStore()`,
 * never at the top of a command file, because oclif loads every command module on each start.
 */
export abstract class TraceCommand<T extends typeof Command> extends Command {
  static override enableJsonFlag = true;

  /**
   * The exit code of every failure, for commands whose exit 1 means an answer (as `diff` means
   * "they differ"): `trace diff` and `trace waits` exit 2 on bad input or any other trouble.
   */
  static failureExitCode: number | undefined;

  static override baseFlags = {
    db: Flags.string({
      description: 'Trace store: a file path or a postgres:// URL (default: $TRACE_DB, else the nearest .trace/)',
      helpGroup: 'GLOBAL',
    }),
    space: Flags.string({
      description: 'Read a space-os .space/ directory instead of a store: it is imported into memory, and nothing is written',
      helpGroup: 'GLOBAL',
      exclusive: ['db'],
    }),
  };

  protected flags!: TraceFlags<T>;
  protected args!: TraceArgs<T>;
  /** Every positional argument, for commands that take a list (`static strict = false`). */
  protected positional: string[] = [];
  readonly #stores: TraceStore[] = [];

  override async init(): Promise<void> {
    await super.init();
    const ctor = this.ctor as typeof TraceCommand;
    const { args, flags, argv } = await this.parse({
      args: ctor.args,
      baseFlags: ctor.baseFlags,
      enableJsonFlag: ctor.enableJsonFlag,
      flags: ctor.flags,
      strict: ctor.strict,
    });
    this.flags = flags as TraceFlags<T>;
    this.args = args as TraceArgs<T>;
    this.positional = argv.map(String);
  }

  /**
   * Opens the store the way git finds `.git`: --db, then TRACE_DB, then the nearest .trace/ (its
   * config.json's store, else its trace.db). `write` creates ./.trace/trace.db when none is found.
   * The store is closed when the command ends.
   */
  protected async openStore(mode: 'read' | 'write' = 'read', options: { lockTimeoutMs?: number; db?: string } = {}): Promise<TraceStore> {
    // A store named by the command itself (options.db) is opened as named, --space or not.
    if (this.flags.space !== undefined && options.db === undefined) {
      if (mode === 'write') await this.usageError('--space reads a space-os directory and writes nothing: import it with trace import space DIR to write a store');
      const { openSpaceStore } = await import('@tracekernel/import');
      const store = await openSpaceStore(this.flags.space);
      this.#stores.push(store);
      return store;
    }
    const { openStore } = await import('@tracekernel/store');
    const store = await openStore({ db: this.flags.db, mode, cwd: process.cwd(), env: process.env, ...options });
    this.#stores.push(store);
    return store;
  }

  /**
   * The catalog with the primitives registered in the store (tracer.register), for every command
   * that validates or describes events. Without a store (`undefined`), the nearest one is read if
   * there is one; none means the built-in primitives only.
   */
  protected async storeCatalog(store?: TraceStore): Promise<EventCatalog> {
    const { EventCatalog, loadRegistrations } = await import('@tracekernel/schema');
    if (store === undefined) {
      try {
        store = await this.openStore('read');
      } catch (error) {
        if ((error as { code?: unknown }).code === 'E_NO_STORE') return new EventCatalog();
        throw error;
      }
    }
    return loadRegistrations(new EventCatalog(), await store.registrations());
  }

  /** Throws a usage error (exit 2) from a command's own flag checks. */
  protected async usageError(message: string): Promise<never> {
    const { TraceError } = await import('@tracekernel/schema');
    throw new TraceError('E_USAGE', message);
  }

  /** Every plain line a command logs is escaped: stored names and paths never reach the terminal raw. */
  override log(message = ''): void {
    super.log(escapeControl(message));
  }

  /** Pretty JSON as oclif prints it, with the control characters JSON.stringify leaves raw escaped. */
  override logJson(json: unknown): void {
    process.stdout.write(`${escapeJsonControl(jsonText(json, 2))}\n`);
  }

  protected override async catch(error: Error & ErrorLike): Promise<never> {
    if (error.code === 'EEXIT') throw error; // this.exit(n) from a command
    const { code, message, exitCode } = describeFailure(await this.#usageMessage(error));
    if (this.jsonEnabled()) process.stdout.write(`${escapeJsonControl(JSON.stringify({ error: { code, message } }))}\n`);
    process.stderr.write(`trace: ${escapeControl(message)}\n`);
    if (code === 'E_INTERNAL' && process.env.TRACE_DEBUG) process.stderr.write(`${String(error.stack)}\n`);
    this.exit((this.ctor as typeof TraceCommand).failureExitCode ?? exitCode);
  }

  /**
   * oclif's parser errors, reworded as one line that says what to do: an unknown flag names the
   * closest known one, a missing argument names it and prints the usage.
   */
  async #usageMessage(error: Error & ErrorLike): Promise<Error & ErrorLike> {
    const ctor = this.ctor as typeof TraceCommand;
    const { TraceError } = await import('@tracekernel/schema');
    if (Array.isArray(error.flags) && /^Nonexistent flag/.test(String(error.message))) {
      const { closest } = await import('./suggest.js');
      const known = Object.entries({ ...ctor.baseFlags, ...ctor.flags }).flatMap(([name, flag]) => [`--${name}`, ...(flag.char ? [`-${flag.char}`] : [])]);
      if (ctor.enableJsonFlag) known.push('--json');
      const typed = String(error.flags[0]).split('=')[0]!;
      const guess = closest(typed, known.filter((name) => name.startsWith('--') === typed.startsWith('--')));
      return new TraceError('E_USAGE', `unknown flag ${typed}${guess ? `: did you mean ${guess}?` : ''} (see trace ${(this.id ?? '').replaceAll(':', ' ')} --help)`.replace('  ', ' '));
    }
    const badValue = /^Parsing (--[\w-]+) \n\t([\s\S]*?)(?:\nSee more help with --help)?$/.exec(String(error.message));
    if (badValue) {
      const [, flag, reason] = badValue as unknown as [string, string, string];
      return new TraceError('E_USAGE', reason.startsWith(flag) ? reason : `${flag}: ${reason}`);
    }
    if (Array.isArray(error.args) && /^Missing \d+ required arg/.test(String(error.message))) {
      const missing = (error.args as Array<{ name?: string }>).map((arg) => `<${arg.name}>`).join(' ');
      const args = Object.keys(ctor.args ?? {}).map((name) => `<${name}>`).join(' ');
      return new TraceError('E_USAGE', `missing ${missing}; usage: trace ${(this.id ?? '').replaceAll(':', ' ')} ${args} [FLAGS] (see trace ${(this.id ?? '').replaceAll(':', ' ')} --help)`);
    }
    return error;
  }

  protected override async finally(error: Error | undefined): Promise<unknown> {
    for (const store of this.#stores.splice(0)) await store.close().catch(() => {});
    return super.finally(error);
  }
}

/** Maps any failure to a stable code, a single line and an exit code. */
function describeFailure(error: ErrorLike): { code: string; message: string; exitCode: number } {
  const raw = typeof error.message === 'string' ? error.message : String(error);
  if (error.name === 'TraceError' && typeof error.code === 'string') {
    const traceError = error as unknown as TraceError;
    return { code: traceError.code, message: oneLine(raw), exitCode: traceError.exitCode };
  }
  // oclif's parser errors (unknown flag, missing argument, bad flag value) are usage errors.
  if (error.parse !== undefined || error.oclif?.exit === 2) {
    return { code: 'E_USAGE', message: oneLine(raw.replace(/\n\s*See more help with --help\s*$/, '')), exitCode: 2 };
  }
  return { code: 'E_INTERNAL', message: `internal error: ${oneLine(raw)} (set TRACE_DEBUG=1 for details)`, exitCode: 1 };
}

function oneLine(text: string): string {
  return text.split('\n').map((line) => line.trim()).filter(Boolean).join('; ');
}
