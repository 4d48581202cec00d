import { Args, Flags } from '@oclif/core';
import type { PullReport } from '@tracekernel/ledger';
import { TraceCommand } from '../../base-command.js';

export default class LedgerPull extends TraceCommand<typeof LedgerPull> {
  static override summary = "Fetch and merge the ledger (branch, run tags, notes) from the remote, or from a bundle FILE.";
  static override description =
    'Divergent ledgers merge without loss: runs and threads live in their own directories, thread messages merge as a ' +
    'union of lines, and notes merge with git notes merge -s cat_sort_uniq. With no remote it says so and exits 0.';

  static override examples = ['<%= config.bin %> ledger pull', '<%= config.bin %> ledger pull --remote upstream', '<%= config.bin %> ledger pull ledger.bundle'];

  static override args = {
    file: Args.string({ description: 'A bundle written by `trace ledger bundle`' }),
  };

  static override flags = {
    remote: Flags.string({ description: "The remote (default: the current branch's, else origin, else the only one)" }),
  };

  async run(): Promise<PullReport> {
    const { pullLedger } = await import('@tracekernel/ledger');
    if (this.args.file !== undefined && this.flags.remote !== undefined) await this.usageError('--remote: give a bundle FILE or --remote, not both');
    const report = await pullLedger({
      cwd: process.cwd(),
      ...(this.flags.remote === undefined ? {} : { remote: this.flags.remote }),
      ...(this.args.file === undefined ? {} : { bundle: this.args.file }),
    });
    for (const notice of report.notices) process.stderr.write(`trace: ${notice}\n`);
    if (!this.jsonEnabled()) {
      this.log(report.source === null
        ? 'no remote: nothing to pull (add one with git remote add, or pull a bundle FILE)'
        : `pulled the ledger from ${report.source}: ${report.runs_added} new runs, ${report.tags_added} new tags${report.notes_merged ? ', notes merged' : ''}`);
    }
    return report;
  }
}
