import { Flags } from '@oclif/core';
import type { RunRecord } from '@tracekernel/schema';
import { TraceCommand } from '../base-command.js';
import { escapeControl } from '../render/control-chars.js';

export interface RunJson {
  run: RunRecord | null;
  /** The first run's record when the idempotency key had already run (the command was not started). */
  duplicate_of: RunRecord | null;
  exit_code: number;
}

export default class Run extends TraceCommand<typeof Run> {
  static override summary = 'Run a shell command and record it as a run, like `time`.';
  static override description =
    'The start is recorded before the command starts and the end after it exits: exit code 0 is success, ' +
    'anything else failed, with the tail of stderr as the error. The exit code is passed through. The command ' +
    'gets TRACE_PARENT (the run) and TRACE_DB, so its own `trace emit` events nest under the run. A repeat ' +
    'with an --idempotency-key that already ran does not start the command and exits 0.';

  static override usage = ['run [FLAGS] -- <command> [args...]'];
  static override strict = false;

  static override examples = [
    '<%= config.bin %> run --task nightly-backup -- ./backup.sh --full',
    '<%= config.bin %> run --task report --config report.json --input data.csv --idempotency-key report-2025-11-04 -- make report',
    '<%= config.bin %> run --retry-of <span_id> -- ./backup.sh --full',
  ];

  static override flags = {
    task: Flags.string({ description: 'The task id (default: the command name)' }),
    config: Flags.string({ description: "The task's config file; config_digest is sha256 of its canonical JSON" }),
    input: Flags.string({ description: 'An input file for input_digest (repeatable); the git HEAD is added inside a repository', multiple: true }),
    'idempotency-key': Flags.string({ description: 'A second run with this key records nothing and does not start the command' }),
    'retry-of': Flags.string({ description: 'The span_id of the attempt this run retries (same trace, attempt + 1)' }),
    trigger: Flags.string({ description: 'What started the run', options: ['manual', 'scheduled'], default: 'manual' }),
    notes: Flags.string({ description: 'Free text stored with the run' }),
  };

  async run(): Promise<RunJson> {
    const { flags } = this;
    const separator = this.argv.indexOf('--');
    const command = separator < 0 ? [] : this.argv.slice(separator + 1);
    if (command.length === 0) await this.usageError('give the command after --, e.g. trace run --task backup -- ./backup.sh');
    const { hostname } = await import('node:os');
    const { basename, resolve } = await import('node:path');
    const { configFileDigest, inputDigest, recordCommand, slugOf } = await import('@tracekernel/sdk');
    const { parseEventId, shortEventId } = await import('@tracekernel/schema');

    // Bad flags fail before anything is recorded or started.
    const asUsage = async <T>(flag: string, fn: () => T): Promise<T> => {
      try {
        return fn();
      } catch (error) {
        return this.usageError(`${flag}: ${(error as Error).message}`);
      }
    };
    const configDigest = flags.config === undefined ? null : await asUsage('--config', () => configFileDigest(resolve(flags.config!)));
    const digestOfInputs = flags.input === undefined ? null : await asUsage('--input', () => inputDigest(flags.input!));
    const envParent = process.env.TRACE_PARENT || undefined;
    const parent = envParent === undefined ? null : parseEventId(envParent, 'TRACE_PARENT');
    const taskId = flags.task ?? basename(command[0]!);

    let store = null;
    const problems: string[] = [];
    try {
      store = await this.openStore('write');
    } catch (error) {
      problems.push(`could not open the trace store: ${(error as Error).message}`);
    }
    // The SDK's run writer still takes the SQLite store; the seam's move of the SDK drops this cast.
    const result = await recordCommand(store as Parameters<typeof recordCommand>[0], {
      command: command[0]!,
      args: command.slice(1),
      task: { id: taskId, slug: slugOf(taskId), name: flags.task === undefined ? command.join(' ') : flags.task, type: 'command' },
      trigger: flags.trigger as 'manual' | 'scheduled',
      configDigest,
      inputDigest: digestOfInputs,
      ...(flags['idempotency-key'] === undefined ? {} : { idempotencyKey: flags['idempotency-key'] }),
      retryOf: flags['retry-of'] ?? null,
      notes: flags.notes ?? null,
      runner: { name: 'trace-cli', version: this.config.version, pid: process.pid, host: hostname() },
      parent,
      agentId: process.env.TRACE_AGENT || null,
      // Under --json stdout carries the run's JSON only.
      stdout: this.jsonEnabled() ? 'stderr' : 'inherit',
    });
    for (const problem of [...problems, ...result.problems]) process.stderr.write(`trace: warning: ${escapeControl(problem)}\n`);
    if (result.duplicateOf) {
      const first = result.duplicateOf;
      process.stderr.write(`trace: idempotency key "${escapeControl(first.idempotency_key)}" already ran (span ${first.span_id}, ${first.status}); not running the command\n`);
    }
    if (result.record && !this.jsonEnabled()) {
      process.stderr.write(`trace: run ${result.record.span_id} ${result.record.status} (trace runs show ${shortEventId(result.record.span_id)})\n`);
    }
    process.exitCode = result.exitCode;
    return { run: result.record, duplicate_of: result.duplicateOf, exit_code: result.exitCode };
  }
}
