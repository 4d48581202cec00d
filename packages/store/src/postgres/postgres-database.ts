import type { Generated } from 'kysely';

/** The tables as kysely sees them. */
export interface PostgresDatabase {
  events: {
    seq: Generated<number>;
    xid: Generated<string>;
    id: string;
    ts: number;
    primitive: string;
    type: string;
    agent: string | null;
    target: string | null;
    session: string | null;
    parent_id: string | null;
    causes: string[] | null;
    idempotency_key: string | null;
    schema_version: number;
    private: boolean;
    metadata: unknown;
  };
  event_causes: { cause: string; event: string };
  target_links: { parent: string; child: string };
  pruned_events: { id: string };
  trace_meta: { key: string; value: string };
  trace_migrations: { version: number; applied_at: Generated<Date> };
}

/** An event row as every read selects it (EVENT_COLUMNS). */
export interface EventRow {
  seq: number;
  xid: string;
  id: string;
  ts: number;
  primitive: string;
  type: string;
  agent: string | null;
  target: string | null;
  session: string | null;
  parent_id: string | null;
  causes: string[] | null;
  idempotency_key: string | null;
  schema_version: number;
  private: boolean;
  metadata: Record<string, unknown>;
}
