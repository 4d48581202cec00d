import { Flags } from '@oclif/core';
import type { IncidentReport } from '@tracekernel/import';
import { TraceCommand } from '../../base-command.js';

export default class ExportSqlite extends TraceCommand<typeof ExportSqlite> {
  static override summary = "Write a standalone SQLite store holding one task's whole closure: the file to attach to a bug report.";
  static override description =
    "The task's and its subtasks' events, everything they caused, and the causes above them come along; a cause the store " +
    'does not hold stays named, and shows as missing. Open the file anywhere with trace --db FILE.';

  static override examples = ['<%= config.bin %> export sqlite --task task-abc123 -o incident.db', '<%= config.bin %> --db incident.db --task task-abc123'];

  static override flags = {
    task: Flags.string({ description: 'The task to export', required: true }),
    output: Flags.string({ char: 'o', description: 'The new store file (must not exist)', required: true }),
  };

  async run(): Promise<IncidentReport> {
    const { resolve } = await import('node:path');
    const { exportIncident } = await import('@tracekernel/import');
    const store = await this.openStore('read');
    const report = await exportIncident(store, this.flags.task, resolve(this.flags.output));
    if (!this.jsonEnabled()) {
      const missing = report.missing.length === 0 ? '' : ` (${report.missing.length} cause(s) missing from the source store too)`;
      this.log(`wrote ${report.events} events and ${report.inferred} inferred causes of ${report.task} to ${report.path}${missing}`);
    }
    return report;
  }
}
