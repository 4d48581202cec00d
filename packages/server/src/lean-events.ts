import type { ServerResponse } from 'node:http';
import type { TimelineJson } from '@tracekernel/projector';
import type { TraceEvent } from '@tracekernel/schema';
import type { StoreCursor } from '@tracekernel/store';

/**
 * What each tuple of `GET /v1/events?view=lean` holds, in order (docs/serve.md): what a
 * waterfall, a graph's edges and a list line need, without the rest of the metadata. `ts` is
 * epoch milliseconds (formatting 100,000 ISO strings costs the server more than sending them saves
 * anyone). `kind`, `agent_id` and `target_id` are indexes into the answer's dictionaries, and a
 * parent or cause sent earlier in the answer is its position: an id is 38 bytes of JSON, a
 * position about 6, and the answer is half the size it was with names and ids spelled out.
 */
export const LEAN_COLUMNS = ['id', 'ts', 'kind', 'agent_id', 'target_id', 'parent_event_id', 'causes', 'private', 'metadata'] as const;

/** The metadata keys a lean tuple keeps: a task's title and parent task, a run event's span. */
export const LEAN_METADATA_KEYS = ['title', 'parent_task_id', 'span_id'] as const;

function leanMetadata(title: unknown, parentTask: unknown, span: unknown): Record<string, unknown> {
  const lean: Record<string, unknown> = {};
  if (title !== undefined) lean.title = title;
  if (parentTask !== undefined) lean.parent_task_id = parentTask;
  if (span !== undefined) lean.span_id = span;
  return lean;
}

/** Events a line holds: the client parses a line while the server writes the next. */
const EVENTS_PER_LINE = 2_000;
/** What a slow client may leave unsent before the walk waits for it: about 400,000 lean events. */
const MAX_BUFFERED_BYTES = 32 * 1024 * 1024;

/** An event as a tuple: a parent or cause is a position in the answer or an id; trailing defaults are left off. */
type LeanTuple = [string, number, number, number | null, number | null, number | string | null, ...unknown[]];

/** The answer's dictionaries and positions; what a line adds to the dictionaries goes in a line before it. */
class LeanEncoder {
  readonly #position = new Map<string, number>();
  readonly #names = new Map<string, number>();
  readonly #kinds = new Map<string, Map<string, number>>();
  #kindCount = 0;
  #newNames: string[] = [];
  #newKinds: [string, string][] = [];

  /** The lines for these events: a dictionary line when they name something new, then the tuples. */
  lines(events: readonly TraceEvent[]): string {
    const tuples = events.map((event) => this.#tuple(event));
    const tupleLine = `${JSON.stringify(tuples)}\n`;
    if (this.#newNames.length === 0 && this.#newKinds.length === 0) return tupleLine;
    const dictionary: { names?: string[]; kinds?: [string, string][] } = {};
    if (this.#newNames.length > 0) dictionary.names = this.#newNames;
    if (this.#newKinds.length > 0) dictionary.kinds = this.#newKinds;
    this.#newNames = [];
    this.#newKinds = [];
    return `${JSON.stringify(dictionary)}\n${tupleLine}`;
  }

  #tuple(event: TraceEvent): LeanTuple {
    const position = this.#position;
    const { id, parent_event_id: parentId, causes, metadata } = event;
    const parent = parentId === null ? null : (position.get(parentId) ?? parentId);
    const kind = this.#kind(event.primitive, event.type);
    const agent = this.#name(event.agent_id);
    const target = this.#name(event.target_id);
    const { title, parent_task_id: parentTask, span_id: span } = metadata;
    const lean = title === undefined && parentTask === undefined && span === undefined ? null : leanMetadata(title, parentTask, span);
    const hidden = event.private === true;
    let tuple: LeanTuple;
    if (lean !== null) tuple = [id, event.ts, kind, agent, target, parent, this.#refs(causes), hidden ? 1 : 0, lean];
    else if (hidden) tuple = [id, event.ts, kind, agent, target, parent, this.#refs(causes), 1];
    else if (causes.length > 0) tuple = [id, event.ts, kind, agent, target, parent, this.#refs(causes)];
    else tuple = [id, event.ts, kind, agent, target, parent];
    // After the refs: an event that names itself is not its own earlier position.
    position.set(id, position.size);
    return tuple;
  }

  #refs(ids: readonly string[]): (number | string)[] {
    const refs: (number | string)[] = [];
    for (const id of ids) refs.push(this.#position.get(id) ?? id);
    return refs;
  }

  #name(name: string | null): number | null {
    if (name === null) return null;
    let index = this.#names.get(name);
    if (index === undefined) {
      index = this.#names.size;
      this.#names.set(name, index);
      this.#newNames.push(name);
    }
    return index;
  }

  #kind(primitive: string, type: string): number {
    let types = this.#kinds.get(primitive);
    if (types === undefined) this.#kinds.set(primitive, (types = new Map()));
    let index = types.get(type);
    if (index === undefined) {
      index = this.#kindCount++;
      types.set(type, index);
      this.#newKinds.push([primitive, type]);
    }
    return index;
  }
}

/**
 * Sends a timeline as NDJSON: a header line (`query` as the default answer has it, the store's
 * `cursor` from before the read, which `GET /v1/stream?last_event_id=` resumes after, and the
 * `columns`), then lines of up to 2,000 event tuples in no set order, written as the batches
 * arrive, each after a line of the dictionary entries it is the first to use, then
 * `{"end": true, "events": N}`, so that a cut answer is told from a whole one. Lines are written
 * as they are made, never the whole answer as one string. A read that fails after the header is
 * sent ends the connection without the end line.
 */
export async function sendLeanEvents(response: ServerResponse, query: TimelineJson['query'], batches: AsyncIterable<readonly TraceEvent[]>, cursor: StoreCursor | null): Promise<void> {
  const iterator = batches[Symbol.asyncIterator]();
  // The first batch is read before the status is sent: a read that fails at once is still a 4xx or 5xx.
  let next = await iterator.next();
  response.writeHead(200, { 'content-type': 'application/x-ndjson; charset=utf-8', 'cache-control': 'no-store' });
  response.write(`${JSON.stringify({ query, cursor, columns: LEAN_COLUMNS })}\n`);
  const encoder = new LeanEncoder();
  let sent = 0;
  try {
    for (; !next.done; next = await iterator.next()) {
      const events = next.value;
      for (let from = 0; from < events.length; from += EVENTS_PER_LINE) {
        if (response.destroyed) return;
        response.write(encoder.lines(events.slice(from, from + EVENTS_PER_LINE)));
        // Waiting for the client at every full socket buffer would stall the walk while the client
        // parses; the walk keeps going, and only a client far behind makes it wait.
        if (response.writableLength > MAX_BUFFERED_BYTES) await drained(response);
      }
      sent += events.length;
      // The store's walk is synchronous: without a turn of the event loop, node keeps the lines
      // corked until the walk ends, and the client would parse nothing meanwhile.
      await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    // A client that went away stops the walk too.
    if (!next.done) await iterator.return?.();
  }
  response.end(`${JSON.stringify({ end: true, events: sent })}\n`);
}

function drained(response: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      response.off('drain', done);
      response.off('close', done);
      resolve();
    };
    response.on('drain', done);
    response.on('close', done);
  });
}
