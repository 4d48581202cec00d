import { TraceCommand } from '../../base-command.js';
import { exportFilterFlags } from '../../export-filters.js';

export default class ExportOtlp extends TraceCommand<typeof ExportOtlp> {
  static override summary = 'Write events as OTLP JSON (an ExportTraceServiceRequest) for Jaeger, Tempo or any OTLP receiver.';
  static override description =
    'Task claims (to completion or block) and runs (start to end) become spans with a duration; every other event a ' +
    'zero-length span. Spans imported through `trace serve` (POST /v1/traces) are given back as they came. Every span ' +
    'carries its event in tracekernel.event.* attributes, so that posting the file to `trace serve` restores the same ' +
    'events. The mapping is in docs/otel.md.';

  static override examples = [
    '<%= config.bin %> export otlp --task task-abc123 -o trace.json',
    '<%= config.bin %> export otlp --since "1d ago" -o - | curl -X POST -H "content-type: application/json" --data-binary @- http://localhost:4318/v1/traces',
  ];

  static override flags = exportFilterFlags;

  async run(): Promise<{ output: string; events: number; spans: number }> {
    const { timeline } = await import('@tracekernel/projector');
    const { eventsToOtlp } = await import('@tracekernel/otel');
    const { exportQuery, writeExport } = await import('../../export-filters.js');
    const store = await this.openStore('read');
    const events = (await timeline(store, await exportQuery(store, this.flags))).entries.map((entry) => entry.event);
    const request = eventsToOtlp(events, { version: this.config.version });
    await writeExport(this.flags.output, `${JSON.stringify(request)}\n`);
    if (this.flags.output !== '-' && !this.jsonEnabled()) this.log(`wrote ${events.length} events as OTLP spans to ${this.flags.output}`);
    return { output: this.flags.output, events: events.length, spans: events.length };
  }
}
