import type { ColumnType, Generated } from 'kysely';
import type { TraceEvent } from '@tracekernel/schema';

/** The tables as kysely sees them. */
export interface SqliteDatabase {
  events: {
    seq: Generated<number>;
    id: Buffer;
    ts: number;
    kind: number;
    agent: number | null;
    target: number | null;
    session: number | null;
    parent: number | null;
    parent_id: Buffer | null;
    causes: Buffer | null;
    idempotency_key: string | null;
    schema_version: number;
    metadata: string;
    private: number | null;
  };
  pruned_parents: { seq: number; id: Buffer };
  names: { id: Generated<number>; name: string };
  kinds: { id: Generated<number>; primitive: string; type: string };
  event_causes: { cause: Buffer; seq: number };
  event_short_ids: { short: Buffer; seq: number };
  target_links: { parent: number; child: number };
  trace_meta: { key: string; value: ColumnType<string> };
}

/**
 * An event as read: [seq, id, ts, kind, agent, target, session, parent id, causes, idempotency_key,
 * schema_version, metadata, private], ids as hex as SQLite's hex() gives it (upper case; '' for none), names and kind as dictionary ids.
 */
export type EventTuple = [
  number, string, number, number, number | null, number | null, number | null, string, string, string | null, number, string, number | null,
];

/** An EventTuple read as JSON (EVENT_JSON): the metadata parsed. */
export type ParsedEventTuple = [
  number, string, number, number, number | null, number | null, number | null, string, string, string | null, number, TraceEvent['metadata'],
  number | null,
];

/**
 * The same with the id as uuid text, the parent as stored (its seq, or when it arrived late its hex
 * id) and the metadata already parsed: [seq, id, ts, kind, agent, target, session, parent seq, parent id, causes,
 * idempotency_key, schema_version, metadata, private].
 */
export type ParentSeqTuple = [
  number, string, number, number, number | null, number | null, number | null, number | null, string, string, string | null, number,
  TraceEvent['metadata'], number | null,
];
