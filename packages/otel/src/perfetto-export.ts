import { EventCatalog, type TraceEvent } from '@tracekernel/schema';
import { spanIntervals } from './span-intervals.js';

/** One entry of the Chrome trace-event format (the JSON that Perfetto and chrome://tracing open). */
export interface TraceEventEntry {
  name: string;
  ph: 'X' | 'i' | 's' | 'f' | 'M';
  pid: number;
  tid: number;
  /** Microseconds. */
  ts?: number;
  dur?: number;
  cat?: string;
  s?: 't';
  id?: number;
  bp?: 'e';
  args?: Record<string, unknown>;
}

export interface PerfettoTrace {
  traceEvents: TraceEventEntry[];
  displayTimeUnit: 'ms';
  otherData: Record<string, string>;
}

const PID = 1;

/**
 * Events as a Chrome trace-event JSON file: a track (thread) per agent, tasks (claim to completion
 * or block) and runs (start to end) as complete events, every event as an instant, and flow arrows
 * from each cause (parent and `causes`) to its effect. Overlapping tasks of one agent go on extra
 * tracks of that agent (`zealot-1 #2`), since a track's slices must nest.
 */
export function eventsToPerfetto(events: readonly TraceEvent[], catalog: EventCatalog = new EventCatalog()): PerfettoTrace {
  const sorted = [...events].sort((a, b) => a.ts - b.ts || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const agents = [...new Set(sorted.map((event) => event.agent_id ?? '(no agent)'))].sort();
  const lanes = new Map<string, number[]>(); // agent → end time (µs) of the last slice on each of its tracks
  const tids = new Map<string, number>();
  const trackNames: Array<[number, string]> = [];
  let nextTid = 1;
  const track = (agent: string, lane: number) => {
    const key = `${agent}\u0000${lane}`;
    let tid = tids.get(key);
    if (tid === undefined) {
      tids.set(key, (tid = nextTid++));
      trackNames.push([tid, lane === 0 ? agent : `${agent} #${lane + 1}`]);
    }
    return tid;
  };
  for (const agent of agents) track(agent, 0);
  const agentOf = (event: TraceEvent) => event.agent_id ?? '(no agent)';
  const us = (ms: number) => ms * 1000;

  const out: TraceEventEntry[] = [];
  const intervals = spanIntervals(sorted);
  const titles = taskTitles(sorted);
  for (const event of sorted) {
    const interval = intervals.get(event.id);
    if (!interval) continue;
    const agent = agentOf(event);
    const start = us(event.ts);
    const end = us(interval.end);
    const ends = lanes.get(agent) ?? [];
    let lane = ends.findIndex((laneEnd) => laneEnd <= start);
    if (lane < 0) lane = ends.length;
    ends[lane] = end;
    lanes.set(agent, ends);
    const title = interval.kind === 'task' && event.target_id !== null ? titles.get(event.target_id) : undefined;
    out.push({
      name: interval.kind === 'task' ? `task ${event.target_id}${title ? ` (${title})` : ''}` : `run ${event.target_id}`,
      cat: interval.kind,
      ph: 'X',
      pid: PID,
      tid: track(agent, lane),
      ts: start,
      dur: end - start,
      args: {
        from_event: event.id,
        to_event: interval.endEvent.id,
        to: `${interval.endEvent.primitive}.${interval.endEvent.type}`,
        ...(interval.runStatus === undefined ? {} : { status: interval.runStatus }),
        ...(interval.status?.code === 'error' && interval.status.message ? { error: interval.status.message } : {}),
      },
    });
  }
  // A span imported from OpenTelemetry carries its own duration: it is drawn as long as it lasted,
  // on its agent's track, as tasks and runs are.
  for (const event of sorted) {
    const duration = spanDurationMs(event);
    if (duration === undefined || intervals.has(event.id)) continue;
    const agent = agentOf(event);
    const start = us(event.ts);
    const end = start + us(duration);
    const ends = lanes.get(agent) ?? [];
    let lane = ends.findIndex((laneEnd) => laneEnd <= start);
    if (lane < 0) lane = ends.length;
    ends[lane] = end;
    lanes.set(agent, ends);
    const otel = event.metadata.otel as Record<string, unknown>;
    out.push({
      name: typeof otel.name === 'string' ? otel.name : `${event.primitive}.${event.type}`,
      cat: 'otel',
      ph: 'X',
      pid: PID,
      tid: track(agent, lane),
      ts: start,
      dur: end - start,
      args: { from_event: event.id, span_id: otel.span_id ?? null, trace_id: otel.trace_id ?? null },
    });
  }
  const tidOf = new Map<string, number>();
  for (const event of sorted) {
    const tid = track(agentOf(event), 0);
    tidOf.set(event.id, tid);
    out.push({
      name: `${event.primitive}.${event.type}`,
      cat: event.primitive,
      ph: 'i',
      s: 't',
      pid: PID,
      tid,
      ts: us(event.ts),
      args: {
        id: event.id,
        description: catalog.describe(event),
        target: event.target_id,
        ...(event.session_id === null ? {} : { session: event.session_id }),
        metadata: event.metadata,
      },
    });
  }
  const byId = new Map(sorted.map((event) => [event.id, event]));
  let flow = 0;
  for (const event of sorted) {
    const causes = [...(event.parent_event_id === null ? [] : [['parent', event.parent_event_id] as const]), ...event.causes.map((id) => ['cause', id] as const)];
    for (const [kind, id] of causes) {
      const cause = byId.get(id);
      if (!cause) continue;
      flow += 1;
      out.push({ name: kind, cat: 'causality', ph: 's', id: flow, pid: PID, tid: tidOf.get(cause.id)!, ts: us(cause.ts) });
      out.push({ name: kind, cat: 'causality', ph: 'f', bp: 'e', id: flow, pid: PID, tid: tidOf.get(event.id)!, ts: us(Math.max(event.ts, cause.ts)) });
    }
  }
  const metadata: TraceEventEntry[] = [
    { name: 'process_name', ph: 'M', pid: PID, tid: 0, args: { name: 'tracekernel' } },
    ...trackNames.flatMap(([tid, name]): TraceEventEntry[] => [
      { name: 'thread_name', ph: 'M', pid: PID, tid, args: { name } },
      { name: 'thread_sort_index', ph: 'M', pid: PID, tid, args: { sort_index: tid } },
    ]),
  ];
  return { traceEvents: [...metadata, ...out], displayTimeUnit: 'ms', otherData: { source: 'tracekernel' } };
}

function taskTitles(events: readonly TraceEvent[]): Map<string, string> {
  const titles = new Map<string, string>();
  for (const event of events) {
    if (event.primitive !== 'ops' || event.type !== 'create_task' || event.target_id === null) continue;
    if (typeof event.metadata.title === 'string' && !titles.has(event.target_id)) titles.set(event.target_id, event.metadata.title);
  }
  return titles;
}

/** The duration an OpenTelemetry span came in with (metadata.otel.duration_ms), when it has one. */
function spanDurationMs(event: TraceEvent): number | undefined {
  const otel = event.metadata.otel;
  if (typeof otel !== 'object' || otel === null || Array.isArray(otel)) return undefined;
  const duration = (otel as Record<string, unknown>).duration_ms;
  return typeof duration === 'number' && Number.isFinite(duration) && duration > 0 ? duration : undefined;
}
