import {
  runEndEventKey,
  runStartEventKey,
  type EventInput,
  type RunEndMetadataInput,
  type RunStartMetadataInput,
} from '@tracekernel/schema';

/**
 * How a run is stored, in one place: the start targets the task and carries `run:<key>` as its
 * event idempotency key, so the store's unique index decides "already ran?"; the end targets the
 * task too, has the start as its parent and is keyed `run-end:<span>`, so a run has at most one
 * end and the end is found by span through an index. Every writer (tracer.run, `trace run`,
 * backfill) builds its events here.
 */
export function runStartEvent(
  metadata: RunStartMetadataInput,
  options: { id?: string; ts?: number; agentId?: string | null; parent?: string | null } = {},
): EventInput & { idempotency_key: string; target_id: string } {
  return {
    primitive: 'run',
    type: 'start',
    ...(options.id === undefined ? {} : { id: options.id }),
    ...(options.ts === undefined ? {} : { ts: options.ts }),
    ...(options.agentId === undefined ? {} : { agent_id: options.agentId }),
    target_id: metadata.task_id,
    parent_event_id: options.parent ?? null,
    idempotency_key: runStartEventKey(metadata.idempotency_key),
    metadata,
  };
}

export function runEndEvent(
  start: { id: string; target_id: string | null },
  metadata: RunEndMetadataInput,
  options: { ts?: number; agentId?: string | null } = {},
): EventInput & { idempotency_key: string; parent_event_id: string } {
  return {
    primitive: 'run',
    type: 'end',
    ...(options.ts === undefined ? {} : { ts: options.ts }),
    ...(options.agentId === undefined ? {} : { agent_id: options.agentId }),
    target_id: start.target_id,
    parent_event_id: start.id,
    idempotency_key: runEndEventKey(metadata.span_id),
    metadata,
  };
}
