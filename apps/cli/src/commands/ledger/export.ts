import { Flags } from '@oclif/core';
import type { ExportReport } from '@tracekernel/ledger';
import { TraceCommand } from '../../base-command.js';

export default class LedgerExport extends TraceCommand<typeof LedgerExport> {
  static override summary = 'Write runs from the store to the trace-ledger branch (through .trace-ledger/) and tag them.';
  static override description =
    'Each run becomes runs/<span_id>/run.json and events.jsonl on the orphan branch trace-ledger, and an annotated tag ' +
    'trace/run/<span_id> on the commit that was HEAD when it ran. Exporting an unchanged run makes no commit. ' +
    'Without RUN arguments every run is exported. Your own branch, index and files are never changed, except that ' +
    '.trace-ledger/ is added to .gitignore the first time (and the command says so).';

  static override examples = [
    '<%= config.bin %> ledger export',
    '<%= config.bin %> ledger export 019a5f7e-8c2e-7d41-9a1b-3c4d5e6f7a8b',
    '<%= config.bin %> ledger export --since "1d ago" --json',
  ];

  static override strict = false;

  static override flags = {
    all: Flags.boolean({ description: 'Export every run in the store (the default without RUN arguments)' }),
    since: Flags.string({ description: 'Only runs started from this time: ISO, "2h ago", "1d"' }),
  };

  async run(): Promise<ExportReport> {
    const { exportRuns, openLedgerRepo } = await import('@tracekernel/ledger');
    const { resolveTime } = await import('@tracekernel/projector');
    if (this.flags.all && this.positional.length > 0) await this.usageError('--all: give either run ids or --all, not both');
    const repo = await openLedgerRepo(process.cwd()); // not a repository, bare or detached: said before looking for a store
    const store = await this.openStore('read');
    const since = this.flags.since === undefined ? undefined : await resolveTime(store, this.flags.since, { flag: '--since' });
    const report = await exportRuns({ cwd: process.cwd(), repo, store, runs: this.positional, ...(since === undefined ? {} : { since }) });
    for (const notice of report.notices) process.stderr.write(`trace: ${notice}\n`);
    if (!this.jsonEnabled()) {
      const counts = { added: 0, updated: 0, unchanged: 0 };
      for (const run of report.runs) counts[run.change]++;
      this.log(`${report.runs.length} runs: ${counts.added} added, ${counts.updated} updated, ${counts.unchanged} unchanged${report.commit ? ` (commit ${report.commit.slice(0, 12)} on trace-ledger)` : ''}`);
      if (report.tags_created.length > 0) this.log(`tagged ${report.tags_created.length} runs (trace/run/<span_id>)`);
      if (report.tags_pending.length > 0) this.log(`${report.tags_pending.length} runs not tagged yet: the repository has no commit; the next export after one tags them`);
    }
    return report;
  }
}
