import { Args, Flags } from '@oclif/core';
import type { Thread } from '@tracekernel/ledger';
import { TraceCommand } from '../../base-command.js';

export default class ThreadNew extends TraceCommand<typeof ThreadNew> {
  static override summary = 'Start a thread on the ledger branch (threads/<thread_id>/), optionally about a run; prints its id.';
  static override examples = ['<%= config.bin %> thread new "why did step 3 fail?" --run 019a5f7e-8c2e-7d41-9a1b-3c4d5e6f7a8b'];

  static override args = {
    title: Args.string({ description: "The thread's title", required: true }),
  };

  static override flags = {
    run: Flags.string({ description: "Anchor the thread to this run (a span_id in the ledger)" }),
  };

  async run(): Promise<{ thread: Thread }> {
    const { createThread } = await import('@tracekernel/ledger');
    const thread = await createThread({ cwd: process.cwd(), title: this.args.title, ...(this.flags.run === undefined ? {} : { run: this.flags.run }) });
    if (!this.jsonEnabled()) this.log(thread.thread_id);
    return { thread };
  }
}
