import { Args, Flags } from '@oclif/core';
import { TraceCommand } from '../base-command.js';
import type { CausalityJson, TimelineJson } from '@tracekernel/projector';
import { limitFlag } from '../limit-flag.js';
import { listFlags } from '../terminal-flags.js';

const SUBJECT_FLAGS = ['task', 'agent', 'channel'] as const;

/**
 * The default command: `trace <id>` and `trace --agent x --since "2h ago"` are rewritten to
 * `trace show ...` by bin/run.js, because oclif has no default command.
 */
export default class Show extends TraceCommand<typeof Show> {
  static override hidden = true;
  static override summary = 'Show the timeline of a task, agent or channel, or the causality of an event.';
  static override usage = [
    '<id> [FLAGS]',
    '[--task T | --agent A | --channel C] [--primitive P] [--since S] [--until U] [--limit N]',
    '[--task T | --agent A | --channel C] [--primitive P] [--since S] [--limit N] --follow',
    '--causality <event-or-task-id>',
    '... --include-private',
  ];

  static override examples = [
    '<%= config.bin %> task-abc123',
    '<%= config.bin %> --agent zealot-1 --since "last wake"',
    '<%= config.bin %> --channel payments --primitive bridge --limit 20',
    '<%= config.bin %> --causality task-abc123',
    '<%= config.bin %> --task task-abc123 --follow',
    '<%= config.bin %> --agent zealot-1 --limit 20 --follow --json',
  ];

  static override args = {
    id: Args.string({ description: 'A task, agent or channel (timeline), or an event id or short id (causality)' }),
  };

  static override flags = {
    ...listFlags,
    task: Flags.string({ description: 'Timeline of a task, its subtasks and everything they caused' }),
    agent: Flags.string({ description: "Timeline of an agent's events" }),
    channel: Flags.string({ description: 'Timeline of a bridge channel (with or without #)' }),
    primitive: Flags.string({ description: 'Only these primitives (repeatable or comma list)', multiple: true }),
    since: Flags.string({
      description: 'From this time: ISO, epoch ms, "2h ago", "an hour ago", "today", "yesterday", "now", "last wake" (needs an agent) or "when <task|agent|event-id> <type>"',
    }),
    until: Flags.string({ description: 'Before this time (same forms as --since)' }),
    limit: limitFlag('Only the latest N events (still printed oldest first)'),
    follow: Flags.boolean({
      char: 'f',
      description: 'Keep printing matching events as they are committed, until interrupted (with --since or --limit, first the backlog, like tail -f)',
    }),
    local: Flags.boolean({ description: 'Print times in the local time zone, with its offset (default: UTC, marked Z)' }),
    inferred: Flags.boolean({
      description: 'Causality trees follow inferred causes too, drawn ┄> (--no-inferred: declared causes only)',
      allowNo: true,
      default: true,
    }),
    'include-private': Flags.boolean({ description: 'Show private events too (by default they are left out, and drawn as [private event] in trees)' }),
    causality: Flags.string({
      description: 'Cause-and-effect tree of an event (its id or short id) or a task',
      exclusive: ['task', 'agent', 'channel', 'primitive', 'since', 'until', 'limit', 'follow'],
    }),
  };

  async run(): Promise<TimelineJson | CausalityJson | undefined> {
    const { flags, args } = this;
    const { parseEventId, TraceError } = await import('@tracekernel/schema');
    const { looksLikeUuid, resolveShowSubject } = await import('../show-subject.js');
    const projector = await import('@tracekernel/projector');
    const { TerminalOutput, printToTerminal } = await import('../terminal-output.js');

    if (flags.follow && flags.until !== undefined) await this.usageError('--follow has no end: drop --until, or --follow to read a closed window');
    if (args.id !== undefined && (flags.causality !== undefined || SUBJECT_FLAGS.some((flag) => flags[flag] !== undefined))) {
      await this.usageError(`give either <id> or one of --task, --agent, --channel, --causality, not both`);
    }
    const asEventId = (value: string, field: string) => (looksLikeUuid(value) ? parseEventId(value, field) : undefined);

    // `trace stat` is rewritten to `trace show stat` (bin/run.js): when no name answers, it was a typo of a command.
    const { suggestCommand } = await import('../suggest.js');
    const commandIds = this.config.commands.filter((command) => !command.hidden).map((command) => command.id);
    const suggestion = args.id === undefined ? undefined : suggestCommand(args.id, commandIds);
    const notACommand = (where: string) => this.usageError(`"${args.id}" is not a trace command${where}: did you mean \`${suggestion}\`?`);

    let store: Awaited<ReturnType<Show['openStore']>>;
    try {
      store = await this.openStore('read');
    } catch (error) {
      if (suggestion !== undefined && (error as { code?: unknown }).code === 'E_NO_STORE') return notACommand('');
      throw error;
    }
    const includePrivate = flags['include-private'];
    const catalog = await this.storeCatalog(store);

    const showCausality = async (subject: string) => {
      const { causalityText } = await import('../render/causality-text.js');
      const causality = await projector.causality(store, subject, catalog, { includePrivate, inferred: flags.inferred });
      if (!this.jsonEnabled()) await printToTerminal(flags, 'fit', (colours) => causalityText(causality, colours, { local: flags.local }));
      return projector.causalityJson(causality);
    };

    if (flags.causality !== undefined) return showCausality(asEventId(flags.causality, '--causality') ?? flags.causality);

    const query: { task?: string; agent?: string; channel?: string } = {};
    if (flags.task !== undefined) query.task = flags.task;
    if (flags.agent !== undefined) query.agent = flags.agent;
    if (flags.channel !== undefined) query.channel = flags.channel.replace(/^#/, '');

    if (args.id !== undefined) {
      const subject = await resolveShowSubject(store, args.id, includePrivate);
      if (subject === null) {
        if (suggestion !== undefined) await notACommand(`, and nothing is named so in ${store.location}`);
        throw new TraceError('E_NOT_FOUND', `nothing named "${args.id}" in ${store.location}: no task, agent, channel or event`);
      }
      if (subject.kind === 'event' && flags.follow) await this.usageError('--follow follows a timeline: give a task, agent or channel, not an event');
      if (subject.kind === 'event') return showCausality(subject.id);
      query[subject.kind] = subject.id;
    }

    const timeOptions = (flag: string) => ({ flag, ...(query.agent === undefined ? {} : { agent: query.agent }) });
    const primitives = flags.primitive?.flatMap((value) => value.split(',')).map((value) => value.trim()).filter(Boolean);
    if (primitives !== undefined) await projector.checkKindFilter(store, primitives, '--primitive', catalog);
    const timelineQuery = {
      ...query,
      ...(primitives === undefined ? {} : { primitives }),
      ...(flags.since === undefined ? {} : { since: await projector.resolveTime(store, flags.since, timeOptions('--since')) }),
      ...(flags.until === undefined ? {} : { until: await projector.resolveTime(store, flags.until, timeOptions('--until')) }),
      ...(flags.limit === undefined ? {} : { limit: flags.limit }),
      ...(includePrivate ? { includePrivate } : {}),
    };
    if (flags.follow) {
      const { followToTerminal } = await import('../follow-terminal.js');
      await followToTerminal(store, timelineQuery, { json: this.jsonEnabled(), output: await TerminalOutput.open(flags, { page: false, fit: true }), local: flags.local, catalog });
      return undefined;
    }
    const timeline = await projector.timeline(store, timelineQuery, catalog);
    const { timelineText } = await import('../render/timeline-text.js');
    if (!this.jsonEnabled()) await printToTerminal(flags, 'fit', (colours) => timelineText(timeline, colours, { local: flags.local }));
    return projector.timelineJson(timeline);
  }
}
