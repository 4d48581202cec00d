import { TraceError, isEventId } from '@tracekernel/schema';
import type { InferredEdge } from './trace-store.js';

/** An inferred edge names two event ids, a rule and a confidence in [0, 1]; anything else is refused. */
export function checkEdge(edge: InferredEdge): void {
  if (!isEventId(edge.event_id) || !isEventId(edge.parent_id)) {
    throw new TraceError('E_INVALID_ID', `inferred edge: expected uuidv7 event ids, got ${JSON.stringify(edge.event_id)} and ${JSON.stringify(edge.parent_id)}`);
  }
  if (typeof edge.rule !== 'string' || !/^[a-z][a-z0-9-]{0,63}$/.test(edge.rule)) {
    throw new TraceError('E_SCHEMA', `inferred edge: rule must be a lower-case name (letters, digits, -), got ${JSON.stringify(edge.rule)}`);
  }
  if (typeof edge.confidence !== 'number' || !(edge.confidence >= 0 && edge.confidence <= 1)) {
    throw new TraceError('E_SCHEMA', `inferred edge: confidence must be a number in [0, 1], got ${JSON.stringify(edge.confidence)}`);
  }
}
