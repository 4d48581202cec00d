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
    e.schema_version + FIELD + metadataJson
  );
}

/** A decoded event whose metadata is parsed only when read: the store reads it only for target links. */
class DecodedEvent implements PreparedEvent {
  readonly event: TraceEvent;
  readonly metadataJson: string;

  constructor(fields: string[]) {
    const orNull = (value: string) => (value === '' ? null : value);
    const metadataJson = fields.slice(11).join(FIELD);
    this.metadataJson = metadataJson;
    let metadata: TraceEvent['metadata'] | undefined;
    this.event = {
      id: fields[0]!,
      ts: Number(fields[1]),
      primitive: fields[2]!,
      type: fields[3]!,
      agent_id: orNull(fields[4]!),
      target_id: orNull(fields[5]!),
      session_id: orNull(fields[6]!),
      parent_event_id: orNull(fields[7]!),
      causes: fields[8] === '' ? [] : fields[8]!.split(','),
      idempotency_key: orNull(fields[9]!),
      schema_version: Number(fields[10]),
      get metadata() {
        return (metadata ??= JSON.parse(metadataJson));
      },
    } as TraceEvent;
  }
}

export function decodeEvent(line: string): PreparedEvent {
  return new DecodedEvent(line.split(FIELD));
}
