import { Args, Flags } from '@oclif/core';
import type { RunRecord } from '@tracekernel/schema';
import { TraceCommand } from '../../base-command.js';
import { terminalFlags } from '../../terminal-flags.js';

export default class RunsShow extends TraceCommand<typeof RunsShow> {
  static override summary = 'Show one run: its attempt chain, error, durations, digests and runner.';

  static override examples = [
    '<%= config.bin %> runs show 019a5f7e-8c2e-7d41-9a1b-3c4d5e6f7a8b',
    '<%= config.bin %> runs show report-2025-11-04 --json',
  ];

  static override args = {
    run: Args.string({ description: 'The span_id (or its short id) or the idempotency_key of the run', required: true }),
  };

  static override flags = {
    ...terminalFlags,
    'include-private': Flags.boolean({ description: 'Find and show private run events too' }),
  };

  async run(): Promise<{ run: RunRecord; attempts: RunRecord[] }> {
    const { findRun } = await import('@tracekernel/projector');
    const store = await this.openStore('read');
    const detail = await findRun(store, this.args.run, this.flags['include-private'] ? { includePrivate: true } : {});
    if (!this.jsonEnabled()) {
      const { printToTerminal } = await import('../../terminal-output.js');
      const { runDetailText } = await import('../../render/run-records-text.js');
      await printToTerminal(this.flags, 'wrap', (colours) => runDetailText(detail, colours));
    }
    return { run: detail.run, attempts: detail.attempts };
  }
}
