import { Args, Flags } from '@oclif/core';
import type { BackfillReport } from '@tracekernel/sdk';
import { TraceCommand } from '../../base-command.js';
import { escapeControl } from '../../render/control-chars.js';

export default class RunsBackfill extends TraceCommand<typeof RunsBackfill> {
  static override summary = 'Import run records from another system: one JSON record per line.';
  static override description =
    'Safe to re-run: a record whose idempotency_key is already stored is counted as a duplicate and skipped. ' +
    'Every record is validated and held to the invariants; an invalid line is reported with its line number ' +
    'and reason, and the valid lines still import (the command then exits 1). A span_id that is the id of a ' +
    'stored event other than a run start is a conflict: reported by line, not imported, and the command exits 1.';

  static override examples = [
    '<%= config.bin %> runs backfill old-runs.ndjson --dry-run',
    '<%= config.bin %> runs backfill old-runs.ndjson',
  ];

  static override args = {
    file: Args.string({ description: 'The NDJSON file ("-" for stdin)', required: true }),
  };

  static override flags = {
    'dry-run': Flags.boolean({ description: 'Report the counts without writing anything' }),
  };

  async run(): Promise<BackfillReport> {
    const { readFileSync } = await import('node:fs');
    const { TraceError } = await import('@tracekernel/schema');
    const { backfillRuns } = await import('@tracekernel/sdk');
    let text: string;
    try {
      text = readFileSync(this.args.file === '-' ? 0 : this.args.file, 'utf8');
    } catch (error) {
      throw new TraceError('E_NOT_FOUND', `${this.args.file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    const dryRun = this.flags['dry-run'];
    const report = await backfillRuns(dryRun ? await this.#existingStore() : await this.openStore('write'), text, { dryRun });
    for (const problem of report.problems) process.stderr.write(`trace: ${escapeControl(`${this.args.file}:${problem.line}: ${problem.reason}`)}\n`);
    if (!this.jsonEnabled()) {
      this.log(`${dryRun ? 'dry run: would import' : 'imported'} ${report.new} new, ${report.duplicate} duplicate, ${report.invalid} invalid` +
        (report.conflict > 0 ? `, ${report.conflict} conflicting` : ''));
    }
    if (report.invalid > 0 || report.conflict > 0) process.exitCode = 1;
    return report;
  }

  /** A dry run reads the store if there is one, and creates none. */
  async #existingStore() {
    const { isTraceError } = await import('@tracekernel/schema');
    try {
      return await this.openStore('read');
    } catch (error) {
      if (!isTraceError(error) || error.code !== 'E_NO_STORE') throw error;
      return null;
    }
  }
}
