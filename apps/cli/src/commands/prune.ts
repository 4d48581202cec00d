import { Flags } from '@oclif/core';
import { TraceCommand } from '../base-command.js';

/** `trace prune --json`. Times are ISO-8601 UTC. */
export interface PruneJson {
  /** Events with a ts before this were candidates. */
  cutoff: string;
  older_than: string;
  dry_run: boolean;
  include_runs: boolean;
  /** Removed, or with dry_run that would be. */
  removed: number;
  /** Older than the cutoff but kept: a run record needs them (and on SQLite the newest event is always kept). */
  kept: number;
  /** Events in the store after the prune. */
  remaining: number;
}

export default class Prune extends TraceCommand<typeof Prune> {
  static override summary = 'Delete events older than a duration (retention): the one path that removes events.';
  static override description =
    'Keeps the events that run records need (run.start, run.end) unless --include-runs is given. Events whose cause was ' +
    'pruned stay, and trees show that cause as pruned. --dry-run only counts.';

  static override examples = [
    '<%= config.bin %> prune --older-than 30d --dry-run',
    '<%= config.bin %> prune --older-than 90d --include-runs --json',
  ];

  static override flags = {
    'older-than': Flags.string({ description: 'Remove events older than this: 30d, 12h, 90m, 2w', required: true }),
    'dry-run': Flags.boolean({ description: 'Count what would be removed; remove nothing', default: false }),
    'include-runs': Flags.boolean({ description: 'Also remove the events run records need', default: false }),
  };

  async run(): Promise<PruneJson> {
    const { parseDuration } = await import('@tracekernel/projector');
    const { flags } = this;
    // Parsed before the store is opened: a bad duration touches nothing.
    const olderThan = flags['older-than'];
    const cutoff = Date.now() - parseDuration(olderThan, '--older-than');
    const dryRun = flags['dry-run'];
    // Opened for reading first, so that a missing store is an error rather than a new empty one.
    let store = await this.openStore('read');
    if (!dryRun) store = await this.openStore('write');
    const report = await store.prune({ olderThan: cutoff, dryRun, includeRuns: flags['include-runs'] });
    const json: PruneJson = {
      cutoff: new Date(cutoff).toISOString(),
      older_than: olderThan,
      dry_run: report.dryRun,
      include_runs: flags['include-runs'],
      removed: report.removed,
      kept: report.kept,
      remaining: report.remaining,
    };
    if (!this.jsonEnabled()) {
      const events = (n: number) => `${n} ${n === 1 ? 'event' : 'events'}`;
      const when = `${json.cutoff.replace('T', ' ').replace(/\.\d+Z$/, '')} UTC (${olderThan} ago)`;
      this.log(`${dryRun ? 'Would remove' : 'Removed'} ${events(report.removed)} older than ${when} from ${store.location}.`);
      if (report.kept > 0) {
        const why = flags['include-runs'] ? 'a SQLite store keeps its newest event' : 'run records need them (--include-runs removes them too), and a SQLite store keeps its newest event';
        this.log(`Kept ${events(report.kept)} older than that: ${why}.`);
      }
      this.log(`${events(report.remaining)} ${dryRun ? 'would remain' : 'remain'}.`);
    }
    return json;
  }
}
