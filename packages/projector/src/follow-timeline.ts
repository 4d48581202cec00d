import { EventCatalog, TraceError, type TraceEvent } from '@tracekernel/schema';
import type { ChangeBatch, EventQuery, StoreCursor, TraceStore } from '@tracekernel/store';
import { checkQuery, heading, matches, storeQuery, timeline, type TimelineEntry, type TimelineQuery } from './timeline.js';

export interface FollowTimelineOptions {
  /**
   * Resume after this cursor (a `cursor` of an earlier batch). Without it the follow starts at the
   * store's head now, after the backlog that `since` or `limit` asks for.
   */
  after?: StoreCursor | null;
  /** Ends the follow. */
  signal?: AbortSignal;
  /** How long to wait between polls when nothing new is visible (default 200 ms). */
  pollMs?: number;
  catalog?: EventCatalog;
}

export interface FollowedBatch {
  /** New matching events, in the store's commit order. */
  entries: TimelineEntry[];
  /** Where to resume with `after` once every entry is handled. */
  cursor: StoreCursor | null;
  /**
   * Parallel to `entries`: where to resume with `after` once this entry and those before it are
   * handled, so that a follower cut mid-batch gets each event exactly once. Undefined for an entry
   * after which no cursor is exact (an event delivered out of commit order, after its late cause):
   * a follower keeps the previous resume point there.
   */
  resumePoints: (StoreCursor | undefined)[];
}

export interface TimelineFollow {
  /** The timeline's heading, as `timeline()` gives it. */
  heading: string;
  /**
   * What was there before the follow started, oldest first: the timeline of `since` and `limit`
   * (like `tail -n N -f`); empty when neither is given, or when resuming with `after`.
   */
  backlog: TimelineEntry[];
  /** New matching events as they are committed, until the signal aborts. */
  batches: AsyncIterable<FollowedBatch>;
}

/** How many events a task follow holds back while it waits for a cause committed after them. */
const MAX_WAITING = 10_000;

/**
 * A timeline that goes on: the events matching `query` as they are committed, each once, in commit
 * order. A task's follow has the same members as its timeline: the events of the task and its
 * subtasks (a subtask joins when its create_task arrives), and every event caused, through
 * parent_event_id or causes, by an event already in it. An event committed before the event that
 * caused it (another process's writer may commit first) waits, and is delivered right after its cause.
 *
 * @throws TraceError E_USAGE when the query has `until`: a followed timeline has no end.
 */
export async function followTimeline(store: TraceStore, query: TimelineQuery, options: FollowTimelineOptions = {}): Promise<TimelineFollow> {
  checkQuery(query);
  if (query.until !== undefined) throw new TraceError('E_USAGE', 'until: a followed timeline has no end; drop --until or --follow');
  const catalog = options.catalog ?? new EventCatalog();
  const resuming = options.after !== undefined;
  // The head first, then the backlog: an event committed in between is in both, and the follow skips it.
  const start = resuming ? (options.after ?? null) : (await store.changes({ targets: [] })).cursor;
  const wantsBacklog = !resuming && (query.since !== undefined || query.limit !== undefined);
  const backlog = wantsBacklog ? await timeline(store, query, catalog) : undefined;
  const shown = new Set(backlog?.entries.map((entry) => entry.event.id));

  let members: TaskMembers | undefined;
  let seed: TraceEvent[] = [];
  if (query.task !== undefined) {
    const targets = [query.task, ...(await store.descendantTargets([query.task]))];
    const own = await store.query({ targets, includePrivate: true });
    const caused = await store.descendants(own.map((event) => event.id), { includePrivate: true });
    members = new TaskMembers(store, catalog, targets, [...own, ...caused]);
    seed = own;
  }
  const title = backlog?.heading ?? heading(query, seed);

  const select: EventQuery | undefined = members ? { includePrivate: true } : storeQuery({ ...query, limit: undefined, since: undefined } as TimelineQuery);
  const live: TimelineQuery = { ...query };
  delete live.limit;

  async function* batches(): AsyncGenerator<FollowedBatch> {
    if (select === undefined) return; // a channel with primitives that are not bridge matches nothing
    const follow = store.follow(select, {
      after: start,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.pollMs === undefined ? {} : { pollMs: options.pollMs }),
    });
    for await (const batch of follow) {
      const candidates = members ? await members.admit(batch.events) : batch.events;
      const points = resumePoints(batch, candidates);
      const entries: TimelineEntry[] = [];
      const entryPoints: (StoreCursor | undefined)[] = [];
      candidates.forEach((event, index) => {
        if (shown.delete(event.id) || event.private || !matches(event, live)) return;
        entries.push({ event, description: catalog.describe(event) });
        entryPoints.push(points[index]);
      });
      if (entries.length > 0 || members) yield { entries, cursor: batch.cursor, resumePoints: entryPoints };
    }
  }
  return { heading: title, backlog: backlog?.entries ?? [], batches: batches() };
}

/**
 * For each candidate (a store batch's events, reordered or thinned by a task's membership), the
 * store cursor that resumes exactly after it: the one after its own commit, when every candidate
 * before it committed no later and every candidate after it committed later. A waiter released
 * from an earlier batch has no cursor here, and counts as committed before the whole batch.
 */
function resumePoints(batch: ChangeBatch, candidates: readonly TraceEvent[]): (StoreCursor | undefined)[] {
  const order = new Map(batch.events.map((event, index) => [event.id, index]));
  const positions = candidates.map((event) => order.get(event.id) ?? -1);
  const laterMin: number[] = new Array<number>(positions.length);
  let min = Number.POSITIVE_INFINITY;
  for (let index = positions.length - 1; index >= 0; index--) {
    laterMin[index] = min;
    min = Math.min(min, positions[index]!);
  }
  let max = -1;
  return positions.map((position, index) => {
    max = Math.max(max, position);
    return position >= 0 && position === max && laterMin[index]! > position ? batch.cursors[position] : undefined;
  });
}

/** The members of a task's timeline, kept up to date as events arrive. */
class TaskMembers {
  readonly #targets: Set<string>;
  /** Member ids: the seed read at the start, and every event admitted since. */
  readonly #ids: Set<string>;
  /** Events whose causes are not stored yet, by the id of a cause they wait for. */
  readonly #waiting = new Map<string, TraceEvent[]>();
  readonly #waiters = new Set<string>();
  readonly #parentFields = new Map<string, string>();

  constructor(
    private readonly store: TraceStore,
    catalog: EventCatalog,
    targets: readonly string[],
    events: readonly TraceEvent[],
  ) {
    this.#targets = new Set(targets);
    this.#ids = new Set(events.map((event) => event.id));
    for (const primitive of catalog.primitives()) {
      for (const [type, definition] of Object.entries(catalog.primitive(primitive).types)) {
        if (definition.targetParentField) this.#parentFields.set(`${primitive}.${type}`, definition.targetParentField);
      }
    }
  }

  /**
   * The events of a batch (in commit order) that belong to the task, each followed by any that
   * waited for it. The stream gives each event once, so a seed member seen here is new to the
   * follower: it committed after the follow's head.
   */
  async admit(events: readonly TraceEvent[]): Promise<TraceEvent[]> {
    const admitted: TraceEvent[] = [];
    const outside: TraceEvent[] = [];
    for (const event of events) {
      if (this.#belongs(event)) this.#add(event, admitted);
      else outside.push(event);
    }
    // An event caused by something not stored yet may be caused by a task event still to come.
    const unsure = outside.filter((event) => causesOf(event).length > 0);
    if (unsure.length === 0) return admitted;
    const wanted = [...new Set(unsure.flatMap(causesOf))];
    const stored = new Set((await this.store.get(wanted, { includePrivate: true })).map((event) => event.id));
    for (const event of unsure) {
      if (this.#belongs(event)) {
        this.#add(event, admitted); // its cause came later in the same batch
        continue;
      }
      const pending = causesOf(event).filter((id) => !stored.has(id));
      if (pending.length === 0 || this.#waiters.size >= MAX_WAITING) continue;
      this.#waiters.add(event.id);
      for (const id of pending) this.#waiting.set(id, [...(this.#waiting.get(id) ?? []), event]);
    }
    return admitted;
  }

  #belongs(event: TraceEvent): boolean {
    if (this.#ids.has(event.id)) return true;
    if (event.target_id !== null && this.#targets.has(event.target_id)) return true;
    const parentTarget = this.#parentTarget(event);
    if (parentTarget !== undefined && this.#targets.has(parentTarget)) return true;
    return causesOf(event).some((id) => this.#ids.has(id));
  }

  #add(first: TraceEvent, into: TraceEvent[]): void {
    const queue = [first];
    for (const event of queue) {
      this.#ids.add(event.id);
      this.#waiters.delete(event.id);
      const parentTarget = this.#parentTarget(event);
      if (event.target_id !== null && parentTarget !== undefined && this.#targets.has(parentTarget)) this.#targets.add(event.target_id);
      into.push(event);
      const released = this.#waiting.get(event.id);
      if (!released) continue;
      this.#waiting.delete(event.id);
      for (const waiter of released) {
        if (!this.#waiters.has(waiter.id)) continue; // admitted already, through another cause
        this.#waiters.delete(waiter.id);
        queue.push(waiter);
      }
    }
  }

  #parentTarget(event: TraceEvent): string | undefined {
    const field = this.#parentFields.get(`${event.primitive}.${event.type}`);
    const value = field === undefined ? undefined : event.metadata[field];
    return typeof value === 'string' ? value : undefined;
  }
}

function causesOf(event: TraceEvent): string[] {
  return event.parent_event_id === null ? [...event.causes] : [event.parent_event_id, ...event.causes];
}
