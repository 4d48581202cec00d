import { z } from 'zod';
import { isEventId } from './event-id.js';
import { MAX_TS } from './parse-time.js';

export const SCHEMA_VERSION = 1;

/** At most this many further causes (`causes`) per event; `emit` and the spool carry up to this many. */
export const MAX_CAUSES = 256;

/** At most this many bytes of metadata per event, counted as the UTF-8 of its JSON. */
export const MAX_METADATA_BYTES = 1024 * 1024;

/** Names of primitives and types: lower snake case, so they are safe in CLI args, SQL and file names. */
export const KIND_NAME = /^[a-z][a-z0-9_]{0,63}$/;

export const eventIdSchema = z.string().refine(isEventId, { message: 'expected a uuidv7 event id' });

const nameSchema = z.string().min(1).max(512);

export const jsonObjectSchema = z.record(z.string(), z.json());

/** The stored envelope of every event. `ts` is epoch milliseconds. */
export const eventSchema = z.strictObject({
  id: eventIdSchema,
  ts: z.int().min(0).max(MAX_TS),
  primitive: z.string().regex(KIND_NAME),
  type: z.string().regex(KIND_NAME),
  agent_id: nameSchema.nullable(),
  target_id: nameSchema.nullable(),
  session_id: nameSchema.nullable(),
  parent_event_id: eventIdSchema.nullable(),
  causes: z.array(eventIdSchema).max(MAX_CAUSES),
  idempotency_key: nameSchema.nullable(),
  schema_version: z.int().min(1),
  metadata: jsonObjectSchema,
});

export type TraceEvent = z.infer<typeof eventSchema>;
export type JsonObject = z.infer<typeof jsonObjectSchema>;

/** An event as scripts see it (`--json`): the same fields, with `ts` as ISO-8601 UTC. */
export interface JsonEvent extends Omit<TraceEvent, 'ts' | 'idempotency_key' | 'schema_version'> {
  ts: string;
}

export function toJsonEvent(event: TraceEvent): JsonEvent {
  return {
    id: event.id,
    ts: new Date(event.ts).toISOString(),
    primitive: event.primitive,
    type: event.type,
    agent_id: event.agent_id,
    target_id: event.target_id,
    parent_event_id: event.parent_event_id,
    causes: event.causes,
    session_id: event.session_id,
    metadata: event.metadata,
  };
}
