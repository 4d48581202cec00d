import { Flags } from '@oclif/core';
import type { InitStoreResult } from '@tracekernel/store';
import { TraceCommand } from '../base-command.js';

export default class Init extends TraceCommand<typeof Init> {
  static override summary = 'Point this checkout at a store: writes .trace/config.json (and creates the store).';

  static override description =
    'Without --store, creates .trace/trace.db here. With --store postgres://…, every trace command run in or below this ' +
    'directory uses that server. The store is created (or checked) first, so a bad or unreachable URL writes nothing.';

  static override examples = ['<%= config.bin %> init', '<%= config.bin %> init --store postgres://trace@db.internal:5432/trace'];

  static override flags = {
    store: Flags.string({ description: 'A postgres:// URL or a file path (default: .trace/trace.db)' }),
  };

  async run(): Promise<InitStoreResult> {
    const { initStore } = await import('@tracekernel/store');
    const result = await initStore({ cwd: process.cwd(), store: this.flags.store });
    this.log(`${result.config}: store ${result.location} (${result.dialect})`);
    return result;
  }
}
