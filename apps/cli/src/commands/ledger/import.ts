import type { ImportReport } from '@tracekernel/ledger';
import { TraceCommand } from '../../base-command.js';

export default class LedgerImport extends TraceCommand<typeof LedgerImport> {
  static override summary = 'Load runs from the trace-ledger branch into the local store; a second import adds nothing.';
  static override examples = ['<%= config.bin %> ledger import', '<%= config.bin %> ledger import 019a5f7e-8c2e-7d41-9a1b-3c4d5e6f7a8b'];

  static override strict = false;

  async run(): Promise<ImportReport> {
    const { importRuns, openLedgerRepo } = await import('@tracekernel/ledger');
    await openLedgerRepo(process.cwd(), { allowDetached: true });
    const store = await this.openStore('write');
    const report = await importRuns({ cwd: process.cwd(), store, runs: this.positional });
    if (!this.jsonEnabled()) this.log(`${report.runs.length} runs read from the ledger; ${report.events_added} events added to ${store.location}`);
    return report;
  }
}
