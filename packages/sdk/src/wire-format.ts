import type { PreparedEvent, TraceEvent } from '@tracekernel/schema';

/**
 * How an event crosses from the agent's thread to the writer thread: one line of fields separated
 * by U+001F. Building one string and encoding it into shared memory costs a fraction of a
 * structured clone, which would cost more than the emit itself.
 */
const FIELD = '\x1f';

export function encodeEvent({ event: e, metadataJson }: PreparedEvent): string {
  return (
    e.id + FIELD + e.ts + FIELD + e.primitive + FIELD + e.type + FIELD +
    (e.agent_id ?? '') + FIELD + (e.target_id ?? '') + FIELD + (e.session_id ?? '') + FIELD +
    (e.parent_event_id ?? '') + FIELD + e.causes.join(',') + FIELD + (e.idempotency_key ?? '') + FIELD +
    e.schema_version + FIELD + (e.private ? '1' : '') + FIELD + metadataJson
  );
}

/** An event decoded from the wire; its metadata is parsed only when read (the store reads it only for target links). */
class DecodedTraceEvent {
  readonly id: string;
  readonly ts: number;
  readonly primitive: string;
  readonly type: string;
  readonly agent_id: string | null;
  readonly target_id: string | null;
  readonly session_id: string | null;
  readonly parent_event_id: string | null;
  readonly causes: string[];
  readonly idempotency_key: string | null;
  readonly schema_version: number;
  readonly private: boolean;
  readonly #metadataJson: string;
  #metadata: TraceEvent['metadata'] | undefined;

  constructor(fields: string[], metadataJson: string) {
    this.id = fields[0]!;
    this.ts = Number(fields[1]);
    this.primitive = fields[2]!;
    this.type = fields[3]!;
    this.agent_id = fields[4] || null;
    this.target_id = fields[5] || null;
    this.session_id = fields[6] || null;
    this.parent_event_id = fields[7] || null;
    this.causes = fields[8] === '' ? [] : fields[8]!.split(',');
    this.idempotency_key = fields[9] || null;
    this.schema_version = Number(fields[10]);
    this.private = fields[11] === '1';
    this.#metadataJson = metadataJson;
  }

  get metadata(): TraceEvent['metadata'] {
    return (this.#metadata ??= JSON.parse(this.#metadataJson));
  }

  /** Spool records serialise the event with its metadata. */
  toJSON(): TraceEvent {
    const { id, ts, primitive, type, agent_id, target_id, session_id, parent_event_id, causes, idempotency_key, schema_version } = this;
    return { id, ts, primitive, type, agent_id, target_id, session_id, parent_event_id, causes, idempotency_key, schema_version, metadata: this.metadata, private: this.private };
  }
}

export function decodeEvent(line: string): PreparedEvent {
  const fields = line.split(FIELD, 12);
  // The metadata is the rest of the line: JSON never contains a raw U+001F.
  let offset = 0;
  for (let i = 0; i < 12; i++) offset += fields[i]!.length + 1;
  const metadataJson = line.slice(offset);
  return { event: new DecodedTraceEvent(fields, metadataJson) as unknown as TraceEvent, metadataJson };
}
