import type { ErrorResponse } from './contract.js';

/** A read API failure, with the server's error code (`E_NOT_FOUND`, …). */
export class ApiError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

/** The URL of a read API route, relative to the page (the server serves both). */
export function apiUrl(path: string, params: Record<string, string | number | undefined> = {}): string {
  const url = new URL(path, window.location.href);
  for (const [name, value] of Object.entries(params)) if (value !== undefined && value !== '') url.searchParams.set(name, String(value));
  return url.toString();
}

/** GET a read API route; the server's `{"error": {code, message}}` becomes an ApiError. */
export async function getJson<T>(path: string, params: Record<string, string | number | undefined> = {}): Promise<T> {
  const response = await fetch(apiUrl(path, params), { headers: { accept: 'application/json' } });
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    throw new ApiError(`HTTP_${response.status}`, `${path}: the server answered ${response.status} without JSON`);
  }
  const error = (body as Partial<ErrorResponse>).error;
  if (!response.ok || error) throw new ApiError(error?.code ?? `HTTP_${response.status}`, error?.message ?? `${path}: HTTP ${response.status}`);
  return body as T;
}
