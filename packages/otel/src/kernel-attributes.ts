/**
 * The span attributes with which `trace export otlp` carries each kernel event whole, so that
 * importing the file gives back the same events (same ids, same causality tree). Other systems
 * show them as ordinary attributes.
 */
export const KERNEL_ATTRIBUTE = {
  id: 'tracekernel.event.id',
  ts: 'tracekernel.event.ts',
  primitive: 'tracekernel.event.primitive',
  type: 'tracekernel.event.type',
  agent: 'tracekernel.event.agent_id',
  target: 'tracekernel.event.target_id',
  session: 'tracekernel.event.session_id',
  parent: 'tracekernel.event.parent_event_id',
  causes: 'tracekernel.event.causes',
  idempotencyKey: 'tracekernel.event.idempotency_key',
  metadata: 'tracekernel.event.metadata',
  private: 'tracekernel.event.private',
} as const;
