import {
  EventCatalog,
  TraceError,
  checkRunRecord,
  newEventId,
  runEndEventKey,
  runRecordFromEvents,
  runRecordSchema,
  runSpanOf,
  runStartEventKey,
  type RunRecord,
  type TraceEvent,
} from '@tracekernel/schema';
import type { SqliteTraceStore } from '@tracekernel/store';
import { buildEndMetadata, buildStartMetadata, resolveLineage, type RunEnding, type RunOptions } from './run-metadata.js';

export type RunStart =
  | { started: true; record: RunRecord; start: TraceEvent; problems: string[] }
  | { started: false; first: RunRecord; problems: string[] };

/**
 * Records runs synchronously through a store connection, for short-lived writers such as
 * `trace run` and backfill: each write is one transaction, durable when the call returns, then read
 * back and validated. The start is written before the work begins, so a process killed at any point
 * leaves either no record or a `running` one with its runner's pid and host.
 */
export class RunStoreWriter {
  readonly #store: SqliteTraceStore;
  readonly #catalog: EventCatalog;
  readonly #agentId: string | null;

  constructor(store: SqliteTraceStore, options: { agentId?: string | null; catalog?: EventCatalog } = {}) {
    this.#store = store;
    this.#catalog = options.catalog ?? new EventCatalog();
    this.#agentId = options.agentId ?? null;
  }

  /**
   * Records the start of an attempt; `started: false` when its idempotency key was already used
   * (the store's unique index decides, atomically across processes), with the first run's record.
   */
  async start(options: RunOptions, causation: { parent?: string | null } = {}): Promise<RunStart> {
    const lineage = await resolveLineage(this.#store, options);
    const spanId = newEventId();
    const { metadata, problems } = buildStartMetadata(options, lineage, { spanId });
    const prepared = this.#catalog.prepare({
      primitive: 'run',
      type: 'start',
      id: spanId,
      agent_id: this.#agentId,
      target_id: metadata.task_id,
      parent_event_id: causation.parent ?? null,
      idempotency_key: runStartEventKey(lineage.idempotencyKey),
      metadata,
    });
    const [result] = this.#store.appendSync([prepared]);
    if (!result!.inserted) {
      const [first] = await this.#store.get([result!.id]);
      if (!first) throw new TraceError('E_STORE', `run ${lineage.idempotencyKey}: the first run's start ${result!.id} cannot be read`);
      const end = await this.#endOf(first);
      return { started: false, first: runRecordFromEvents(first, end), problems };
    }
    const record = await this.#readBack(prepared.event, null);
    return { started: true, record, start: prepared.event, problems };
  }

  /** Records the end of a started attempt and returns the stored record, read back and validated. */
  async end(start: TraceEvent, ending: RunEnding): Promise<RunRecord> {
    const spanId = runSpanOf(start);
    const prepared = this.#catalog.prepare({
      primitive: 'run',
      type: 'end',
      agent_id: this.#agentId,
      target_id: start.target_id,
      parent_event_id: start.id,
      idempotency_key: runEndEventKey(spanId),
      metadata: buildEndMetadata(spanId, ending),
    });
    this.#store.appendSync([prepared]);
    const [storedStart] = await this.#store.get([start.id]);
    if (!storedStart) throw new TraceError('E_STORE', `run ${spanId}: its start cannot be read back`);
    return this.#readBack(storedStart, prepared.event);
  }

  async #endOf(start: TraceEvent): Promise<TraceEvent | null> {
    const [end] = await this.#store.query({ kinds: ['run.end'], targets: start.target_id ? [start.target_id] : [], since: start.ts })
      .then((events) => events.filter((event) => event.metadata.span_id === runSpanOf(start)));
    return end ?? null;
  }

  /** Reads the events back from the store and checks they form the record that was meant. */
  async #readBack(start: TraceEvent, end: TraceEvent | null): Promise<RunRecord> {
    const ids = end ? [start.id, end.id] : [start.id];
    const stored = await this.#store.get(ids);
    const storedStart = stored.find((event) => event.id === start.id);
    const storedEnd = end ? stored.find((event) => event.id === end.id) : null;
    if (!storedStart || (end && !storedEnd)) {
      throw new TraceError('E_STORE', `run ${start.id}: read-back found ${stored.length} of ${ids.length} events`);
    }
    const record = runRecordSchema.parse(runRecordFromEvents(storedStart, storedEnd));
    const intended = runRecordFromEvents(start, end);
    if (JSON.stringify(record) !== JSON.stringify(intended)) {
      throw new TraceError('E_STORE', `run ${start.id}: the record read back differs from the one written`);
    }
    return record;
  }
}

/** Rejects a record that breaks a record-local invariant, naming the rule (writes enforce them). */
export function assertRunInvariants(record: RunRecord): void {
  const [violation] = checkRunRecord(record);
  if (violation) throw new TraceError('E_INVARIANT', `invariant ${violation.rule}: ${violation.message}`);
}
