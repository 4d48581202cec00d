import { TraceError, isTraceError } from '@tracekernel/schema';
import { describePostgres, redactLocation } from '../store-location.js';

const CONNECT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * Turns a node-postgres failure into a one-line TraceError that names the server and never the
 * password: pg's own messages do not carry it, and the location is redacted before use.
 */
export function toTraceError(error: unknown, location: string): TraceError {
  if (isTraceError(error)) return error;
  const code = String((error as { code?: unknown }).code ?? '');
  const message = oneLine((error as Error).message ?? String(error));
  const server = describePostgres(location);
  if (CONNECT_CODES.has(code) || /connect|timeout/i.test(message) && code === '') {
    return new TraceError('E_STORE', `cannot reach PostgreSQL at ${server}: ${message || code}`, { cause: error });
  }
  if (code === '28P01' || code === '28000') {
    return new TraceError('E_STORE', `PostgreSQL at ${server} refused the login: ${message}`, { cause: error });
  }
  if (code === '3D000') {
    return new TraceError('E_STORE', `PostgreSQL at ${server}: ${message}`, { cause: error });
  }
  return new TraceError('E_STORE', `${redactLocation(location)}: ${message}`, { cause: error });
}

function oneLine(text: string): string {
  return text.split('\n').map((line) => line.trim()).filter(Boolean).join('; ');
}
