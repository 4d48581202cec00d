import { Flags } from '@oclif/core';
import type { AddNoteReport } from '@tracekernel/ledger';
import { TraceCommand } from '../base-command.js';

export default class Note extends TraceCommand<typeof Note> {
  static override summary = "Note a run or an event: an event in the store, and a line in the git note on the run's tag.";
  static override description =
    'trace note <run-or-event> "text" attaches the note to the run (span_id or idempotency key) or to an event inside ' +
    'a run; trace note --thread T "text" posts to a thread only. --encrypt stores AES-256-GCM ciphertext under ' +
    'TRACE_ENC_KEY, everywhere; without the key it is refused and nothing is written.';

  static override examples = [
    '<%= config.bin %> note 019a5f7e-8c2e-7d41-9a1b-3c4d5e6f7a8b "step 3 failed: the lock timed out"',
    'TRACE_ENC_KEY=… <%= config.bin %> note 019a5f7e-8c2e-7d41-9a1b-3c4d5e6f7a8b "the token was rotated" --encrypt',
    '<%= config.bin %> note --thread thr_019a… "agreed, retry after the fix"',
  ];

  static override strict = false;

  static override flags = {
    thread: Flags.string({ description: 'Also post the note to this thread (thr_…)' }),
    encrypt: Flags.boolean({ description: 'Encrypt the text with TRACE_ENC_KEY' }),
    publish: Flags.boolean({ description: 'Mark the note as fit for public rendering' }),
  };

  async run(): Promise<AddNoteReport> {
    const { addNote, openLedgerRepo } = await import('@tracekernel/ledger');
    const args = this.positional;
    const withSubject = args.length === 2;
    if (!(withSubject || (args.length === 1 && this.flags.thread !== undefined))) {
      await this.usageError('expected <run-or-event> "text" (or --thread T "text")');
    }
    const repo = await openLedgerRepo(process.cwd()); // not a repository, bare or detached: said before looking for a store
    const store = await this.openStore('write');
    const report = await addNote({
      cwd: process.cwd(),
      repo,
      store,
      ...(withSubject ? { subject: args[0]! } : {}),
      text: args.at(-1)!,
      ...(this.flags.thread === undefined ? {} : { thread: this.flags.thread }),
      encrypt: this.flags.encrypt,
      publish: this.flags.publish,
    });
    if (!this.jsonEnabled()) this.log(report.note.id);
    return report;
  }
}
