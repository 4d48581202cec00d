import type { CausalityNodeJson, CausalityResponse, EventsResponse, LeanHeader, TraceEventJson, WaterfallEvent } from './contract.js';
import { LEAN_COLUMNS, LeanDecoder, isFullEvent, toWaterfallEvent } from './contract.js';
import { eventSummary } from './event-summary.js';
import { layoutGraph } from './graph-layout.js';
import { layoutWaterfall, type Grouping, type WaterfallLayout } from './waterfall-layout.js';
import { toStringTable } from './string-table.js';
import type { EventDetail, LoadTimings, Neighbour, WorkerAnswer, WorkerRequest } from './worker-protocol.js';

/** How many ids one `GET /v1/events?ids=` names (the server takes up to 300). */
const IDS_PER_REQUEST = 250;

/**
 * The layout worker: fetches and parses the subject's events, lays out the waterfall and the
 * causality graph, and answers questions about single events, so that the page's main thread
 * never parses 100,000 events or walks them. The first load is lean (`view=lean`: no metadata
 * but what the layout reads); an event's whole metadata is fetched when its details or its list
 * line are asked for.
 */
export function startLayoutWorker(scope: { onmessage: ((message: MessageEvent<WorkerRequest>) => void) | null; postMessage(answer: WorkerAnswer): void }, earlyEventsUrl: string | null = null): void {
  const leanFetch = (url: string, headers: Record<string, string>): { url: string; started: number; response: Promise<Response> } => {
    const lean = new URL(url);
    lean.searchParams.set('view', 'lean');
    return { url, started: performance.now(), response: fetch(lean, { headers }) };
  };
  // The page's first subject, asked for before the page sends its load (see LayoutClient); used once.
  let early = earlyEventsUrl === null ? null : leanFetch(earlyEventsUrl, {});
  // A failed early fetch is reported by the load that takes it, not as an unhandled rejection.
  early?.response.catch(() => undefined);
  let events: WaterfallEvent[] = [];
  let ts = new Float64Array(0);
  let indexOf = new Map<string, number>();
  let effects: Map<string, number[]> | null = null;
  let grouping: Grouping = 'task';
  let subjectTask: string | null = null;
  let layout: WaterfallLayout | null = null;
  /** Whole events by id: those fetched by id, and those that arrived live. */
  let whole = new Map<string, TraceEventJson>();
  let eventsUrl: URL | null = null;
  let eventsHeaders: Record<string, string> = {};

  let graphEvents = new Map<string, TraceEventJson>();
  let graphChildren = new Map<string, string[]>();

  const post = (answer: WorkerAnswer): void => scope.postMessage(answer);
  const summaryOf = (id: string, index: number): string => {
    const full = whole.get(id) ?? graphEvents.get(id);
    return eventSummary(full ? toWaterfallEvent(full) : events[index]!);
  };
  const neighbour = (index: number): Neighbour => ({ id: events[index]!.id, index, summary: summaryOf(events[index]!.id, index) });

  const reindex = (): void => {
    ts = new Float64Array(events.length);
    indexOf = new Map();
    for (let i = 0; i < events.length; i++) {
      ts[i] = events[i]!.ms;
      indexOf.set(events[i]!.id, i);
    }
    effects = null;
  };
  const relayout = (seq: number, timings: LoadTimings | null = null, cursor: string | null = null): void => {
    const started = performance.now();
    layout = layoutWaterfall(events, ts, grouping, subjectTask);
    if (timings) timings.layoutMs = performance.now() - started;
    const ids = toStringTable(events.map((event) => event.id));
    if (timings) timings.postEpoch = performance.timeOrigin + performance.now();
    post({ op: 'waterfall', seq, layout, ids, total: events.length, timings, cursor });
  };
  const effectsOf = (id: string): number[] => {
    if (!effects) {
      effects = new Map();
      for (let i = 0; i < events.length; i++) {
        const event = events[i]!;
        for (const cause of event.parent_event_id ? [event.parent_event_id, ...event.causes] : event.causes) {
          let list = effects.get(cause);
          if (!list) effects.set(cause, (list = []));
          list.push(i);
        }
      }
    }
    return effects.get(id) ?? [];
  };
  const known = (id: string): Neighbour => {
    const index = indexOf.get(id);
    if (index !== undefined) return neighbour(index);
    const event = graphEvents.get(id);
    return { id, index: -1, summary: event ? eventSummary(toWaterfallEvent(event)) : 'not loaded' };
  };
  const rowOfMark = (mark: number): number => {
    // Rows are few next to events: a binary search over their starts.
    let row = 0;
    let lo = 0;
    let hi = layout!.rows.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (layout!.rowStart[mid]! <= mark) { row = mid; lo = mid + 1; } else hi = mid - 1;
    }
    return row;
  };
  const fetchJson = async (url: string, headers: Record<string, string>): Promise<unknown> => {
    const response = await fetch(url, { headers });
    const body = (await response.json()) as { error?: { code: string; message: string } };
    if (!response.ok || body.error) throw Object.assign(new Error(body.error?.message ?? `HTTP ${response.status}`), { code: body.error?.code ?? `HTTP_${response.status}` });
    return body;
  };
  /** Fetches the whole events of these ids that only a lean tuple holds. */
  const fetchWhole = async (ids: readonly string[]): Promise<void> => {
    if (!eventsUrl) return;
    const missing = [...new Set(ids)].filter((id) => !whole.has(id) && !graphEvents.has(id) && indexOf.has(id));
    for (let from = 0; from < missing.length; from += IDS_PER_REQUEST) {
      const url = new URL(eventsUrl);
      url.search = '';
      url.searchParams.set('ids', missing.slice(from, from + IDS_PER_REQUEST).join(','));
      const body = (await fetchJson(url.toString(), eventsHeaders)) as EventsResponse;
      for (const event of body.events) whole.set(event.id, event);
    }
  };
  const detailOf = async (id: string): Promise<EventDetail | null> => {
    const index = indexOf.get(id);
    if (index === undefined && !graphEvents.has(id)) return null;
    const lean = index === undefined ? null : events[index]!;
    const mark = index === undefined || !layout ? -1 : layout.eventMark[index]!;
    const row = mark < 0 ? -1 : rowOfMark(mark);
    const at = (position: number): number | null =>
      row >= 0 && position >= layout!.rowStart[row]! && position < layout!.rowStart[row + 1]! ? layout!.markEvent[position]! : null;
    const effectIds = index === undefined ? (graphChildren.get(id) ?? []).slice(0, 200) : effectsOf(id).slice(0, 200).map((i) => events[i]!.id);
    const previous = mark < 0 ? null : at(mark - 1);
    const next = mark < 0 ? null : at(mark + 1);
    const around = [id, ...(lean?.parent_event_id ? [lean.parent_event_id] : []), ...(lean?.causes ?? []), ...effectIds];
    for (const position of [previous, next]) if (position !== null) around.push(events[position]!.id);
    await fetchWhole(around);
    const event = whole.get(id) ?? graphEvents.get(id);
    if (!event) return null;
    const base = { event, parent: event.parent_event_id ? known(event.parent_event_id) : null, causes: event.causes.map(known) };
    if (index === undefined || !layout) return { ...base, index: -1, effects: effectIds.map(known), previousInRow: null, nextInRow: null };
    return {
      ...base, index, effects: effectsOf(id).slice(0, 200).map(neighbour),
      previousInRow: previous === null ? null : neighbour(previous), nextInRow: next === null ? null : neighbour(next),
    };
  };
  const byTimeThenId = (a: WaterfallEvent, b: WaterfallEvent): number => (a.ms - b.ms) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  const isOrdered = (list: readonly WaterfallEvent[]): boolean => {
    for (let i = 1; i < list.length; i++) if (byTimeThenId(list[i - 1]!, list[i]!) > 0) return false;
    return true;
  };

  /** Reads a `view=lean` answer line by line as it arrives, so parsing keeps pace with the server. */
  const readLean = async (response: Response): Promise<{ loaded: WaterfallEvent[]; header: LeanHeader; bytes: number }> => {
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    const decoder = new LeanDecoder();
    let header: LeanHeader | null = null;
    let expected: number | null = null;
    let buffer = '';
    let bytes = 0;
    const take = (line: string): void => {
      if (line === '') return;
      const value = JSON.parse(line) as unknown;
      if (header === null) {
        header = value as LeanHeader;
        if (header.columns.join(',') !== LEAN_COLUMNS.join(',')) throw Object.assign(new Error(`the server's lean events have the columns ${header.columns.join(', ')}; this viewer reads ${LEAN_COLUMNS.join(', ')}`), { code: 'E_VIEWER' });
      } else if (!decoder.take(value)) expected = (value as { events: number }).events;
    };
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      bytes += value.length;
      buffer += value;
      const end = buffer.lastIndexOf('\n');
      if (end < 0) continue;
      for (const line of buffer.slice(0, end).split('\n')) take(line);
      buffer = buffer.slice(end + 1);
    }
    take(buffer);
    const loaded = decoder.events;
    if (header === null || expected !== loaded.length) throw Object.assign(new Error(`the events' answer was cut short (${loaded.length} events read)`), { code: 'E_VIEWER' });
    return { loaded, header, bytes };
  };

  const handle = async (request: WorkerRequest): Promise<void> => {
    switch (request.op) {
      case 'load': {
        grouping = request.grouping;
        subjectTask = request.subjectTask;
        eventsUrl = new URL(request.url);
        eventsHeaders = request.headers;
        whole = new Map();
        const asked = early !== null && early.url === request.url && Object.keys(request.headers).length === 0 ? early : leanFetch(request.url, request.headers);
        early = null;
        const started = asked.started;
        const response = await asked.response;
        const headersAt = performance.now();
        if (!response.ok) {
          const body = (await response.json().catch(() => ({}))) as { error?: { code: string; message: string } };
          throw Object.assign(new Error(body.error?.message ?? `HTTP ${response.status}`), { code: body.error?.code ?? `HTTP_${response.status}` });
        }
        const { loaded, header, bytes } = await readLean(response);
        const timings: LoadTimings = { serverMs: headersAt - started, bodyMs: 0, layoutMs: 0, bytes, startEpoch: performance.timeOrigin + started, postEpoch: 0 };
        // Tuples come as the server's walk finds them, not in time order.
        events = isOrdered(loaded) ? loaded : loaded.sort(byTimeThenId);
        reindex();
        timings.bodyMs = performance.now() - headersAt;
        relayout(request.seq, timings, header.cursor);
        return;
      }
      case 'regroup':
        grouping = request.grouping;
        relayout(request.seq);
        return;
      case 'append': {
        let outOfOrder = false;
        for (const full of request.events) {
          if (indexOf.has(full.id)) continue;
          const event = toWaterfallEvent(full);
          whole.set(full.id, full);
          const last = events[events.length - 1];
          events.push(event);
          indexOf.set(event.id, events.length - 1);
          if (last && byTimeThenId(last, event) > 0) outOfOrder = true;
        }
        if (outOfOrder) events.sort(byTimeThenId);
        reindex();
        relayout(request.seq);
        return;
      }
      case 'event':
        return post({ op: 'event', seq: request.seq, detail: await detailOf(request.id) });
      case 'summaries': {
        const from = Math.max(0, request.from);
        const to = Math.min(events.length, request.to);
        // A line's hint is in the metadata the lean load left out; without the server, lines go without it.
        await fetchWhole(events.slice(from, to).map((event) => event.id)).catch(() => undefined);
        const lines: string[] = [];
        for (let i = from; i < to; i++) lines.push(summaryOf(events[i]!.id, i));
        return post({ op: 'summaries', seq: request.seq, from: request.from, lines });
      }
      case 'find': {
        const prefix = request.prefix.toLowerCase();
        const matches: Neighbour[] = [];
        for (let i = 0; i < events.length && matches.length < request.limit; i++) if (events[i]!.id.startsWith(prefix)) matches.push(neighbour(i));
        return post({ op: 'find', seq: request.seq, matches });
      }
      case 'causality': {
        const body = (await fetchJson(request.url, request.headers)) as CausalityResponse;
        // The tree's own events, so that the details of any node are at hand.
        graphEvents = new Map();
        graphChildren = new Map();
        const stack: CausalityNodeJson[] = [body.root];
        while (stack.length > 0) {
          const node = stack.pop()!;
          if (isFullEvent(node.event)) graphEvents.set(node.event.id, node.event);
          graphChildren.set(node.event.id, node.children.map((child) => child.event.id));
          for (const child of node.children) stack.push(child);
        }
        return post({ op: 'graph', seq: request.seq, layout: layoutGraph(body) });
      }
    }
  };

  scope.onmessage = (message) => {
    const request = message.data;
    handle(request).catch((error: Error & { code?: string }) => post({ op: 'error', seq: request.seq, code: error.code ?? 'E_VIEWER', message: error.message }));
  };
}

