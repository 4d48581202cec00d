import { EventCatalog, TraceError, type PreparedEvent } from '@tracekernel/schema';
import type { InferredEdge, TraceStore } from '@tracekernel/store';
import { deterministicEventId } from './deterministic-id.js';
import { ensureKind, importCatalog } from './import-catalog.js';
import { inferCausality, type InferMode } from './infer-causality.js';
import { parseZoneFlag } from './source-time.js';
import { mapSpaceSource, type EventDraft, type InvalidRow } from './space-mapping.js';
import { readSpaceDirectory, type SpaceSource } from './space-source.js';

export interface TableCounts {
  added: number;
  duplicates: number;
  invalid: number;
}

/** What `trace import space --json` prints. */
export interface SpaceImportSummary {
  source: 'space-os';
  /** Events added (or, with dryRun, that would be). */
  added: number;
  /** Events already in the store. */
  duplicates: number;
  /** Source rows that could not be read; each is in `invalidRows`. */
  invalid: number;
  /** Per source table (`file:table`): rows that added an event, rows already imported, rows refused. */
  tables: Record<string, TableCounts>;
  timezone: { offset_minutes: number; zone: string | null; from: 'inferred' | 'flag' | 'assumed' };
  unresolved_agents: string[];
}

export interface SpaceImportReport {
  summary: SpaceImportSummary;
  invalidRows: InvalidRow[];
  /** Files of a `.space/` directory that were not there (and so skipped). */
  missingFiles: string[];
  /** Inferred edges added (or that would be). */
  inferred: number;
  dryRun: boolean;
}

export interface SpaceImportOptions {
  /** Report what would be added and write nothing. */
  dryRun?: boolean;
  /** `--tz`: an IANA zone or a fixed offset, instead of the zone the data implies. */
  tz?: string;
  /** `default` stores the inferred causes beside the events; `none` stores events only. */
  infer?: InferMode;
  /** Called as events are written: done and total. */
  onProgress?: (done: number, total: number) => void;
  catalog?: EventCatalog;
}

const CHUNK = 1000;

/**
 * Imports a space-os `.space/` directory through the store contract, so it works into any
 * dialect (`dir` may be a directory already read with readSpaceDirectory). Every source file is read and checked before the first write; a bad row is reported
 * (file, table, key) and the rest goes on. Ids and idempotency keys are deterministic, so a second
 * import adds nothing and an import of a grown directory adds only the new rows.
 *
 * @throws TraceError E_SOURCE for a corrupt or foreign file, or a directory with no space-os data.
 */
export async function importSpace(store: TraceStore, dir: string | SpaceSource, options: SpaceImportOptions = {}): Promise<SpaceImportReport> {
  const source = typeof dir === 'string' ? readSpaceDirectory(dir) : dir;
  const mapping = mapSpaceSource(source, options.tz === undefined ? {} : { zone: (firstMs) => parseZoneFlag(options.tz!, firstMs) });
  const catalog = importCatalog(options.catalog ?? new EventCatalog());
  const invalidRows = [...mapping.invalid];
  const prepared: Array<{ draft: EventDraft; event: PreparedEvent }> = [];
  for (const draft of mapping.drafts) {
    try {
      prepared.push({ draft, event: prepareDraft(catalog, draft) });
    } catch (error) {
      if (!(error instanceof TraceError)) throw error;
      invalidRows.push({ ...draft.source, reason: error.message });
    }
  }

  const ids = prepared.map(({ event }) => event.event.id);
  const existing = new Set<string>();
  for (let i = 0; i < ids.length; i += CHUNK) {
    for (const event of await store.get(ids.slice(i, i + CHUNK), { includePrivate: true })) existing.add(event.id);
  }
  const fresh = prepared.filter(({ event }) => !existing.has(event.event.id));
  const addedIds = new Set<string>();
  /** Events already stored under another id (same row, another time): edges must name the stored one. */
  const storedIds = new Map<string, string>();
  if (options.dryRun) {
    // A row imported before under another time (another --tz) has another id but the same key: append would skip it.
    for (const { event } of fresh) {
      const key = event.event.idempotency_key;
      const stored = key === null ? undefined : await store.getByIdempotencyKey(key);
      if (stored === undefined) addedIds.add(event.event.id);
      else storedIds.set(event.event.id, stored.id);
    }
  } else {
    for (let i = 0; i < fresh.length; i += CHUNK) {
      const chunk = fresh.slice(i, i + CHUNK);
      const results = await store.append(chunk.map(({ event }) => event));
      results.forEach((result, index) => {
        const id = chunk[index]!.event.event.id;
        if (result.inserted) addedIds.add(id);
        else if (result.id !== id) storedIds.set(id, result.id);
      });
      options.onProgress?.(Math.min(i + CHUNK, fresh.length), fresh.length);
    }
  }

  let inferred = 0;
  if ((options.infer ?? 'default') !== 'none') {
    const stored = (id: string) => storedIds.get(id) ?? id;
    const edges = inferCausality(prepared.map(({ event }) => event.event))
      .map((edge) => ({ ...edge, event_id: stored(edge.event_id), parent_id: stored(edge.parent_id) }));
    inferred = options.dryRun ? await countNewEdges(store, edges) : await store.appendInferred(edges);
  }

  const tables: Record<string, TableCounts> = {};
  for (const key of [...mapping.rowsByTable.keys()].sort()) tables[key] = { added: 0, duplicates: 0, invalid: 0 };
  // A row counts as added when any event it yields (or was merged into) is new.
  const rowState = new Map<string, boolean>();
  for (const { draft, event } of prepared) {
    const added = addedIds.has(event.event.id);
    for (const ref of [draft.source, ...draft.merged]) {
      const key = `${ref.file}:${ref.table}\u0000${ref.key}`;
      rowState.set(key, (rowState.get(key) ?? false) || added);
    }
  }
  const invalidKeys = new Set(invalidRows.map((row) => `${row.file}:${row.table}\u0000${row.key}`));
  for (const [key, added] of rowState) {
    if (invalidKeys.has(key)) continue;
    const table = (tables[key.split('\u0000')[0]!] ??= { added: 0, duplicates: 0, invalid: 0 });
    if (added) table.added++;
    else table.duplicates++;
  }
  for (const key of invalidKeys) (tables[key.split('\u0000')[0]!] ??= { added: 0, duplicates: 0, invalid: 0 }).invalid++;

  return {
    summary: {
      source: 'space-os',
      added: addedIds.size,
      duplicates: prepared.length - addedIds.size,
      invalid: invalidKeys.size,
      tables,
      timezone: { offset_minutes: mapping.zone.offsetMinutes, zone: mapping.zone.zone, from: mapping.zone.from },
      unresolved_agents: mapping.unresolvedAgents,
    },
    invalidRows,
    missingFiles: source.missingFiles,
    inferred,
    dryRun: options.dryRun === true,
  };
}

/** The event a draft becomes: its id from its time and its row, its provenance in metadata.source. */
function prepareDraft(catalog: EventCatalog, draft: EventDraft): PreparedEvent {
  const { file, table, key } = draft.source;
  const name = `space-os/${file}/${table}/${key}${draft.part === '' ? '' : `#${draft.part}`}`;
  ensureKind(catalog, draft.primitive, draft.type);
  const source: Record<string, unknown> = { system: 'space-os', file, table, key };
  if (draft.merged.length > 0) source.merged = draft.merged.map((ref) => ({ file: ref.file, table: ref.table, key: ref.key }));
  return catalog.prepare({
    primitive: draft.primitive,
    type: draft.type,
    id: deterministicEventId(draft.ts, name, draft.sequence),
    ts: draft.ts,
    agent_id: draft.agent,
    target_id: draft.target,
    session_id: draft.session,
    idempotency_key: name,
    metadata: { ...draft.metadata, source },
  });
}

async function countNewEdges(store: TraceStore, edges: readonly InferredEdge[]): Promise<number> {
  const ids = [...new Set(edges.map((edge) => edge.event_id))];
  const known = new Set<string>();
  for (let i = 0; i < ids.length; i += CHUNK) {
    for (const edge of await store.inferredEdges(ids.slice(i, i + CHUNK), 'parents')) known.add(`${edge.event_id} ${edge.parent_id} ${edge.rule}`);
  }
  return edges.filter((edge) => !known.has(`${edge.event_id} ${edge.parent_id} ${edge.rule}`)).length;
}

/**
 * The meta-layer (`trace --space DIR`): a store in memory holding the import of a `.space/`
 * directory, so that any read query answers from space-os's own files and nothing is written anywhere.
 */
export async function openSpaceStore(dir: string, options: Pick<SpaceImportOptions, 'tz' | 'infer' | 'catalog'> = {}): Promise<TraceStore> {
  const { openStoreAt } = await import('@tracekernel/store');
  const store = await openStoreAt(':memory:', { mode: 'write' });
  try {
    await importSpace(store, dir, options);
    return store;
  } catch (error) {
    await store.close();
    throw error;
  }
}
