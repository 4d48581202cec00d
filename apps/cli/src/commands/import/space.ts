import { Args, Flags } from '@oclif/core';
import type { SpaceImportSummary } from '@tracekernel/import';
import { TraceCommand } from '../../base-command.js';

export default class ImportSpace extends TraceCommand<typeof ImportSpace> {
  static override summary = 'Import a space-os .space/ directory: every row becomes events, with the causes the rules infer.';
  static override description =
    'Reads events.db, bridge.db, memory.db, knowledge.db and spawn.db read-only (a missing file is skipped and reported). ' +
    'Times are normalised to UTC; the local zone is inferred from the data unless --tz gives it. Ids and idempotency keys ' +
    'are deterministic, so a second import adds nothing and a grown directory adds only its new rows. An invalid row is ' +
    'reported with its file, table and key, and the rest is imported (the command then exits 1). See docs/import.md.';

  static override examples = [
    '<%= config.bin %> import space ~/space/.space',
    '<%= config.bin %> import space ~/space --dry-run --json',
    '<%= config.bin %> import space ~/space/.space --tz America/New_York --infer none',
  ];

  static override args = {
    dir: Args.string({ description: 'The .space/ directory (or the directory that holds it)', required: true }),
  };

  static override flags = {
    'dry-run': Flags.boolean({ description: 'Report what would be added; write nothing (and create no store)', default: false }),
    tz: Flags.string({ description: 'The zone local times were written in: an IANA name (America/New_York) or an offset (-04:00)' }),
    infer: Flags.string({ description: 'Inferred causes: default (every rule) or none', options: ['default', 'none'], default: 'default' }),
  };

  async run(): Promise<SpaceImportSummary> {
    const { importSpace, parseZoneFlag, readSpaceDirectory } = await import('@tracekernel/import');
    const { flags, args } = this;
    // --tz and the directory are checked (a bad zone, a corrupt, foreign or empty directory refused) before any store is opened or created.
    if (flags.tz !== undefined) parseZoneFlag(flags.tz, 0);
    const source = readSpaceDirectory(args.dir);
    const store = flags['dry-run'] ? await this.#existingOrEmpty() : await this.openStore('write');
    const progress = process.stderr.isTTY && !this.jsonEnabled() ? progressBar() : undefined;
    const report = await importSpace(store, source, {
      dryRun: flags['dry-run'],
      ...(flags.tz === undefined ? {} : { tz: flags.tz }),
      infer: flags.infer as 'default' | 'none',
      ...(progress ? { onProgress: progress.update } : {}),
    });
    progress?.done();
    for (const file of report.missingFiles) process.stderr.write(`trace: ${file}: not in the directory, skipped\n`);
    for (const row of report.invalidRows) process.stderr.write(`trace: invalid row ${row.file}:${row.table} key ${row.key}: ${row.reason}\n`);
    const { summary } = report;
    if (!this.jsonEnabled()) {
      const zone = summary.timezone;
      const offset = `UTC${zone.offset_minutes < 0 ? '-' : '+'}${String(Math.floor(Math.abs(zone.offset_minutes) / 60)).padStart(2, '0')}:${String(Math.abs(zone.offset_minutes) % 60).padStart(2, '0')}`;
      const unresolved = summary.unresolved_agents.length === 0 ? '' : `; unresolved agents: ${summary.unresolved_agents.join(', ')}`;
      this.log(`${report.dryRun ? 'dry run: would add' : 'added'} ${summary.added} events, ${summary.duplicates} duplicate, ${summary.invalid} invalid rows, ` +
        `${report.inferred} inferred causes; local zone ${zone.zone ?? offset} (${zone.from})${unresolved}`);
    }
    if (summary.invalid > 0) process.exitCode = 1;
    return summary;
  }

  /** A dry run reads the store when there is one, and otherwise compares with an empty store in memory. */
  async #existingOrEmpty() {
    const { isTraceError } = await import('@tracekernel/schema');
    try {
      return await this.openStore('read');
    } catch (error) {
      if (!isTraceError(error) || error.code !== 'E_NO_STORE') throw error;
      const { openStoreAt } = await import('@tracekernel/store');
      return openStoreAt(':memory:', { mode: 'write' });
    }
  }
}

/** One line on stderr, redrawn in place: a bar, the count and the percentage. */
function progressBar(): { update: (done: number, total: number) => void; done: () => void } {
  const width = 30;
  let drawn = false;
  return {
    update(done, total) {
      const share = total === 0 ? 1 : done / total;
      const filled = Math.round(share * width);
      process.stderr.write(`\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total} events ${Math.round(share * 100)}%`);
      drawn = true;
    },
    done() {
      if (drawn) process.stderr.write('\r\x1b[K');
    },
  };
}
