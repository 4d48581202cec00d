import { Flags } from '@oclif/core';
import { TraceCommand } from '../../base-command.js';

export default class ExportNdjson extends TraceCommand<typeof ExportNdjson> {
  static override summary = 'Write events as NDJSON, one per line in the JSON contract, oldest first.';
  static override description =
    'The filters are those of a timeline. Each line is the --json event plus its idempotency_key, so trace import ndjson ' +
    'reads it back unchanged: a round trip adds nothing and exports the same bytes.';

  static override examples = [
    '<%= config.bin %> export ndjson -o all.ndjson',
    '<%= config.bin %> export ndjson --channel payments --since 2025-10-23T18:00:00Z',
  ];

  static override flags = {
    agent: Flags.string({ description: "Only this agent's events" }),
    channel: Flags.string({ description: 'Only the bridge events of this channel' }),
    target: Flags.string({ description: 'Only events with this target (a task, a channel, a memory entry…)', multiple: true }),
    primitive: Flags.string({ description: 'Only these primitives, or primitive.type (repeatable or comma list)', multiple: true }),
    since: Flags.string({ description: 'From this time (ISO-8601, "2h ago", …)' }),
    until: Flags.string({ description: 'Before this time (same forms as --since)' }),
    limit: Flags.integer({ description: 'Only the latest N events (still written oldest first)', min: 1 }),
    'include-private': Flags.boolean({ description: 'Write private events too' }),
    output: Flags.string({ char: 'o', description: 'Write to this file (default: stdout)' }),
  };

  static override enableJsonFlag = false;

  async run(): Promise<void> {
    const { createWriteStream } = await import('node:fs');
    const projector = await import('@tracekernel/projector');
    const { exportNdjson } = await import('@tracekernel/import');
    const { flags } = this;
    const store = await this.openStore('read');
    const kinds = flags.primitive?.flatMap((value) => value.split(',')).map((value) => value.trim()).filter(Boolean);
    const channel = flags.channel?.replace(/^#/, '');
    const targets = [...(flags.target ?? []), ...(channel === undefined ? [] : [channel])];
    const time = async (value: string | undefined, flag: string) => (value === undefined ? undefined : projector.resolveTime(store, value, { flag }));
    const since = await time(flags.since, '--since');
    const until = await time(flags.until, '--until');
    const query = {
      ...(flags.agent === undefined ? {} : { agent: flags.agent }),
      ...(targets.length === 0 ? {} : { targets }),
      ...(channel !== undefined ? { kinds: kinds?.filter((kind) => kind.startsWith('bridge')) ?? ['bridge'] } : kinds === undefined ? {} : { kinds }),
      ...(since === undefined ? {} : { since }),
      ...(until === undefined ? {} : { until }),
      ...(flags.limit === undefined ? {} : { limit: flags.limit }),
      ...(flags['include-private'] ? { includePrivate: true } : {}),
    };
    const out = flags.output === undefined ? process.stdout : createWriteStream(flags.output);
    const count = await exportNdjson(store, query, (line) => {
      if (!out.write(line)) return new Promise<void>((resolve) => out.once('drain', () => resolve()));
    });
    if (flags.output !== undefined) {
      await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
      process.stderr.write(`trace: wrote ${count} events to ${flags.output}\n`);
    }
  }
}
