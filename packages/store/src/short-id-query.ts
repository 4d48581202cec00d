import { MAX_SHORT_ID_LENGTH, TraceError, isShortEventId } from '@tracekernel/schema';

/** A validated short-id lookup: only hex digits ever reach SQL. */
export interface ShortIdQuery {
  /** 4 to 12 lower-case hex digits. */
  digits: string;
  /** The lowest and highest last groups that start with `digits`, 12 hex digits each. */
  low: string;
  high: string;
  limit: number;
}

export function shortIdQuery(shortId: string, limit = 10): ShortIdQuery {
  if (!isShortEventId(shortId)) {
    throw new TraceError('E_INVALID_ID', `short id: expected 4 to ${MAX_SHORT_ID_LENGTH} hex digits, got ${JSON.stringify(shortId)}`);
  }
  if (!Number.isSafeInteger(limit) || limit < 1) throw new TraceError('E_USAGE', `short id: limit must be a positive integer, got ${limit}`);
  const digits = shortId.trim().toLowerCase();
  return { digits, low: digits.padEnd(MAX_SHORT_ID_LENGTH, '0'), high: digits.padEnd(MAX_SHORT_ID_LENGTH, 'f'), limit };
}
