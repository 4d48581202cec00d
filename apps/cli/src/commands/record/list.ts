import type { Recording } from '@tracekernel/ledger';
import { TraceCommand } from '../../base-command.js';

export default class RecordList extends TraceCommand<typeof RecordList> {
  static override summary = 'List the open recordings of this repository (from any shell).';
  static override examples = ['<%= config.bin %> record list --json'];

  async run(): Promise<{ recordings: Recording[] }> {
    const { listRecordings } = await import('@tracekernel/ledger');
    const result = await listRecordings(process.cwd());
    if (!this.jsonEnabled()) {
      for (const recording of result.recordings) {
        this.log(`${recording.id}  ${recording.started_at}  ${recording.user}${recording.name ? `  ${recording.name}` : ''}${recording.classification ? `  [${recording.classification}]` : ''}`);
      }
    }
    return result;
  }
}
