import type { ColumnType, Generated } from 'kysely';

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
  };
  names: { id: Generated<number>; name: string };
  kinds: { id: Generated<number>; primitive: string; type: string };
  event_causes: { cause: Buffer; seq: number };
  target_links: { parent: number; child: number };
  trace_meta: { key: string; value: ColumnType<string> };
}

/** A decoded-ready row: `parent_event` is the parent's id, whether it was resolved to a row or not. */
export interface EventRow {
  seq: number;
  id: Buffer;
  ts: number;
  kind: number;
  agent: number | null;
  target: number | null;
  session: number | null;
  parent_event: Buffer | null;
  causes: Buffer | null;
  idempotency_key: string | null;
  schema_version: number;
  metadata: string;
}
