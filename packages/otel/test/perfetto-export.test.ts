import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { EventCatalog, type EventInput, type TraceEvent } from '@tracekernel/schema';
import { eventsToPerfetto, type TraceEventEntry } from '@tracekernel/otel';

/**
 * The Chrome trace-event format ("Trace Event Format", the JSON object form) as Perfetto's JSON
 * importer and chrome://tracing read it: the phases used here, each with the fields it requires.
 */
const common = { name: z.string(), cat: z.string().optional(), pid: z.int().nonnegative(), tid: z.int().nonnegative(), args: z.record(z.string(), z.unknown()).optional() };
const micros = z.number().finite().nonnegative();
const traceEventSchema = z.discriminatedUnion('ph', [
  z.strictObject({ ...common, ph: z.literal('X'), ts: micros, dur: micros }),
  z.strictObject({ ...common, ph: z.literal('i'), ts: micros, s: z.enum(['g', 'p', 't']) }),
  z.strictObject({ ...common, ph: z.literal('s'), ts: micros, id: z.union([z.int(), z.string()]) }),
  z.strictObject({ ...common, ph: z.literal('f'), ts: micros, id: z.union([z.int(), z.string()]), bp: z.literal('e').optional() }),
  z.strictObject({
    ...common,
    ph: z.literal('M'),
    name: z.enum(['process_name', 'thread_name', 'process_sort_index', 'thread_sort_index', 'process_labels']),
    args: z.union([z.strictObject({ name: z.string() }), z.strictObject({ sort_index: z.int() }), z.strictObject({ labels: z.string() })]),
  }),
]);
const traceFileSchema = z.strictObject({
  traceEvents: z.array(traceEventSchema),
  displayTimeUnit: z.enum(['ms', 'ns']).optional(),
  otherData: z.record(z.string(), z.string()).optional(),
});

const catalog = new EventCatalog();
const T0 = Date.UTC(2025, 9, 22, 14, 0, 0);
function story(): TraceEvent[] {
  const events: TraceEvent[] = [];
  const emit = (input: Omit<EventInput, 'ts'> & { minute: number }) => {
    const { minute, ...rest } = input;
    const event = catalog.prepare({ ...rest, ts: T0 + minute * 60_000 }).event;
    events.push(event);
    return event;
  };
  const create = emit({ minute: 0, primitive: 'ops', type: 'create_task', agent_id: 'zealot-1', target_id: 'task-a', metadata: { title: 'Build' } });
  const claimA = emit({ minute: 1, primitive: 'ops', type: 'claim_task', agent_id: 'haiku-1', target_id: 'task-a', parent_event_id: create.id });
  const createB = emit({ minute: 1, primitive: 'ops', type: 'create_task', agent_id: 'zealot-1', target_id: 'task-b', metadata: { title: 'Test' } });
  // haiku-1 works on two tasks at once: the second goes on a track of its own.
  const claimB = emit({ minute: 2, primitive: 'ops', type: 'claim_task', agent_id: 'haiku-1', target_id: 'task-b', parent_event_id: createB.id });
  const note = emit({ minute: 3, primitive: 'bridge', type: 'send', agent_id: 'haiku-1', target_id: 'dev', parent_event_id: claimA.id, metadata: { content: 'halfway' } });
  emit({ minute: 5, primitive: 'ops', type: 'complete_task', agent_id: 'haiku-1', target_id: 'task-a', parent_event_id: claimA.id, causes: [note.id] });
  emit({ minute: 6, primitive: 'ops', type: 'complete_task', agent_id: 'haiku-1', target_id: 'task-b', parent_event_id: claimB.id });
  const run = emit({ minute: 7, primitive: 'run', type: 'start', agent_id: 'cron', target_id: 'nightly', idempotency_key: 'run:n-1', metadata: { schema_version: 1, task_id: 'nightly', idempotency_key: 'n-1', runner: { name: 'cron' } } });
  emit({ minute: 8, primitive: 'run', type: 'end', target_id: 'nightly', parent_event_id: run.id, metadata: { schema_version: 1, span_id: run.id, status: 'success', duration_ms: 60_000 } });
  // A span imported from OpenTelemetry, with the duration it came in with.
  emit({ minute: 9, primitive: 'otel', type: 'span', agent_id: 'planner', metadata: {
    name: 'chat gpt-5',
    otel: { trace_id: '5b8efff798038103d269b633813fc60c', span_id: 'a000000000000001', name: 'chat gpt-5', start_time_unix_nano: `${T0 + 9 * 60_000}000000`, end_time_unix_nano: `${T0 + 11 * 60_000}000000`, duration_ms: 120_000, status: {} },
  } });
  return events;
}

describe('trace export perfetto', () => {
  it('writes a file that passes the trace-event format, with a track per agent, tasks and runs as slices, instants and flows', () => {
    const events = story();
    const trace = eventsToPerfetto(events, catalog);
    const parsed = traceFileSchema.safeParse(JSON.parse(JSON.stringify(trace)));
    expect(parsed.error?.issues ?? []).toEqual([]);
    const entries = trace.traceEvents;

    const threadNames = new Map(entries.filter((e) => e.ph === 'M' && e.name === 'thread_name').map((e) => [e.tid, (e.args as { name: string }).name]));
    expect([...threadNames.values()].sort()).toEqual(['(no agent)', 'cron', 'haiku-1', 'haiku-1 #2', 'planner', 'zealot-1']);
    const slices = entries.filter((e) => e.ph === 'X');
    expect(slices.map((e) => [e.name, threadNames.get(e.tid), e.dur! / 60e6])).toEqual([
      ['task task-a (Build)', 'haiku-1', 4],
      ['task task-b (Test)', 'haiku-1 #2', 4],
      ['run nightly', 'cron', 1],
      ['chat gpt-5', 'planner', 2],
    ]);
    const instants = entries.filter((e) => e.ph === 'i');
    expect(instants.map((e) => (e.args as { id: string }).id)).toEqual(events.map((event) => event.id).sort()); // (ts, id) order; the story's ids rise with ts

    // Every flow starts at its cause and finishes at its effect: one per parent link and per cause.
    const starts = entries.filter((e) => e.ph === 's');
    const finishes = new Map(entries.filter((e) => e.ph === 'f').map((e) => [e.id, e]));
    const links = events.flatMap((event) => [event.parent_event_id, ...event.causes].filter((id) => id !== null).map((cause) => [cause, event.id]));
    expect(starts).toHaveLength(links.length);
    const instantAt = (entry: TraceEventEntry) => instants.find((i) => i.tid === entry.tid && i.ts === entry.ts);
    const drawn = starts.map((start) => [(instantAt(start)!.args as { id: string }).id, (instantAt(finishes.get(start.id)!)!.args as { id: string }).id]);
    expect(drawn.sort()).toEqual(links.sort());

    // Slices on one track nest or follow each other: Perfetto drops ones that overlap partly.
    const byTrack = new Map<number, TraceEventEntry[]>();
    for (const slice of slices) byTrack.set(slice.tid, [...(byTrack.get(slice.tid) ?? []), slice]);
    for (const track of byTrack.values()) {
      const sorted = track.sort((a, b) => a.ts! - b.ts!);
      for (let i = 1; i < sorted.length; i++) expect(sorted[i]!.ts!).toBeGreaterThanOrEqual(sorted[i - 1]!.ts! + sorted[i - 1]!.dur!);
    }
  });

  it('the schema refuses what the format forbids', () => {
    const bad = [
      { name: 'x', ph: 'X', pid: 1, tid: 1, ts: 0 }, // a complete event without dur
      { name: 'x', ph: 'i', pid: 1, tid: 1, ts: 0, s: 'q' },
      { name: 'x', ph: 'f', pid: 1, tid: 1, ts: 0 }, // a flow without id
      { name: 'thread_name', ph: 'M', pid: 1, tid: 1, args: {} },
      { name: 'x', ph: 'Z', pid: 1, tid: 1, ts: 0 },
    ];
    for (const entry of bad) expect(traceFileSchema.safeParse({ traceEvents: [entry] }).success, JSON.stringify(entry)).toBe(false);
  });
});
