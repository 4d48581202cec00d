import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname, join, sep } from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * What the page may load: only this origin's own files and API, never a CDN, no inline script,
 * no framing. Workers and images may come from blob: URLs the page itself makes.
 */
export const VIEWER_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>trace serve</title></head>
<body><h1>trace serve</h1><p>The web viewer is not built into this copy of trace. The API is here: see
<a href="/v1/stats">/v1/stats</a>, <a href="/v1/events?limit=50">/v1/events</a> and <a href="/v1/runs">/v1/runs</a>.</p></body></html>
`;

/**
 * The viewer's static files: a directory holding index.html, served at `/`. A path that is not a
 * file and has no extension gets index.html, so the viewer may use history routes.
 */
export class ViewerAssets {
  readonly #root: Promise<string | null>;

  constructor(directory: string | undefined) {
    this.#root = directory === undefined ? Promise.resolve(null) : realpath(directory).catch(() => null);
  }

  /** Answers a GET outside /v1/; false when there is no such file (the caller answers 404). */
  async serve(pathname: string, response: ServerResponse, headOnly: boolean): Promise<boolean> {
    const root = await this.#root;
    if (root === null) {
      if (pathname !== '/' && pathname !== '/index.html') return false;
      send(response, 'text/html; charset=utf-8', Buffer.from(NOT_BUILT_PAGE), headOnly);
      return true;
    }
    const file = (await this.#file(root, pathname)) ?? (isPageRoute(pathname) ? join(root, 'index.html') : undefined);
    if (file === undefined) return false;
    const info = await stat(file).catch(() => null);
    if (!info?.isFile()) return false;
    response.writeHead(200, {
      'content-type': CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
      'content-length': info.size,
      'cache-control': 'no-cache',
    });
    if (headOnly) response.end();
    else createReadStream(file).pipe(response);
    return true;
  }

  /** The file a URL path names inside the root, or undefined: no `..`, no dot files, no symlink out of the root. */
  async #file(root: string, pathname: string): Promise<string | undefined> {
    let decoded: string;
    try {
      decoded = decodeURIComponent(pathname);
    } catch {
      return undefined;
    }
    const parts = decoded.split('/').filter(Boolean);
    if (parts.some((part) => part.startsWith('.') || part.includes('\\') || part.includes('\0'))) return undefined;
    const candidate = parts.length === 0 ? join(root, 'index.html') : join(root, ...parts);
    const real = await realpath(candidate).catch(() => null);
    if (real === null || (real !== root && !real.startsWith(root + sep))) return undefined;
    return real;
  }
}

/** A path the viewer may route itself (`/task/task-1`): no extension, no dot segment. */
function isPageRoute(pathname: string): boolean {
  return extname(pathname) === '' && !pathname.split('/').some((part) => part.startsWith('.') || part.startsWith('%2e') || part.startsWith('%2E'));
}

function send(response: ServerResponse, contentType: string, body: Buffer, headOnly: boolean): void {
  response.writeHead(200, { 'content-type': contentType, 'content-length': body.length, 'cache-control': 'no-cache' });
  response.end(headOnly ? undefined : body);
}
