import { Args, Flags } from '@oclif/core';
import type { JsonEvent, PreparedEvent } from '@tracekernel/schema';
import { TraceCommand } from '../base-command.js';

export default class Emit extends TraceCommand<typeof Emit> {
  static override summary = 'Append one event to the trace store and print its id.';
  static override description =
    'For shell scripts and other languages. Validates the event against the catalog before writing; ' +
    'creates ./.trace/trace.db when no store is found. TRACE_PARENT and TRACE_AGENT give the default --parent and --agent. ' +
    'Metadata keys named in TRACE_REDACT (comma-separated) or in the redact list of .trace/config.json are stored as "[redacted]".';

  static override examples = [
    `<%= config.bin %> emit ops create_task --agent zealot-1 --target task-1 --meta '{"title":"Build payment system"}'`,
    `<%= config.bin %> emit bridge send --agent haiku-1 --target payments --meta '{"content":"Blocked on API key"}' --parent <event id>`,
    `<%= config.bin %> emit memory add_entry --agent zealot-1 --meta @entry.json --ts '2025-10-22 14:00+02:00'`,
    `generate-metadata | <%= config.bin %> emit knowledge add_discovery --agent zealot-1 --meta -`,
  ];

  static override args = {
    primitive: Args.string({ description: 'the primitive, e.g. ops (trace catalog lists every primitive and type)', required: true }),
    type: Args.string({ description: 'the event type, e.g. create_task (trace catalog PRIMITIVE lists them)', required: true }),
  };

  static override flags = {
    agent: Flags.string({ description: 'Agent that acted (default: $TRACE_AGENT)' }),
    target: Flags.string({ description: 'What the event affects: task, channel (without #), agent, ...' }),
    parent: Flags.string({ description: 'Event id or short id of the primary cause (default: $TRACE_PARENT)' }),
    cause: Flags.string({ description: 'Event id or short id of a further cause (repeatable)', multiple: true }),
    meta: Flags.string({ description: 'Metadata as a JSON object; @FILE reads it from a file, - from stdin' }),
    ts: Flags.string({
      description: 'Time of the event (default: now): ISO-8601, e.g. 2025-10-22T14:00:00Z or 2025-10-22 14:00+02:00 (no offset means UTC), or epoch milliseconds',
    }),
    session: Flags.string({ description: 'Session id' }),
    'idempotency-key': Flags.string({ description: 'A repeat with the same key stores nothing and prints the first event id' }),
    private: Flags.boolean({ description: 'Store the event as private: hidden from every read unless it gives --include-private' }),
    'lock-timeout': Flags.integer({
      description: 'Milliseconds to wait for another process holding the store\'s write lock before the event is spooled for the next writer',
      default: 10_000,
      min: 0,
    }),
  };

  async run(): Promise<JsonEvent> {
    const { EventCatalog, Redactor, isShortEventId, parseEventId, toJsonEvent } = await import('@tracekernel/schema');
    const { redactKeys } = await import('@tracekernel/store');
    const { parseEmitTime, readMetadataFlag } = await import('../emit-input.js');
    const { flags, args } = this;
    // A short id (as trace prints it) is looked up in the store; a full id may name an event not stored yet.
    const eventId = async (value: string, field: string): Promise<string> => {
      if (!isShortEventId(value)) return parseEventId(value, field);
      const { resolveEventId } = await import('@tracekernel/projector');
      return resolveEventId(await this.openStore('read'), value, field, { includePrivate: true });
    };
    const envParent = process.env.TRACE_PARENT || undefined;
    const parent = flags.parent ?? envParent;
    const input = {
      primitive: args.primitive,
      type: args.type,
      agent_id: flags.agent ?? (process.env.TRACE_AGENT || null),
      target_id: flags.target ?? null,
      session_id: flags.session ?? null,
      parent_event_id: parent === undefined ? null : await eventId(parent, flags.parent === undefined ? 'TRACE_PARENT' : '--parent'),
      causes: await Promise.all((flags.cause ?? []).flatMap((value) => value.split(',')).map((cause) => eventId(cause, '--cause'))),
      idempotency_key: flags['idempotency-key'] ?? null,
      metadata: await readMetadataFlag(flags.meta),
      ...(flags.ts === undefined ? {} : { ts: parseEmitTime(flags.ts) }),
      private: flags.private,
    };
    const catalog = new EventCatalog();
    // Validate everything before the store is opened, so bad input never creates or touches a store.
    // Redaction reads the config beside the store it will write to, and touches nothing.
    const redactor = new Redactor(redactKeys({ db: this.flags.db, cwd: process.cwd(), env: process.env }));
    const prepared = redactor.redactPrepared(catalog.prepare(input));
    const lockTimeoutMs = flags['lock-timeout'];
    let id: string;
    let store: Awaited<ReturnType<Emit['openStore']>> | undefined;
    try {
      store = await this.openStore('write', { lockTimeoutMs });
      const [result] = await store.append([prepared]);
      id = result!.id;
    } catch (error) {
      // Locked past our patience: the SDK's write path keeps the event (stored, else spooled).
      // Anything else (not a store, a newer version, no permission) is the user's to fix.
      if ((error as { code?: unknown }).code !== 'E_STORE_LOCKED') throw error;
      id = await this.#handOver(prepared, (error as Error).message);
      store = await this.openStore('read');
    }
    const [stored] = await store.get([id], { includePrivate: true });
    this.log(id);
    return toJsonEvent(stored ?? prepared.event);
  }

  async #handOver(prepared: PreparedEvent, locked: string): Promise<string> {
    const { recordEvent } = await import('@tracekernel/sdk');
    const { storePathForWriting } = await import('@tracekernel/store');
    const db = storePathForWriting({ db: this.flags.db, cwd: process.cwd(), env: process.env });
    const { outcome } = await recordEvent(prepared, { db, env: process.env });
    if (outcome === 'spooled') {
      process.stderr.write(`trace: ${locked}; the event was spooled and the next tracer to open the store will store it\n`);
    }
    if (outcome === 'duplicate' && prepared.event.idempotency_key !== null) {
      const first = await (await this.openStore('read')).getByIdempotencyKey(prepared.event.idempotency_key);
      if (first) return first.id;
    }
    return prepared.event.id;
  }
}
