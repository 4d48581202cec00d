import { Args } from '@oclif/core';
import type { LedgerRunDetail } from '@tracekernel/ledger';
import { TraceCommand } from '../../base-command.js';

export default class LedgerShow extends TraceCommand<typeof LedgerShow> {
  static override summary = 'Show one run from the trace-ledger branch: its record, tag and events (reads git, not the store).';
  static override examples = ['<%= config.bin %> ledger show 019a5f7e-8c2e-7d41-9a1b-3c4d5e6f7a8b --json'];

  static override args = {
    run: Args.string({ description: "The run's span_id", required: true }),
  };

  async run(): Promise<LedgerRunDetail> {
    const { showLedgerRun } = await import('@tracekernel/ledger');
    const detail = await showLedgerRun(process.cwd(), this.args.run);
    if (!this.jsonEnabled()) {
      const { palette } = await import('../../render/palette.js');
      const { runDetailText } = await import('../../render/run-records-text.js');
      for (const line of runDetailText({ run: detail.run, attempts: [detail.run] }, palette())) this.log(line);
      this.log(detail.tag ? `tag: ${detail.tag.name} -> ${detail.tag.commit}` : 'tag: none yet (the repository has no commit)');
      this.log(`${detail.events.length} events:`);
      for (const event of detail.events) this.log(`  ${event.ts}  ${event.primitive}.${event.type}  ${event.agent_id ?? '-'}  ${event.target_id ?? ''}  ${event.id}`);
    }
    return detail;
  }
}
