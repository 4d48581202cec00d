import { Args, Flags } from '@oclif/core';
import { TraceCommand } from '../base-command.js';
import type { RunDiffJson } from '../analysis-json.js';
import { listFlags } from '../terminal-flags.js';

export default class Diff extends TraceCommand<typeof Diff> {
  static override summary = 'Compare two runs of a swarm: tasks, statuses, retries, digests, agents, durations and the first divergence.';
  static override description =
    'A and B are tasks (usually root tasks) or runs (span_id or idempotency_key). Tasks match by their path of titles ' +
    'from the root, runs by task and attempt, messages by channel and order. Exits 0 when the two are identical, ' +
    '1 when they differ, 2 on bad input. See docs/analysis.md.';

  static override examples = [
    '<%= config.bin %> diff task-abc123 task-def456',
    '<%= config.bin %> diff payments-nightly-0 payments-nightly-1 --json',
    '<%= config.bin %> diff task-abc123 task-abc123 --db-b incident/trace.db --threshold 50%',
  ];

  static override failureExitCode = 2;

  static override args = {
    a: Args.string({ description: 'The first run: a task, or a run span_id or idempotency_key', required: true }),
    b: Args.string({ description: 'The second run, read from --db-b when given', required: true }),
  };

  static override flags = {
    ...listFlags,
    'db-b': Flags.string({ description: 'Read B from this store (a file path or a postgres:// URL), read-only' }),
    threshold: Flags.string({ description: 'Report a duration that changed by more than this percentage', default: '20%' }),
    'include-private': Flags.boolean({ description: 'Compare private events too' }),
  };

  async run(): Promise<RunDiffJson> {
    const { diffRuns } = await import('@tracekernel/projector');
    const match = /^\s*(\d+(?:\.\d+)?)\s*%?\s*$/.exec(this.flags.threshold);
    if (match === null) await this.usageError(`--threshold: expected a percentage such as 20% or 50, got "${this.flags.threshold}"`);
    const storeA = await this.openStore('read');
    const dbB = this.flags['db-b'];
    const storeB = dbB === undefined ? storeA : await this.openStore('read', { db: dbB }).catch(async (error: unknown) => {
      // Two stores are in play: say which one failed.
      const { TraceError, isTraceError } = await import('@tracekernel/schema');
      throw isTraceError(error) ? new TraceError(error.code, `--db-b: ${error.message}`) : error;
    });
    const diff = await diffRuns(storeA, this.args.a, storeB, this.args.b, {
      threshold: Number(match![1]) / 100,
      ...(this.flags['include-private'] ? { includePrivate: true } : {}),
    });
    if (!this.jsonEnabled()) {
      const { EventCatalog } = await import('@tracekernel/schema');
      const { escapeControl } = await import('../render/control-chars.js');
      const { printToTerminal } = await import('../terminal-output.js');
      const { diffText } = await import('../render/diff-text.js');
      const catalog = new EventCatalog();
      await printToTerminal(this.flags, 'fit', (colours) => diffText(diff, (event) => escapeControl(catalog.describe(event)), colours));
    }
    if (!diff.identical) process.exitCode = 1;
    const { runDiffJson } = await import('../analysis-json.js');
    return runDiffJson(diff);
  }
}
