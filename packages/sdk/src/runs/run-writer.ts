import {
  EventCatalog,
  TraceError,
  checkRunRecord,
  isEventId,
  newEventId,
  runRecordToMetadata,
  runSpanOf,
  type PreparedEvent,
  type RunRecord,
  type TraceEvent,
} from '@tracekernel/schema';
import type { TraceStore } from '@tracekernel/store';
import { runEndEvent, runStartEvent } from './run-events.js';
import { RunLookup } from './run-lookup.js';
import { buildEndMetadata, buildStartMetadata, resolveLineage, type RunEnding, type RunOptions } from './run-metadata.js';

export type RunStart =
  | { started: true; record: RunRecord; start: TraceEvent; problems: string[] }
  | { started: false; first: RunRecord; problems: string[] };

/** What became of one record handed to {@link RunWriter.writeRecords}. */
export type RecordWrite =
  | { outcome: 'new'; record: RunRecord }
  /** Its idempotency key was stored by another writer meanwhile: nothing of it was kept, unless `problem` says so. */
  | { outcome: 'duplicate'; record: RunRecord; problem?: string };

/**
 * Writes run records to a store: each call is one transaction, durable when it returns, then read
 * back and checked against what was meant. `start` is written before the work begins, so a
 * process killed at any point leaves either no record or a `running` one with its runner's pid and
 * host. Used by `trace run` and backfill; `tracer.run` builds the same events and sends them
 * through the tracer.
 */
export class RunWriter {
  readonly #store: TraceStore;
  readonly #catalog: EventCatalog;
  readonly #agentId: string | null;
  readonly lookup: RunLookup;

  constructor(store: TraceStore, options: { agentId?: string | null; catalog?: EventCatalog; lookup?: RunLookup } = {}) {
    this.#store = store;
    this.#catalog = options.catalog ?? new EventCatalog();
    this.#agentId = options.agentId ?? null;
    this.lookup = options.lookup ?? new RunLookup(store);
  }

  /**
   * Records the start of an attempt; `started: false` when its idempotency key was already used
   * (the store's unique index decides, atomically across processes), with the first run's record.
   */
  async start(options: RunOptions, causation: { parent?: string | null } = {}): Promise<RunStart> {
    const lineage = await resolveLineage(this.lookup, options);
    const spanId = newEventId();
    const { metadata, problems } = buildStartMetadata(options, lineage, { spanId });
    const prepared = this.#catalog.prepare(runStartEvent(metadata, { id: spanId, agentId: this.#agentId, parent: causation.parent ?? null }));
    const [result] = await this.#store.append([prepared]);
    if (!result!.inserted) {
      const [first] = await this.#store.get([result!.id]);
      if (!first) throw new TraceError('E_STORE', `run ${lineage.idempotencyKey}: the first run's start ${result!.id} cannot be read`);
      return { started: false, first: await this.lookup.recordOf(first), problems };
    }
    await this.lookup.checkWritten([prepared]);
    const [record] = await this.lookup.readBack([{ start: spanId, end: null }]);
    return { started: true, record: record!, start: prepared.event, problems };
  }

  /** Records the end of a started attempt and returns the stored record, read back and validated. */
  async end(start: TraceEvent, ending: RunEnding): Promise<RunRecord> {
    const prepared = this.#catalog.prepare(runEndEvent(start, buildEndMetadata(runSpanOf(start), ending), { agentId: this.#agentId }));
    await this.#store.append([prepared]);
    await this.lookup.checkWritten([prepared]);
    const [record] = await this.lookup.readBack([{ start: start.id, end: prepared.event.id }]);
    return record!;
  }

  /**
   * Builds and validates the events of a record from another system (one backfill line), without
   * writing: a record the catalog refuses throws here (a TraceError naming the field), not in the
   * batch it would join. A uuidv7 span becomes the start's event id, as for runs recorded live;
   * the agent defaults to the record's runner.name.
   */
  prepareRecord(record: RunRecord): PreparedRecord {
    return prepareRunRecord(record, { catalog: this.#catalog, agentId: this.#agentId });
  }

  /** Writes prepared records in one transaction and reads them all back in one read. */
  async writeRecords(records: readonly PreparedRecord[]): Promise<RecordWrite[]> {
    if (records.length === 0) return [];
    const results = await this.#store.append(records.flatMap((pair): PreparedEvent[] => (pair.end ? [pair.start, pair.end] : [pair.start])));
    const writes: RecordWrite[] = [];
    const written: PreparedRecord[] = [];
    let at = 0;
    for (const pair of records) {
      const startResult = results[at++]!;
      const endResult = pair.end ? results[at++]! : null;
      if (!startResult.inserted) {
        writes.push({
          outcome: 'duplicate',
          record: pair.record,
          ...(endResult?.inserted ? { problem: `idempotency_key ${pair.record.idempotency_key} was stored by another writer meanwhile; this record's end ${endResult.id} was kept without its start` } : {}),
        });
        continue;
      }
      written.push(pair);
      this.lookup.remember(pair.start.event);
      writes.push({ outcome: 'new', record: pair.record });
    }
    await this.lookup.checkWritten(written.flatMap((pair) => (pair.end ? [pair.start, pair.end] : [pair.start])));
    return writes;
  }
}

/** See {@link RunWriter.prepareRecord}; usable without a store (a dry run). */
export function prepareRunRecord(record: RunRecord, options: { catalog: EventCatalog; agentId?: string | null }): PreparedRecord {
  const [violation] = checkRunRecord(record);
  if (violation) throw new TraceError('E_INVARIANT', `invariant ${violation.rule}: ${violation.message}`);
  const { start, end } = runRecordToMetadata(record);
  const agentId = options.agentId ?? record.runner.name;
  const startEvent = options.catalog.prepare(runStartEvent(start, {
    ...(isEventId(record.span_id) ? { id: record.span_id } : {}),
    ts: record.started_at_ts,
    agentId,
  }));
  const endEvent = end ? options.catalog.prepare(runEndEvent(startEvent.event, end, { ts: record.ended_at_ts!, agentId })) : null;
  return { record, start: startEvent, end: endEvent };
}

/** A record's events, validated and ready to write. */
export interface PreparedRecord {
  record: RunRecord;
  start: PreparedEvent;
  end: PreparedEvent | null;
}

/** Rejects a record that breaks a record-local invariant, naming the rule (writes enforce them). */
export function assertRunInvariants(record: RunRecord): void {
  const [violation] = checkRunRecord(record);
  if (violation) throw new TraceError('E_INVARIANT', `invariant ${violation.rule}: ${violation.message}`);
}
