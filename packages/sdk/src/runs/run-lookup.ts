import {
  TraceError,
  isEventId,
  runEndEventKey,
  runRecordFromEvents,
  runRecordSchema,
  runSpanOf,
  runStartEventKey,
  type PreparedEvent,
  type RunRecord,
  type TraceEvent,
} from '@tracekernel/schema';
import type { TraceStore } from '@tracekernel/store';

const isRunStart = (event: TraceEvent | undefined): event is TraceEvent => event?.primitive === 'run' && event.type === 'start';
const isRunEnd = (event: TraceEvent | undefined): event is TraceEvent => event?.primitive === 'run' && event.type === 'end';

const missing = (id: string) => new TraceError('E_STORE', `run ${id}: the record is not in the store after it was written (spooled for replay?)`);

/**
 * The one way writers find run records in a store. Every lookup goes through an index: the event
 * id (a span recorded by tracekernel is its start's id), the event idempotency keys
 * (`run:<key>` on the start, `run-end:<span>` on the end), or a query by target and kind. None
 * reads every `run.start` of the store.
 */
export class RunLookup {
  readonly #store: TraceStore;
  /** run.start events by target, loaded once per target when `cacheTargets` is set (imports). */
  readonly #targets: Map<string, Map<string, TraceEvent>> | null;

  constructor(store: TraceStore, options: { cacheTargets?: boolean } = {}) {
    this.#store = store;
    this.#targets = options.cacheTargets ? new Map() : null;
  }

  /** The start of the run with this idempotency key. */
  startByKey(idempotencyKey: string): Promise<TraceEvent | undefined> {
    return this.#store.getByIdempotencyKey(runStartEventKey(idempotencyKey)).then((event) => (isRunStart(event) ? event : undefined));
  }

  /**
   * The start of the run with this span_id: by event id for a uuidv7 span, else through its end's
   * key; a span from another system whose run has no end is found through `task` (its target).
   */
  async startBySpan(span: string, options: { task?: string | null } = {}): Promise<TraceEvent | undefined> {
    const wanted = span.trim();
    const asId = wanted.toLowerCase();
    if (isEventId(asId)) {
      const [event] = await this.#store.get([asId]);
      if (isRunStart(event) && runSpanOf(event) === asId) return event;
    }
    return this.startBySpanElsewhere(wanted, options);
  }

  /** {@link startBySpan} without the lookup by event id, for a caller that has just made it. */
  async startBySpanElsewhere(span: string, options: { task?: string | null } = {}): Promise<TraceEvent | undefined> {
    const end = await this.#store.getByIdempotencyKey(runEndEventKey(span));
    if (isRunEnd(end) && end.parent_event_id) {
      const [start] = await this.#store.get([end.parent_event_id]);
      if (isRunStart(start) && runSpanOf(start) === span) return start;
    }
    if (!options.task) return undefined;
    return (await this.#startsOf(options.task)).get(span);
  }

  /** The stored event with this id, whatever its kind (a span that is an event id must be free). */
  async event(id: string): Promise<TraceEvent | undefined> {
    if (!isEventId(id.toLowerCase())) return undefined;
    const [event] = await this.#store.get([id.toLowerCase()]);
    return event;
  }

  /** The stored events with these ids. */
  events(ids: readonly string[]): Promise<TraceEvent[]> {
    return this.#store.get(ids);
  }

  /** The end of a run, by its key; a hand-written end without the key is found among its task's ends. */
  async endOf(start: TraceEvent): Promise<TraceEvent | null> {
    const span = runSpanOf(start);
    const byKey = await this.#store.getByIdempotencyKey(runEndEventKey(span));
    if (isRunEnd(byKey) && byKey.metadata.span_id === span) return byKey;
    if (!start.target_id) return null;
    const ends = await this.#store.query({ kinds: ['run.end'], targets: [start.target_id], since: start.ts });
    return ends.find((event) => event.metadata.span_id === span) ?? null;
  }

  /** The record of a stored start, with its end if there is one. */
  async recordOf(start: TraceEvent): Promise<RunRecord> {
    return runRecordFromEvents(start, await this.endOf(start));
  }

  /** Remembers a start this writer added, so a cached target sees it. */
  remember(start: TraceEvent): void {
    const starts = this.#targets?.get(start.target_id ?? '');
    starts?.set(runSpanOf(start), start);
  }

  /**
   * Reads runs back after they were written, in one read, and checks that each forms a valid
   * record. Throws E_STORE naming the run.
   */
  async readBack(runs: readonly { start: string; end: string | null }[]): Promise<RunRecord[]> {
    const stored = await this.#stored(runs.flatMap((run) => (run.end ? [run.start, run.end] : [run.start])));
    return runs.map(({ start, end }) => {
      const storedStart = stored.get(start);
      const storedEnd = end ? stored.get(end) : null;
      if (!storedStart || storedEnd === undefined) throw missing(start);
      const parsed = runRecordSchema.safeParse(runRecordFromEvents(storedStart, storedEnd));
      if (!parsed.success) throw new TraceError('E_STORE', `run ${start}: the record read back is invalid: ${parsed.error.issues[0]?.message}`);
      return parsed.data;
    });
  }

  /**
   * Reads back events a writer prepared (validated by the catalog), in one read, and checks that
   * the store holds exactly them. Throws E_STORE naming the first that differs.
   */
  async checkWritten(events: readonly PreparedEvent[]): Promise<void> {
    const stored = await this.#stored(events.map(({ event }) => event.id));
    for (const { event, metadataJson } of events) {
      const found = stored.get(event.id);
      if (!found) throw missing(event.id);
      if (found.ts !== event.ts || found.target_id !== event.target_id || found.parent_event_id !== event.parent_event_id ||
        found.idempotency_key !== event.idempotency_key || `${found.primitive}.${found.type}` !== `${event.primitive}.${event.type}` ||
        JSON.stringify(found.metadata) !== metadataJson) {
        throw new TraceError('E_STORE', `run event ${event.id}: the event read back differs from the one written`);
      }
    }
  }

  async #stored(ids: readonly string[]): Promise<Map<string, TraceEvent>> {
    return new Map((await this.#store.get(ids)).map((event) => [event.id, event]));
  }

  async #startsOf(task: string): Promise<Map<string, TraceEvent>> {
    const cached = this.#targets?.get(task);
    if (cached) return cached;
    const starts = new Map<string, TraceEvent>();
    for (const event of await this.#store.query({ kinds: ['run.start'], targets: [task] })) starts.set(runSpanOf(event), event);
    this.#targets?.set(task, starts);
    return starts;
  }
}
