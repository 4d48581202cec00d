import { Flags } from '@oclif/core';
import type { Recording } from '@tracekernel/ledger';
import type { TraceStore } from '@tracekernel/store';
import { TraceCommand } from '../../base-command.js';

export default class RecordStart extends TraceCommand<typeof RecordStart> {
  static override summary = 'Start recording a session: the events that land in the store until `trace record stop`; prints its id.';
  static override examples = [
    '<%= config.bin %> record start --name "rotate the payment keys" --classification deployment',
    '<%= config.bin %> record start --agent planner',
  ];

  static override flags = {
    name: Flags.string({ description: "The session's name" }),
    classification: Flags.string({ description: 'What kind of session', options: ['deployment', 'debugging', 'config', 'exploration'] }),
    agent: Flags.string({ description: "Only this agent's events" }),
    session: Flags.string({ description: 'Only events with this session_id' }),
  };

  async run(): Promise<{ recording: Recording }> {
    const { openLedgerRepo, startRecording } = await import('@tracekernel/ledger');
    await openLedgerRepo(process.cwd(), { allowDetached: true });
    let store: TraceStore | null = null;
    try {
      store = await this.openStore('read');
    } catch (error) {
      if ((error as { code?: string }).code !== 'E_NO_STORE') throw error;
    }
    const { flags } = this;
    const recording = await startRecording({
      cwd: process.cwd(),
      store,
      ...(flags.name === undefined ? {} : { name: flags.name }),
      ...(flags.classification === undefined ? {} : { classification: flags.classification }),
      ...(flags.agent === undefined ? {} : { agent: flags.agent }),
      ...(flags.session === undefined ? {} : { session: flags.session }),
    });
    if (!this.jsonEnabled()) this.log(recording.id);
    return { recording };
  }
}
