import { Args } from '@oclif/core';
import { TraceCommand } from '../../base-command.js';

export default class LedgerBundle extends TraceCommand<typeof LedgerBundle> {
  static override summary = 'Write a git bundle of the ledger refs, for a machine with no shared remote (read it with trace ledger pull FILE).';
  static override examples = ['<%= config.bin %> ledger bundle /media/usb/ledger.bundle'];

  static override args = {
    file: Args.string({ description: 'Where to write the bundle', required: true }),
  };

  async run(): Promise<{ file: string; refs: string[] }> {
    const { bundleLedger } = await import('@tracekernel/ledger');
    const report = await bundleLedger({ cwd: process.cwd(), file: this.args.file });
    if (!this.jsonEnabled()) this.log(`wrote ${report.file} (${report.refs.length} ledger refs)`);
    return report;
  }
}
