import type { RunRecord } from '@tracekernel/schema';
import { TraceCommand } from '../../base-command.js';

export default class LedgerList extends TraceCommand<typeof LedgerList> {
  static override summary = 'List the runs on the trace-ledger branch, newest first (reads git, not the store).';
  static override examples = ['<%= config.bin %> ledger list', '<%= config.bin %> ledger list --json'];

  async run(): Promise<{ runs: RunRecord[] }> {
    const { listLedgerRuns } = await import('@tracekernel/ledger');
    const { runs, problems } = await listLedgerRuns(process.cwd());
    for (const problem of problems) process.stderr.write(`trace: warning: skipped ${problem}\n`);
    if (!this.jsonEnabled()) {
      const { palette } = await import('../../render/palette.js');
      const { runListText } = await import('../../render/run-records-text.js');
      for (const line of runListText(runs, palette())) this.log(line);
    }
    return { runs };
  }
}
