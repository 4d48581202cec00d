import { TraceError } from '@tracekernel/schema';

const CORRUPT_CODES = new Set(['SQLITE_CORRUPT', 'SQLITE_NOTADB', 'SQLITE_CORRUPT_INDEX', 'SQLITE_CORRUPT_VTAB', 'SQLITE_CORRUPT_SEQUENCE']);

export function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

/** Turns a SQLite failure into a TraceError that names the store; TraceErrors pass through. */
export function toTraceError(error: unknown, path: string): TraceError {
  if (error instanceof TraceError) return error;
  const code = String((error as { code?: unknown }).code ?? '');
  const message = (error as Error).message ?? String(error);
  if (CORRUPT_CODES.has(code) || code.startsWith('SQLITE_CORRUPT')) {
    return new TraceError('E_CORRUPT_STORE', `${path} is corrupt or not a SQLite database (${message})`, { cause: error });
  }
  return new TraceError('E_STORE', `${path}: ${message}`, { cause: error });
}
