import { TraceError } from '@tracekernel/schema';

/**
 * A batch is sent as one array per column and unnested server-side; a row's causes travel as a
 * PostgreSQL array literal (`{id,id}`) in a text[] and are cast to uuid[] there, because unnest
 * cannot return a jagged array per row.
 */
export function idsToArrayLiteral(ids: readonly string[]): string | null {
  return ids.length === 0 ? null : `{${ids.join(',')}}`;
}

/** A PostgreSQL cursor: the writing transaction's id and the row's seq, `xid:seq`. */
export function encodeCursor(xid: string, seq: number | string): string {
  return `${xid}:${seq}`;
}

export function decodeCursor(cursor: string | null | undefined): { xid: string; seq: string } {
  if (cursor === null || cursor === undefined) return { xid: '0', seq: '0' };
  const match = /^(\d+):(\d+)$/.exec(cursor);
  if (!match) throw new TraceError('E_USAGE', `cursor: expected a PostgreSQL store cursor (xid:seq), got ${JSON.stringify(cursor)}`);
  return { xid: match[1]!, seq: match[2]! };
}
