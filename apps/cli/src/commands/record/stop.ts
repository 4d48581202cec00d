import { Args, Flags } from '@oclif/core';
import type { RecordedSession } from '@tracekernel/ledger';
import { TraceCommand } from '../../base-command.js';

export default class RecordStop extends TraceCommand<typeof RecordStop> {
  static override summary = 'Stop a recording: save sessions/<id>/ on the ledger branch with a template summary, and print it.';
  static override examples = ['<%= config.bin %> record stop rec_019a5f7e8c2e7d419a1b3c4d5e6f7a8b --note'];

  static override args = {
    id: Args.string({ description: 'The recording id that `trace record start` printed', required: true }),
  };

  static override flags = {
    note: Flags.boolean({ description: 'Also post the summary as a note, in a new thread named after the recording' }),
  };

  async run(): Promise<{ session: RecordedSession; note: { thread_id: string; note_id: string } | null }> {
    const { openLedgerRepo, stopRecording } = await import('@tracekernel/ledger');
    const repo = await openLedgerRepo(process.cwd());
    const store = await this.openStore(this.flags.note ? 'write' : 'read');
    const result = await stopRecording({ cwd: process.cwd(), repo, store, id: this.args.id, note: this.flags.note });
    if (!this.jsonEnabled()) {
      this.log(result.session.summary);
      if (result.note) this.log(`posted to thread ${result.note.thread_id}`);
    }
    return result;
  }
}
