import type { ThreadSummary } from '@tracekernel/ledger';
import { TraceCommand } from '../base-command.js';

export default class Threads extends TraceCommand<typeof Threads> {
  static override summary = 'List the threads on the ledger branch, oldest first, with their message counts.';
  static override examples = ['<%= config.bin %> threads', '<%= config.bin %> threads --json'];

  async run(): Promise<{ threads: ThreadSummary[] }> {
    const { listThreads } = await import('@tracekernel/ledger');
    const result = await listThreads(process.cwd());
    if (!this.jsonEnabled()) {
      for (const thread of result.threads) this.log(`${thread.thread_id}  ${thread.created_at}  ${thread.created_by}  ${thread.messages} message${thread.messages === 1 ? '' : 's'}  ${thread.title}${thread.anchor_run ? `  (run ${thread.anchor_run})` : ''}`);
    }
    return result;
  }
}
