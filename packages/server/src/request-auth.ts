import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { IncomingMessage } from 'node:http';
import { HttpError } from './http-error.js';

/** The cookie the viewer's page carries after `/?token=…`, so that its fetches and EventSource need no header. */
export const TOKEN_COOKIE = 'trace_token';

/** Whether a listen address only accepts connections from this machine. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  return bare === '::1' || bare.startsWith('::ffff:127.');
}

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/**
 * Compares in constant time: both sides are hashed first, so neither the content nor the length
 * of the token leaks through how long a refusal takes.
 */
export function tokenMatches(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

function cookie(request: IncomingMessage, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return decodeURIComponent(value.join('='));
  }
  return undefined;
}

/** The token a request presents: `Authorization: Bearer …`, else the viewer's cookie. */
export function presentedToken(request: IncomingMessage): string | undefined {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer +(.+)$/i.exec(header.trim());
    if (!match) throw new HttpError(401, 'E_UNAUTHORIZED', 'Authorization: expected "Bearer <token>"');
    return match[1];
  }
  return cookie(request, TOKEN_COOKIE);
}

/** Refuses a request that does not carry the server's token. */
export function checkToken(request: IncomingMessage, token: string): void {
  const given = presentedToken(request);
  if (given === undefined) throw new HttpError(401, 'E_UNAUTHORIZED', 'Authorization: this server needs "Authorization: Bearer <token>"');
  if (!tokenMatches(given, token)) throw new HttpError(401, 'E_UNAUTHORIZED', 'Authorization: wrong token');
}
