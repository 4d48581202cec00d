import { Args, Flags } from '@oclif/core';
import type { NdjsonImportReport } from '@tracekernel/import';
import { TraceCommand } from '../../base-command.js';

export default class ImportNdjson extends TraceCommand<typeof ImportNdjson> {
  static override summary = 'Import events from NDJSON (one event per line, as trace export ndjson writes them).';
  static override description =
    'Ids and idempotency keys are kept, so importing an export again adds nothing. An invalid line is reported with its ' +
    'number and reason, and the other lines import (the command then exits 1).';

  static override examples = ['<%= config.bin %> import ndjson events.ndjson', 'cat events.ndjson | <%= config.bin %> import ndjson - --db other.db'];

  static override args = {
    file: Args.string({ description: 'The NDJSON file ("-" for stdin)', required: true }),
  };

  static override flags = {
    'dry-run': Flags.boolean({ description: 'Report the counts without writing anything', default: false }),
  };

  async run(): Promise<NdjsonImportReport> {
    const { createReadStream, existsSync } = await import('node:fs');
    const { createInterface } = await import('node:readline');
    const { TraceError } = await import('@tracekernel/schema');
    const { importNdjson } = await import('@tracekernel/import');
    const { file } = this.args;
    if (file !== '-' && !existsSync(file)) throw new TraceError('E_NOT_FOUND', `${file}: no such file`);
    const input = file === '-' ? process.stdin : createReadStream(file, 'utf8');
    const store = await this.openStore(this.flags['dry-run'] ? 'read' : 'write');
    const report = await importNdjson(store, createInterface({ input, crlfDelay: Infinity }), { dryRun: this.flags['dry-run'] });
    for (const error of report.errors) process.stderr.write(`trace: ${file === '-' ? 'stdin' : file}:${error.line}: ${error.message}\n`);
    if (!this.jsonEnabled()) {
      this.log(`${this.flags['dry-run'] ? 'dry run: would import' : 'imported'} ${report.added} new, ${report.duplicates} duplicate, ${report.invalid} invalid`);
    }
    if (report.invalid > 0) process.exitCode = 1;
    return report;
  }
}
