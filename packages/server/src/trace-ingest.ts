import type { EventCatalog, Redactor } from '@tracekernel/schema';
import type { TraceStore } from '@tracekernel/store';
import type { IngestResult } from './event-ingest.js';
import { HttpError } from './http-error.js';

/** What `POST /v1/traces` answers: an OTLP `ExportTraceServiceResponse`, plus the stored ids. */
export interface TraceIngestResult extends IngestResult {
  partialSuccess: Record<string, never>;
}

/** OTLP/HTTP JSON spans onto events (docs/otel.md), validated whole and appended in one transaction. */
export async function ingestTraces(store: TraceStore, body: string, catalog: EventCatalog, redactor: Redactor): Promise<TraceIngestResult> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (error) {
    throw new HttpError(400, 'E_BAD_JSON', `body: not valid JSON (${(error as Error).message})`);
  }
  // The mapping is loaded on the first spans: a server that never sees any never pays for it.
  const { otlpToEvents } = await import('@tracekernel/otel');
  const prepared = (await otlpToEvents(parsed, store, catalog)).map((event) => redactor.redactPrepared(event));
  const results = await store.append(prepared);
  const inserted = results.filter((result) => result.inserted).length;
  return { partialSuccess: {}, ids: results.map((result) => result.id), inserted, duplicates: results.length - inserted };
}
