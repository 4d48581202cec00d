import { Flags } from '@oclif/core';
import type { RunRecord } from '@tracekernel/schema';
import { TraceCommand } from '../../base-command.js';
import { limitFlag } from '../../limit-flag.js';
import { escapeControl } from '../../render/control-chars.js';
import { listFlags } from '../../terminal-flags.js';

export default class Runs extends TraceCommand<typeof Runs> {
  static override summary = 'List run records, newest first.';
  static override description =
    'A run is `running` until its end is recorded, and `abandoned` when it is still running but its runner ' +
    'process is gone from this host. Runs that this version cannot read are skipped with a warning.';

  static override examples = [
    '<%= config.bin %> runs',
    '<%= config.bin %> runs --task nightly-backup --status failed --since "1d ago"',
    '<%= config.bin %> runs --slug daily_reflection --json',
  ];

  static override flags = {
    ...listFlags,
    task: Flags.string({ description: 'Only runs of this task_id' }),
    slug: Flags.string({ description: 'Only runs with this task_slug' }),
    status: Flags.string({ description: 'Only runs with this status', options: ['running', 'success', 'partial', 'failed', 'skipped', 'abandoned'] }),
    since: Flags.string({ description: 'Runs started from this time: ISO, "2h ago", "30m", "1d"' }),
    limit: limitFlag('At most N runs (the newest)'),
    'include-private': Flags.boolean({ description: 'List runs recorded as private events too' }),
  };

  async run(): Promise<{ runs: RunRecord[] }> {
    const { flags } = this;
    const { listRuns, resolveTime } = await import('@tracekernel/projector');
    const store = await this.openStore('read');
    const since = flags.since === undefined ? undefined : await resolveTime(store, flags.since, { flag: '--since' });
    const { runs, problems } = await listRuns(store, {
      ...(flags.task === undefined ? {} : { task: flags.task }),
      ...(flags.slug === undefined ? {} : { task_slug: flags.slug }),
      ...(flags.status === undefined ? {} : { status: flags.status as RunRecord['status'] }),
      ...(since === undefined ? {} : { since }),
      ...(flags.limit === undefined ? {} : { limit: flags.limit }),
    }, flags['include-private'] ? { includePrivate: true } : {});
    for (const problem of problems) process.stderr.write(`trace: warning: skipped run event ${problem.event_id}: ${escapeControl(problem.message)}\n`);
    if (!this.jsonEnabled()) {
      const { printToTerminal } = await import('../../terminal-output.js');
      const { runListText } = await import('../../render/run-records-text.js');
      await printToTerminal(flags, 'fit', (colours) => runListText(runs, colours));
    }
    return { runs };
  }
}
