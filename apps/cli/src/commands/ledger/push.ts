import { Flags } from '@oclif/core';
import type { PushReport } from '@tracekernel/ledger';
import { TraceCommand } from '../../base-command.js';

export default class LedgerPush extends TraceCommand<typeof LedgerPush> {
  static override summary = 'Merge the remote ledger, then push the ledger refs (trace-ledger, trace/run/* tags, refs/notes/trace) and only those.';
  static override examples = ['<%= config.bin %> ledger push', '<%= config.bin %> ledger push --remote upstream --json'];

  static override flags = {
    remote: Flags.string({ description: "The remote (default: the current branch's, else origin, else the only one)" }),
  };

  async run(): Promise<PushReport> {
    const { pushLedger } = await import('@tracekernel/ledger');
    const report = await pushLedger({ cwd: process.cwd(), ...(this.flags.remote === undefined ? {} : { remote: this.flags.remote }) });
    for (const notice of report.pull?.notices ?? []) process.stderr.write(`trace: ${notice}\n`);
    if (!this.jsonEnabled()) {
      this.log(report.remote === null ? 'no remote: nothing to push (add one with git remote add, or use trace ledger bundle FILE)' : `pushed ${report.pushed.length} ledger refs to ${report.remote}`);
    }
    return report;
  }
}
