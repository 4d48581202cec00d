import {
  causality, causalityJson, checkKindFilter, findRun, listRuns, resolveTime, statsJson, timeline, timelineBatches, timelineJson,
  type CausalityJson, type StatsJson, type TimelineJson, type TimelineQuery,
} from '@tracekernel/projector';
import { parseEventId, toJsonEvent, type EventCatalog, type JsonEvent, type RunRecord, type TraceEvent } from '@tracekernel/schema';
import { pendingSpools } from '@tracekernel/sdk';
import type { StoreCursor, TraceStore } from '@tracekernel/store';
import { HttpError } from './http-error.js';
import { QueryParams } from './query-params.js';

/** The filters of `GET /v1/events` and `GET /v1/stream`: the flags of `trace show`, by the same names. */
export const EVENT_FILTERS = ['task', 'agent', 'channel', 'primitive', 'since', 'until', 'limit', 'include_private'] as const;

/** What `GET /v1/events` takes besides the filters: the viewer's lean first load, and full events by id. */
const EVENT_PARAMS = [...EVENT_FILTERS, 'view', 'ids'] as const;
const EVENT_VIEWS = ['lean'] as const;
/** The most ids one request may name: 300 ids keep the URL under node's 16 KiB header limit. */
export const MAX_IDS = 300;

/** The answer of `GET /v1/events`: a JSON document, or a lean timeline that the server streams. */
export type EventsAnswer =
  | { json: TimelineJson | { query: { ids: string[] }; events: JsonEvent[] } }
  | { lean: { query: TimelineJson['query']; batches: AsyncIterable<TraceEvent[]>; cursor: StoreCursor | null } };

const RUN_STATUSES = ['running', 'success', 'partial', 'failed', 'skipped', 'abandoned'] as const;

const looksLikeUuid = (value: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value.trim());

/** Reads the timeline filters of a request into the projector's query. */
export async function timelineQuery(store: TraceStore, params: QueryParams, options: { follow?: boolean; catalog?: EventCatalog } = {}): Promise<TimelineQuery> {
  const task = params.string('task');
  const agent = params.string('agent');
  const channel = params.string('channel')?.replace(/^#/, '');
  const primitives = params.list('primitive');
  const since = params.string('since');
  const until = params.string('until');
  const limit = params.positiveInteger('limit');
  if (options.follow && until !== undefined) throw new HttpError(400, 'E_USAGE', 'until: a stream has no end; drop until');
  // As `trace --primitive` does: a kind neither the catalog (with the store's registrations) nor the store knows is a 400, not an empty answer.
  if (primitives !== undefined) await checkKindFilter(store, primitives, 'primitive', options.catalog);
  const timeOptions = (flag: string) => ({ flag, ...(agent === undefined ? {} : { agent }) });
  return {
    ...(task === undefined ? {} : { task }),
    ...(agent === undefined ? {} : { agent }),
    ...(channel === undefined ? {} : { channel }),
    ...(primitives === undefined ? {} : { primitives }),
    ...(since === undefined ? {} : { since: await resolveTime(store, since, timeOptions('since')) }),
    ...(until === undefined ? {} : { until: await resolveTime(store, until, timeOptions('until')) }),
    ...(limit === undefined ? {} : { limit }),
    ...(params.boolean('include_private') ? { includePrivate: true } : {}),
  };
}

/** The read routes, each answering what the matching `trace … --json` prints. */
export class ReadApi {
  constructor(
    private readonly store: TraceStore,
    private readonly catalog: EventCatalog,
  ) {}

  /**
   * `GET /v1/events`: `trace show --json` with the same filters. `view=lean` answers the same
   * events as tuples (lean-events.ts); `ids=` answers those events in full, for a client that
   * loaded them lean.
   */
  async events(search: URLSearchParams): Promise<EventsAnswer> {
    const params = new QueryParams(search, EVENT_PARAMS);
    const ids = params.list('ids');
    if (ids === undefined && params.has('ids')) throw new HttpError(400, 'E_USAGE', 'ids: expected event ids, comma-separated');
    const view = params.string('view');
    if (view !== undefined && !(EVENT_VIEWS as readonly string[]).includes(view)) {
      throw new HttpError(400, 'E_USAGE', `view: expected ${EVENT_VIEWS.join(' or ')} (or no view, for whole events), got ${JSON.stringify(view)}`);
    }
    if (ids !== undefined) return { json: await this.#eventsById(ids, params, view) };
    // The head before the read: a stream resuming after it misses nothing the answer lacks.
    const cursor = view === 'lean' ? (await this.store.changes({ targets: [] }, { limit: 1 })).cursor : null;
    const query = await timelineQuery(this.store, params, { catalog: this.catalog });
    if (view !== 'lean') return { json: timelineJson(await timeline(this.store, query, this.catalog)) };
    // Lean answers go out as the walk finds them: the client sorts, and needs none of the descriptions.
    return { lean: { query: timelineJson({ query, heading: '', entries: [] }).query, batches: timelineBatches(this.store, query, this.catalog), cursor } };
  }

  async #eventsById(given: string[], params: QueryParams, view: string | undefined): Promise<{ query: { ids: string[] }; events: JsonEvent[] }> {
    const filter = EVENT_FILTERS.find((name) => name !== 'include_private' && params.has(name));
    if (filter !== undefined) throw new HttpError(400, 'E_USAGE', `ids: names the events itself; drop ${filter}`);
    if (view !== undefined) throw new HttpError(400, 'E_USAGE', 'ids: answers whole events; drop view');
    if (given.length > MAX_IDS) throw new HttpError(400, 'E_USAGE', `ids: at most ${MAX_IDS} ids a request, got ${given.length}`);
    const ids = [...new Set(given.map((id) => parseEventId(id, 'ids')))];
    const includePrivate = params.boolean('include_private');
    const events = await this.store.get(ids, includePrivate ? { includePrivate } : {});
    return { query: { ids }, events: events.map(toJsonEvent) };
  }

  /** `GET /v1/causality/:id`: `trace --causality <id> --json`; the subject is an event or a task. */
  async causality(subject: string, search: URLSearchParams): Promise<CausalityJson> {
    const params = new QueryParams(search, ['include_private']);
    const id = looksLikeUuid(subject) ? parseEventId(subject, 'id') : subject;
    const includePrivate = params.boolean('include_private');
    return causalityJson(await causality(this.store, id, this.catalog, includePrivate ? { includePrivate } : {}));
  }

  /** `GET /v1/runs`: `trace runs --json`. Runs this version cannot read are left out, as the CLI warns and skips them. */
  async runs(search: URLSearchParams): Promise<{ runs: RunRecord[] }> {
    const params = new QueryParams(search, ['task', 'slug', 'status', 'since', 'limit', 'include_private']);
    const task = params.string('task');
    const slug = params.string('slug');
    const status = params.string('status');
    if (status !== undefined && !(RUN_STATUSES as readonly string[]).includes(status)) {
      throw new HttpError(400, 'E_USAGE', `status: expected one of ${RUN_STATUSES.join(', ')}, got ${JSON.stringify(status)}`);
    }
    const sinceText = params.string('since');
    const since = sinceText === undefined ? undefined : await resolveTime(this.store, sinceText, { flag: 'since' });
    const limit = params.positiveInteger('limit');
    const { runs } = await listRuns(this.store, {
      ...(task === undefined ? {} : { task }),
      ...(slug === undefined ? {} : { task_slug: slug }),
      ...(status === undefined ? {} : { status: status as RunRecord['status'] }),
      ...(since === undefined ? {} : { since }),
      ...(limit === undefined ? {} : { limit }),
    }, params.boolean('include_private') ? { includePrivate: true } : {});
    return { runs };
  }

  /** `GET /v1/runs/:id`: `trace runs show <id> --json`, by span_id or idempotency_key. */
  async run(ref: string, search: URLSearchParams): Promise<{ run: RunRecord; attempts: RunRecord[] }> {
    const params = new QueryParams(search, ['include_private']);
    const detail = await findRun(this.store, ref, params.boolean('include_private') ? { includePrivate: true } : {});
    return { run: detail.run, attempts: detail.attempts };
  }

  /** `GET /v1/stats`: `trace stats --json`. */
  async stats(search: URLSearchParams): Promise<StatsJson> {
    const params = new QueryParams(search, ['include_private']);
    const includePrivate = params.boolean('include_private');
    const stats = await this.store.stats(includePrivate ? { includePrivate } : {});
    return statsJson(this.store.location, stats, pendingSpools(this.store.location), includePrivate);
  }
}
