import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { jsonText } from '@tracekernel/projector';
import { EventCatalog, Redactor, TraceError, loadRegistrations } from '@tracekernel/schema';
import type { TraceStore } from '@tracekernel/store';
import { ingestEvents, parseEventBatch } from './event-ingest.js';
import { ingestTraces } from './trace-ingest.js';
import { streamEvents } from './event-stream.js';
import { describeHttpFailure, HttpError } from './http-error.js';
import { QueryParams } from './query-params.js';
import { sendLeanEvents } from './lean-events.js';
import { EVENT_FILTERS, ReadApi, timelineQuery } from './read-api.js';
import { checkToken, isLoopbackHost, TOKEN_COOKIE, tokenMatches } from './request-auth.js';
import { mediaType, readBody } from './request-body.js';
import { VIEWER_CSP, ViewerAssets } from './viewer-assets.js';

export interface ServerOptions {
  /** Where events are read from and appended to; the caller opens it (in write mode for ingest) and closes it. */
  store: TraceStore;
  /** Default 7700; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1. Any other than a loopback address needs a token. */
  host?: string;
  /** When set, every request needs `Authorization: Bearer <token>` (or the viewer's cookie). */
  token?: string;
  /** The one origin allowed to call the API from a browser page served elsewhere; no CORS without it. */
  cors?: string;
  /** A directory holding the viewer's index.html, served at `/`. */
  viewerAssets?: string;
  /** The largest request body accepted, in bytes (default 16 MiB). */
  maxBodyBytes?: number;
  /** Metadata keys stored as "[redacted]", as for `trace emit`. */
  redactKeys?: readonly string[];
  catalog?: EventCatalog;
  /** How often a stream polls the store when nothing is new (default 200 ms). */
  pollMs?: number;
  /** Unexpected failures (500s) are reported here; the client gets no details. */
  onError?: (error: unknown) => void;
}

export interface RunningServer {
  /** `http://host:port/`, the address to open. */
  url: string;
  host: string;
  port: number;
  /** Stops listening, ends open streams and waits for requests in flight. */
  close(): Promise<void>;
}

export const DEFAULT_PORT = 7700;
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;

const LISTEN_ERRORS: Record<string, string> = {
  EADDRINUSE: 'the port is in use by another process; pick another with --port (0 picks a free one)',
  EACCES: 'not allowed to listen there (ports below 1024 need privileges)',
  EADDRNOTAVAIL: 'not an address of this machine',
  ENOTFOUND: 'no such host name',
};

const EVENT_MEDIA_TYPES: Record<string, 'json' | 'ndjson'> = {
  'application/json': 'json',
  'application/x-ndjson': 'ndjson',
  'application/ndjson': 'ndjson',
  'application/jsonl': 'ndjson',
};

/**
 * Serves the read API, ingest, the live stream and the viewer from one process.
 *
 * @throws TraceError E_USAGE when `host` is not a loopback address and there is no token.
 * @example
 * const store = await openStoreAt('.trace/trace.db', { mode: 'write' });
 * const server = await startServer({ store, port: 0 });
 * console.log(server.url);
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const host = options.host ?? DEFAULT_HOST;
  const token = options.token === '' ? undefined : options.token;
  if (!isLoopbackHost(host) && token === undefined) {
    throw new TraceError('E_USAGE', `--host ${host} is reachable from other machines: give --token (or set TRACE_TOKEN), so that only its holders can read and write`);
  }
  if (options.cors !== undefined && !/^https?:\/\/[^/\s]+$/.test(options.cors)) {
    throw new TraceError('E_USAGE', `--cors: expected an origin such as https://viewer.example.com (scheme, host, optional port, no path), got ${JSON.stringify(options.cors)}`);
  }
  // The primitives registered in the store at start (tracer.register) are validated and described too.
  const catalog = options.catalog ?? loadRegistrations(new EventCatalog(), await options.store.registrations());
  const handler = new RequestHandler({
    ...options,
    host,
    token,
    catalog,
    api: new ReadApi(options.store, catalog),
    assets: new ViewerAssets(options.viewerAssets),
    redactor: new Redactor(options.redactKeys ?? []),
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
  });
  const connections = new Connections();
  const server = createServer((request, response) => {
    connections.begin(request, response);
    void handler.handle(request, response);
  });
  server.on('connection', (socket) => connections.add(socket));
  server.headersTimeout = 30_000;
  server.requestTimeout = 120_000;
  const port = options.port ?? DEFAULT_PORT;
  await new Promise<void>((resolve, reject) => {
    const refused = (error: NodeJS.ErrnoException) => {
      const reason = LISTEN_ERRORS[error.code ?? ''];
      reject(reason ? new TraceError('E_USAGE', `--host ${host} --port ${port}: ${reason}`) : error);
    };
    server.once('error', refused);
    server.listen(port, host, () => {
      server.off('error', refused);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return { url: `http://${urlHost}:${bound}/`, host, port: bound, close: () => closeServer(server, handler, connections) };
}

async function closeServer(server: Server, handler: RequestHandler, connections: Connections): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  handler.closing.abort();
  connections.closing();
  // A request still in flight gets two seconds to finish; then its connection is cut.
  const force = setTimeout(() => server.closeAllConnections(), 2_000);
  await closed;
  clearTimeout(force);
}

/**
 * The open connections and how many answers each still owes, so that a closing server ends each
 * keep-alive connection as soon as it is idle (node's closeIdleConnections misses some of them).
 */
class Connections {
  readonly #busy = new Map<Socket, number>();
  #closing = false;

  add(socket: Socket): void {
    this.#busy.set(socket, 0);
    socket.once('close', () => this.#busy.delete(socket));
  }

  begin(request: IncomingMessage, response: ServerResponse): void {
    const socket = request.socket;
    this.#busy.set(socket, (this.#busy.get(socket) ?? 0) + 1);
    response.once('close', () => {
      const left = (this.#busy.get(socket) ?? 1) - 1;
      this.#busy.set(socket, left);
      if (left === 0 && this.#closing) socket.destroy();
    });
  }

  closing(): void {
    this.#closing = true;
    for (const [socket, busy] of this.#busy) if (busy === 0) socket.destroy();
  }
}

interface HandlerSettings extends Omit<ServerOptions, 'token' | 'catalog'> {
  host: string;
  token: string | undefined;
  catalog: EventCatalog;
  api: ReadApi;
  assets: ViewerAssets;
  redactor: Redactor;
  maxBodyBytes: number;
}

class RequestHandler {
  /** Aborted on close: open streams end, so that close() does not wait for them forever. */
  readonly closing = new AbortController();

  constructor(private readonly settings: HandlerSettings) {}

  async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    response.setHeader('x-content-type-options', 'nosniff');
    response.setHeader('referrer-policy', 'no-referrer');
    try {
      await this.#route(request, response);
    } catch (error) {
      const failure = describeHttpFailure(error);
      if (failure.status >= 500) this.settings.onError?.(error);
      if (response.headersSent) {
        response.destroy();
        return;
      }
      sendJson(response, failure.status, { error: { code: failure.code, message: failure.message } });
    }
  }

  async #route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://server');
    const { pathname, searchParams } = url;
    const method = request.method ?? 'GET';
    this.#checkHost(request);
    this.#checkOrigin(request, response);
    if (method === 'OPTIONS') {
      if (this.settings.cors === undefined || request.headers.origin !== this.settings.cors) throw new HttpError(404, 'E_NOT_FOUND', `OPTIONS ${pathname}: no cross-origin access (the server was started without --cors)`);
      response.writeHead(204, {
        'access-control-allow-methods': 'GET, POST',
        'access-control-allow-headers': 'authorization, content-type, last-event-id',
        'access-control-max-age': '600',
      });
      response.end();
      return;
    }
    if (this.settings.token !== undefined && this.#tokenLogin(request, response, pathname, searchParams)) return;
    if (this.settings.token !== undefined) checkToken(request, this.settings.token);

    const { api, store } = this.settings;
    if (pathname.startsWith('/v1/') || pathname === '/v1') {
      const route = `${method} ${routeShape(pathname)}`;
      switch (route) {
        case 'GET /v1/events': {
          const answer = await api.events(searchParams);
          if ('json' in answer) return sendJson(response, 200, answer.json);
          return sendLeanEvents(response, answer.lean.query, answer.lean.batches, answer.lean.cursor);
        }
        case 'GET /v1/causality/:id':
          return sendJson(response, 200, await api.causality(pathParameter(pathname), searchParams));
        case 'GET /v1/runs':
          return sendJson(response, 200, await api.runs(searchParams));
        case 'GET /v1/runs/:id':
          return sendJson(response, 200, await api.run(pathParameter(pathname), searchParams));
        case 'GET /v1/stats':
          return sendJson(response, 200, await api.stats(searchParams));
        case 'GET /v1/stream': {
          const params = new QueryParams(searchParams, [...EVENT_FILTERS, 'last_event_id']);
          const query = await timelineQuery(store, params, { follow: true, catalog: this.settings.catalog });
          const header = request.headers['last-event-id'];
          const fromHeader = typeof header === 'string' && header !== '' ? header : undefined;
          const after = fromHeader ?? params.string('last_event_id');
          const cursorSource = fromHeader !== undefined ? 'Last-Event-ID' : 'last_event_id';
          request.socket.setTimeout(0);
          const closing = () => response.end();
          this.closing.signal.addEventListener('abort', closing, { once: true });
          try {
            await streamEvents(store, query, after, request, response, this.settings.catalog, this.settings.pollMs === undefined ? { cursorSource } : { cursorSource, pollMs: this.settings.pollMs });
          } finally {
            this.closing.signal.removeEventListener('abort', closing);
          }
          return;
        }
        case 'POST /v1/events':
          return sendJson(response, 200, await this.#ingest(request));
        case 'POST /v1/traces':
          return sendJson(response, 200, await this.#ingestTraces(request));
        default:
          throw routeError(method, pathname);
      }
    }
    if (method === 'GET' || method === 'HEAD') {
      response.setHeader('content-security-policy', VIEWER_CSP);
      response.setHeader('x-frame-options', 'DENY');
      if (await this.settings.assets.serve(pathname, response, method === 'HEAD')) return;
    }
    throw routeError(method, pathname);
  }

  async #ingest(request: IncomingMessage) {
    const format = EVENT_MEDIA_TYPES[mediaType(request)];
    if (format === undefined) {
      throw new HttpError(415, 'E_MEDIA_TYPE', `Content-Type: expected application/json (an array of events) or application/x-ndjson (one event per line), got ${JSON.stringify(request.headers['content-type'] ?? '')}`);
    }
    const body = await readBody(request, this.settings.maxBodyBytes);
    return ingestEvents(this.settings.store, parseEventBatch(body.toString('utf8'), format), this.settings.catalog, this.settings.redactor);
  }

  /** OTLP/HTTP with JSON encoding; the answer is an ExportTraceServiceResponse plus the stored ids. */
  async #ingestTraces(request: IncomingMessage) {
    const type = mediaType(request);
    if (type !== 'application/json') {
      const hint = type === 'application/x-protobuf' ? ' (protobuf is not supported: set OTEL_EXPORTER_OTLP_PROTOCOL=http/json)' : '';
      throw new HttpError(415, 'E_MEDIA_TYPE', `Content-Type: expected application/json (OTLP/HTTP JSON), got ${JSON.stringify(request.headers['content-type'] ?? '')}${hint}`);
    }
    const body = await readBody(request, this.settings.maxBodyBytes);
    return ingestTraces(this.settings.store, body.toString('utf8'), this.settings.catalog, this.settings.redactor);
  }

  /**
   * DNS rebinding: a web page on another name that resolves to 127.0.0.1 would reach a loopback
   * server as if it were local. A loopback server answers only requests addressed to a loopback name.
   */
  #checkHost(request: IncomingMessage): void {
    if (!isLoopbackHost(this.settings.host)) return;
    const hostHeader = request.headers.host ?? '';
    const name = hostHeader.replace(/:\d+$/, '');
    if (!isLoopbackHost(name)) throw new HttpError(403, 'E_FORBIDDEN', `Host: ${JSON.stringify(hostHeader)} is not a loopback name; this server answers only at localhost, 127.0.0.1 or [::1]`);
  }

  /**
   * A browser page of another origin may send a "simple" POST without asking first; such a request
   * is refused unless it comes from the --cors origin, which also gets the CORS headers.
   */
  #checkOrigin(request: IncomingMessage, response: ServerResponse): void {
    const origin = request.headers.origin;
    if (origin === undefined) return;
    if (origin === this.settings.cors) {
      response.setHeader('access-control-allow-origin', origin);
      response.setHeader('vary', 'Origin');
      return;
    }
    const host = request.headers.host;
    if (host !== undefined && (origin === `http://${host}` || origin === `https://${host}`)) return;
    throw new HttpError(403, 'E_FORBIDDEN', `Origin: ${JSON.stringify(origin)} may not call this server (see --cors)`);
  }

  /** `GET /?token=T`: checks the token, keeps it in a same-site cookie for the viewer, and drops it from the address bar. */
  #tokenLogin(request: IncomingMessage, response: ServerResponse, pathname: string, search: URLSearchParams): boolean {
    const given = search.get('token');
    if (request.method !== 'GET' || pathname !== '/' || given === null) return false;
    if (!tokenMatches(given, this.settings.token!)) throw new HttpError(401, 'E_UNAUTHORIZED', 'token: wrong token');
    response.writeHead(303, {
      location: '/',
      'set-cookie': `${TOKEN_COOKIE}=${encodeURIComponent(given)}; HttpOnly; SameSite=Strict; Path=/`,
      'cache-control': 'no-store',
    });
    response.end();
    return true;
  }
}

const ROUTES = ['/v1/events', '/v1/causality/:id', '/v1/runs', '/v1/runs/:id', '/v1/stats', '/v1/stream', '/v1/traces'];

/** `/v1/runs/abc` → `/v1/runs/:id`; other paths unchanged. */
function routeShape(pathname: string): string {
  const match = /^\/v1\/(causality|runs)\/[^/]+$/.exec(pathname);
  return match ? `/v1/${match[1]}/:id` : pathname;
}

function pathParameter(pathname: string): string {
  const raw = pathname.slice(pathname.lastIndexOf('/') + 1);
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new HttpError(400, 'E_USAGE', `path: ${JSON.stringify(raw)} is not valid percent-encoding`);
  }
}

function routeError(method: string, pathname: string): HttpError {
  const shape = routeShape(pathname);
  if (ROUTES.includes(shape)) return new HttpError(405, 'E_METHOD', `${method} ${pathname}: method not allowed`);
  return new HttpError(404, 'E_NOT_FOUND', `${method} ${pathname}: no such route; the API is under /v1/ (docs/serve.md)`);
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = jsonText(body);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  response.end(text);
}
