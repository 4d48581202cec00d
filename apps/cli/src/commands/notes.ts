import { Args, Flags } from '@oclif/core';
import type { LedgerNote } from '@tracekernel/ledger';
import { TraceCommand } from '../base-command.js';

export default class Notes extends TraceCommand<typeof Notes> {
  static override summary = 'List the notes of a run or event, or of a thread, oldest first (reads git, not the store).';
  static override examples = ['<%= config.bin %> notes 019a5f7e-8c2e-7d41-9a1b-3c4d5e6f7a8b', '<%= config.bin %> notes --thread thr_019a… --json'];

  static override args = {
    subject: Args.string({ description: "A run's span_id or an event id" }),
  };

  static override flags = {
    thread: Flags.string({ description: 'The notes of this thread instead' }),
  };

  async run(): Promise<{ notes: LedgerNote[] }> {
    const { listNotes } = await import('@tracekernel/ledger');
    const result = await listNotes({
      cwd: process.cwd(),
      ...(this.args.subject === undefined ? {} : { subject: this.args.subject }),
      ...(this.flags.thread === undefined ? {} : { thread: this.flags.thread }),
    });
    if (!this.jsonEnabled()) {
      for (const note of result.notes) this.log(`${note.ts}  ${note.user}${note.thread_id ? ` #${note.thread_id}` : ''}: ${note.text}`);
    }
    return result;
  }
}
