import { TraceError } from '@tracekernel/schema';

/** `--meta '<json>'`: must be a JSON object. */
export function parseMetadataFlag(value: string | undefined): Record<string, unknown> {
  if (value === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (error) {
    throw new TraceError('E_SCHEMA', `--meta: not valid JSON (${(error as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new TraceError('E_SCHEMA', '--meta: expected a JSON object, e.g. \'{"title":"Build payment system"}\'');
  }
  return parsed as Record<string, unknown>;
}

/** `--ts`: an ISO-8601 time or epoch milliseconds. */
export function parseEmitTime(value: string): number {
  const trimmed = value.trim();
  const ms = /^\d+$/.test(trimmed) ? Number(trimmed) : /^\d{4}-\d{2}-\d{2}/.test(trimmed) ? Date.parse(trimmed) : Number.NaN;
  if (!Number.isSafeInteger(ms) || ms < 0 || ms >= 2 ** 48) {
    throw new TraceError('E_INVALID_TIME', `--ts: could not parse "${value}"; expected an ISO-8601 time or epoch milliseconds`);
  }
  return ms;
}
