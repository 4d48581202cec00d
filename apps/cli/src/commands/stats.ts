import { Flags } from '@oclif/core';
import { TraceCommand } from '../base-command.js';
import type { StatsJson } from '@tracekernel/projector';

export default class Stats extends TraceCommand<typeof Stats> {
  static override summary = 'Counts by primitive, type and agent, the time span, the size of the store, and its pending spools.';

  static override examples = ['<%= config.bin %> stats', '<%= config.bin %> stats --json', '<%= config.bin %> stats --include-private'];

  static override flags = {
    'include-private': Flags.boolean({ description: 'Count private events in every figure (by default only their number is shown)' }),
  };

  async run(): Promise<StatsJson> {
    const { statsText } = await import('../render/stats-text.js');
    const { statsJson } = await import('@tracekernel/projector');
    const { palette } = await import('../render/palette.js');
    const { pendingSpools } = await import('@tracekernel/sdk');
    const store = await this.openStore('read');
    const includePrivate = this.flags['include-private'];
    const stats = statsJson(store.location, await store.stats(includePrivate ? { includePrivate } : {}), pendingSpools(store.location), includePrivate);
    if (!this.jsonEnabled()) for (const line of statsText(stats, palette())) this.log(line);
    return stats;
  }
}
