import { Flags } from '@oclif/core';
import { TraceCommand } from '../base-command.js';

export default class Infer extends TraceCommand<typeof Infer> {
  static override summary = 'Infer the causes that emitters never recorded, and store them apart from the declared ones.';
  static override description =
    'Runs the named rules (read-before-act, reply, memory-of-channel, memory-link, session, task-output, mention, ' +
    'task-lifecycle) over every event without a declared parent. Each edge keeps its rule and a confidence; a declared ' +
    'parent_event_id always wins. Running it again adds nothing. See docs/import.md for what each rule claims.';

  static override examples = ['<%= config.bin %> infer', '<%= config.bin %> infer --dry-run --json'];

  static override flags = {
    'dry-run': Flags.boolean({ description: 'Count the edges that would be added; write nothing', default: false }),
  };

  async run(): Promise<{ events: number; by_rule: Record<string, number>; added: number }> {
    const { inferStore } = await import('@tracekernel/import');
    const dryRun = this.flags['dry-run'];
    let store = await this.openStore('read');
    if (!dryRun) store = await this.openStore('write');
    const report = await inferStore(store, { dryRun });
    if (!this.jsonEnabled()) {
      const rules = Object.entries(report.byRule).map(([rule, n]) => `${rule} ${n}`).join(', ');
      this.log(`${dryRun ? 'dry run: would add' : 'added'} ${report.added} inferred causes over ${report.events} events${rules === '' ? '' : ` (${rules})`}`);
    }
    return { events: report.events, by_rule: report.byRule, added: report.added };
  }
}
