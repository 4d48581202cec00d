import type { PreparedEvent } from '@tracekernel/schema';

/** The events columns a batch fills, in the order of each COPY row. */
export const COPY_COLUMNS =
  '(id, ts, primitive, type, agent, target, session, parent_id, causes, idempotency_key, schema_version, private, metadata)';

const SPECIAL = /[\\\t\n\r]/;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** A value in COPY's text format: backslash, tab and line breaks escaped, null as `\N`. */
function field(value: string | null): string {
  if (value === null) return '\\N';
  return SPECIAL.test(value) ? value.replace(/[\\\t\n\r]/g, (ch) => ESCAPES[ch]!) : value;
}

/**
 * A batch as the body of `COPY events … FROM STDIN` (text format). Text rather than binary: the
 * values are already strings (uuids, names, the metadata's JSON) and the server's text input for
 * them costs less than building binary tuples in JavaScript would. Ids and causes are uuids the
 * catalog validated, so they need no escaping.
 */
export function copyRows(events: readonly PreparedEvent[]): string {
  let rows = '';
  for (const { event, metadataJson } of events) {
    rows += `${event.id}\t${event.ts}\t${field(event.primitive)}\t${field(event.type)}\t${field(event.agent_id)}\t${field(event.target_id)}\t${field(event.session_id)}\t${event.parent_event_id ?? '\\N'}\t${event.causes.length === 0 ? '\\N' : `{${event.causes.join(',')}}`}\t${field(event.idempotency_key)}\t${event.schema_version}\t${event.private === true ? 't' : 'f'}\t${field(metadataJson)}\n`;
  }
  return rows;
}
