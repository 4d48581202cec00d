import { isTraceError } from '@tracekernel/schema';

/**
 * A failure answered as `{"error":{"code","message"}}` with an HTTP status. The codes of the
 * store and the catalog (TraceError) keep their names, so a client sees the same code as
 * `trace ... --json` would print for the same mistake.
 */
export class HttpError extends Error {
  override readonly name = 'HttpError';

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const STATUS_OF_TRACE_CODE: Record<string, number> = {
  E_USAGE: 400,
  E_SCHEMA: 400,
  E_UNKNOWN_KIND: 400,
  E_INVALID_ID: 400,
  E_INVALID_TIME: 400,
  E_NOT_FOUND: 404,
  E_AMBIGUOUS: 409,
  E_STORE_LOCKED: 503,
};

/** The status, code and one-line message to answer for any failure; unexpected ones hide their details. */
export function describeHttpFailure(error: unknown): { status: number; code: string; message: string } {
  if (error instanceof HttpError) return { status: error.status, code: error.code, message: error.message };
  if (isTraceError(error)) {
    return { status: STATUS_OF_TRACE_CODE[error.code] ?? 500, code: error.code, message: oneLine(error.message) };
  }
  return { status: 500, code: 'E_INTERNAL', message: 'internal error (the server log has the details)' };
}

function oneLine(text: string): string {
  return text.split('\n').map((line) => line.trim()).filter(Boolean).join('; ');
}
