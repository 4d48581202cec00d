import type { StoreVerification } from '@tracekernel/projector';
import { TraceCommand } from '../base-command.js';

export default class Verify extends TraceCommand<typeof Verify> {
  static override summary = "Check a store's integrity end to end; exit 1 when any check fails.";
  static override description =
    "Runs SQLite's integrity check, checks that the append-only triggers are in force, that every event's kind, " +
    'names, parent and causes resolve (and no dictionary entry is orphaned), recomputes the hash chain over events, ' +
    'and checks the run invariants. Detects tampering by anyone with write access to the file; see docs/concepts.md.';

  static override examples = ['<%= config.bin %> verify', '<%= config.bin %> verify --json', '<%= config.bin %> verify --db /path/to/trace.db'];

  async run(): Promise<StoreVerification> {
    const { verifyStore } = await import('@tracekernel/projector');
    const store = await this.openStore('read');
    const result = await verifyStore(store);
    if (!this.jsonEnabled()) {
      for (const check of result.checks) {
        this.log(`${check.ok ? 'ok  ' : 'FAIL'} ${check.name}: ${check.detail}`);
        for (const problem of check.problems) this.log(`       ${problem}`);
      }
      this.log(result.ok ? `${store.location}: verified` : `${store.location}: ${result.checks.filter((check) => !check.ok).length} check(s) failed`);
    }
    if (!result.ok) process.exitCode = 1;
    return result;
  }
}
