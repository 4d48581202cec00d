import type { CausalityNodeJson, CausalityResponse, EventsResponse, TraceEventJson } from './contract.js';
import { isFullEvent } from './contract.js';
import { eventSummary } from './event-summary.js';
import { layoutGraph } from './graph-layout.js';
import { layoutWaterfall, type Grouping, type WaterfallLayout } from './waterfall-layout.js';
import { toStringTable } from './string-table.js';
import type { EventDetail, LoadTimings, Neighbour, WorkerAnswer, WorkerRequest } from './worker-protocol.js';

/**
 * The layout worker: fetches and parses the subject's events, lays out the waterfall and the
 * causality graph, and answers questions about single events, so that the page's main thread
 * never parses 100,000 events or walks them.
 */
export function startLayoutWorker(scope: { onmessage: ((message: MessageEvent<WorkerRequest>) => void) | null; postMessage(answer: WorkerAnswer): void }): void {
  let events: TraceEventJson[] = [];
  let ts = new Float64Array(0);
  let indexOf = new Map<string, number>();
  let effects: Map<string, number[]> | null = null;
  let grouping: Grouping = 'task';
  let subjectTask: string | null = null;
  let layout: WaterfallLayout | null = null;

  let graphEvents = new Map<string, TraceEventJson>();
  let graphChildren = new Map<string, string[]>();

  const post = (answer: WorkerAnswer): void => scope.postMessage(answer);
  const neighbour = (index: number): Neighbour => ({ id: events[index]!.id, index, summary: eventSummary(events[index]!) });

  const reindex = (): void => {
    ts = new Float64Array(events.length);
    indexOf = new Map();
    for (let i = 0; i < events.length; i++) {
      ts[i] = Date.parse(events[i]!.ts);
      indexOf.set(events[i]!.id, i);
    }
    effects = null;
  };
  const relayout = (seq: number, timings: LoadTimings | null = null): void => {
    const started = performance.now();
    layout = layoutWaterfall(events, ts, grouping, subjectTask);
    if (timings) timings.layoutMs = performance.now() - started;
    const ids = toStringTable(events.map((event) => event.id));
    if (timings) timings.postEpoch = performance.timeOrigin + performance.now();
    post({ op: 'waterfall', seq, layout, ids, total: events.length, timings });
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
    return { id, index: -1, summary: event ? eventSummary(event) : 'not loaded' };
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
  const detailOf = (id: string): EventDetail | null => {
    const index = indexOf.get(id);
    const event = index !== undefined ? events[index] : graphEvents.get(id);
    if (!event) return null;
    const base = {
      event, parent: event.parent_event_id ? known(event.parent_event_id) : null, causes: event.causes.map(known),
    };
    if (index === undefined || !layout) {
      return { ...base, index: -1, effects: (graphChildren.get(id) ?? []).slice(0, 200).map(known), previousInRow: null, nextInRow: null };
    }
    const mark = layout.eventMark[index]!;
    const row = rowOfMark(mark);
    const at = (position: number): Neighbour | null =>
      position >= layout!.rowStart[row]! && position < layout!.rowStart[row + 1]! ? neighbour(layout!.markEvent[position]!) : null;
    return { ...base, index, effects: effectsOf(id).slice(0, 200).map(neighbour), previousInRow: at(mark - 1), nextInRow: at(mark + 1) };
  };
  const fetchJson = async (url: string, headers: Record<string, string>): Promise<unknown> => {
    const response = await fetch(url, { headers });
    const body = (await response.json()) as { error?: { code: string; message: string } };
    if (!response.ok || body.error) throw Object.assign(new Error(body.error?.message ?? `HTTP ${response.status}`), { code: body.error?.code ?? `HTTP_${response.status}` });
    return body;
  };
  const byTimeThenId = (a: TraceEventJson, b: TraceEventJson): number => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

  const handle = async (request: WorkerRequest): Promise<void> => {
    switch (request.op) {
      case 'load': {
        grouping = request.grouping;
        subjectTask = request.subjectTask;
        const started = performance.now();
        const response = await fetch(request.url, { headers: request.headers });
        const headersAt = performance.now();
        const text = await response.text();
        const body = JSON.parse(text) as EventsResponse & { error?: { code: string; message: string } };
        if (!response.ok || body.error) throw Object.assign(new Error(body.error?.message ?? `HTTP ${response.status}`), { code: body.error?.code ?? `HTTP_${response.status}` });
        const timings: LoadTimings = { serverMs: headersAt - started, bodyMs: 0, layoutMs: 0, bytes: text.length, startEpoch: performance.timeOrigin + started, postEpoch: 0 };
        events = body.events;
        reindex();
        timings.bodyMs = performance.now() - headersAt;
        relayout(request.seq, timings);
        return;
      }
      case 'regroup':
        grouping = request.grouping;
        relayout(request.seq);
        return;
      case 'append': {
        let added = false;
        for (const event of request.events) {
          if (indexOf.has(event.id)) continue;
          const last = events[events.length - 1];
          events.push(event);
          indexOf.set(event.id, events.length - 1);
          if (last && byTimeThenId(last, event) > 0) added = true; // out of order: sort below
        }
        if (added) events.sort(byTimeThenId);
        reindex();
        relayout(request.seq);
        return;
      }
      case 'event':
        return post({ op: 'event', seq: request.seq, detail: detailOf(request.id) });
      case 'summaries': {
        const lines: string[] = [];
        for (let i = Math.max(0, request.from); i < Math.min(events.length, request.to); i++) lines.push(eventSummary(events[i]!));
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
