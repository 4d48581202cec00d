import type { RunViolation } from '@tracekernel/schema';
import { TraceCommand } from '../../base-command.js';

export default class RunsVerify extends TraceCommand<typeof RunsVerify> {
  static override summary = 'Check the ten run-record invariants over the whole store; exit 1 on any violation.';
  static override description = 'Each violation is listed with its run (span_id and idempotency_key) and the rule it breaks. See docs/run-records.md.';

  static override examples = ['<%= config.bin %> runs verify', '<%= config.bin %> runs verify --json'];

  async run(): Promise<{ runs: number; violations: RunViolation[] }> {
    const { verifyRunStore } = await import('@tracekernel/projector');
    const { violationLine } = await import('../../render/run-records-text.js');
    const store = await this.openStore('read');
    const { runs, violations } = await verifyRunStore(store);
    if (!this.jsonEnabled()) {
      for (const violation of violations) this.log(violationLine(violation));
      this.log(violations.length === 0
        ? `${runs} runs checked: all 10 invariants hold.`
        : `${runs} runs checked: ${violations.length} violation${violations.length === 1 ? '' : 's'}.`);
    }
    if (violations.length > 0) process.exitCode = 1;
    return { runs, violations };
  }
}
