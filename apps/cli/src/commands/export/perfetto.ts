import { TraceCommand } from '../../base-command.js';
import { exportFilterFlags } from '../../export-filters.js';

export default class ExportPerfetto extends TraceCommand<typeof ExportPerfetto> {
  static override summary = 'Write events as Chrome trace-event JSON, for ui.perfetto.dev and chrome://tracing.';
  static override description =
    'A track per agent; task claims (to completion or block) and runs (start to end) as complete events; every event ' +
    'as an instant carrying its id and metadata; flow arrows from each cause (parent and causes) to its effect.';

  static override examples = ['<%= config.bin %> export perfetto --task task-abc123 -o task.perfetto.json'];

  static override flags = exportFilterFlags;

  async run(): Promise<{ output: string; events: number; trace_events: number }> {
    const { timeline } = await import('@tracekernel/projector');
    const { eventsToPerfetto } = await import('@tracekernel/otel');
    const { exportQuery, writeExport } = await import('../../export-filters.js');
    const store = await this.openStore('read');
    const events = (await timeline(store, await exportQuery(store, this.flags))).entries.map((entry) => entry.event);
    const trace = eventsToPerfetto(events);
    await writeExport(this.flags.output, `${JSON.stringify(trace)}\n`);
    if (this.flags.output !== '-' && !this.jsonEnabled()) this.log(`wrote ${events.length} events (${trace.traceEvents.length} trace events) to ${this.flags.output}`);
    return { output: this.flags.output, events: events.length, trace_events: trace.traceEvents.length };
  }
}
