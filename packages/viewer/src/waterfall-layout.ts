import type { WaterfallEvent } from './contract.js';

/** What the layout reads of an event; times come as a separate column. */
type LaidOutEvent = Pick<WaterfallEvent, 'id' | 'primitive' | 'type' | 'agent_id' | 'target_id' | 'parent_event_id' | 'causes' | 'metadata'>;

export type Grouping = 'task' | 'agent';

/** Interval states drawn as bars; the numbers are what `barState` holds. */
export const BAR_STATES = ['open', 'claimed', 'blocked', 'complete', 'run'] as const;
export type BarState = (typeof BAR_STATES)[number];

export interface WaterfallRow {
  /** The task id or agent id; '' for the row of events that belong to no task (or no agent). */
  key: string;
  label: string;
  kind: 'task' | 'agent' | 'other';
  /** Nesting depth of a subtask (0 for a top-level task and for agents). */
  depth: number;
  events: number;
}

/**
 * A waterfall in columns, made to be transferred from the worker without copying: marks are sorted
 * by (row, ts), so a row's marks in a time window are a binary search away.
 */
export interface WaterfallLayout {
  grouping: Grouping;
  rows: WaterfallRow[];
  primitives: string[];
  /** Per mark (sorted by row, then ts). */
  markTs: Float64Array;
  markEvent: Int32Array;
  markPrimitive: Uint8Array;
  /** rowStart[r] .. rowStart[r + 1] are row r's marks. */
  rowStart: Int32Array;
  /** Per event, in time order: where its mark is. */
  eventMark: Int32Array;
  barStart: Float64Array;
  barEnd: Float64Array;
  barRow: Int32Array;
  barState: Uint8Array;
  minTs: number;
  maxTs: number;
}

const OTHER_TASK = '';

function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

/** Which task each event belongs to: its own target for ops and run events, else its cause's task. */
export function assignTasks(events: readonly LaidOutEvent[]): { taskOf: string[]; parentTask: Map<string, string>; titles: Map<string, string>; order: string[] } {
  const taskById = new Map<string, string>();
  const taskOf: string[] = new Array(events.length);
  const parentTask = new Map<string, string>();
  const titles = new Map<string, string>();
  const order: string[] = [];
  const seen = new Set<string>();
  const ownTask = (event: LaidOutEvent): string | null =>
    (event.primitive === 'ops' || event.primitive === 'run') && event.target_id ? event.target_id : null;
  const inherited = (event: LaidOutEvent): string | null => {
    if (event.parent_event_id) {
      const task = taskById.get(event.parent_event_id);
      if (task !== undefined) return task;
    }
    for (const cause of event.causes) {
      const task = taskById.get(cause);
      if (task !== undefined) return task;
    }
    return null;
  };
  let unresolved: number[] = [];
  for (let i = 0; i < events.length; i++) {
    const event = events[i]!;
    const own = ownTask(event);
    if (own !== null && !seen.has(own)) {
      seen.add(own);
      order.push(own);
    }
    if (own !== null && event.type === 'create_task') {
      const parent = text(event.metadata.parent_task_id);
      if (parent !== null && !parentTask.has(own)) parentTask.set(own, parent);
      const title = text(event.metadata.title);
      if (title !== null && !titles.has(own)) titles.set(own, title);
    }
    const task = own ?? inherited(event);
    if (task === null) unresolved.push(i);
    taskOf[i] = task ?? OTHER_TASK;
    if (task !== null) taskById.set(event.id, task);
  }
  // A cause stored with a later ts than its effect: a few more passes settle chains of those.
  for (let pass = 0; pass < 3 && unresolved.length > 0; pass++) {
    const still: number[] = [];
    for (const i of unresolved) {
      const task = inherited(events[i]!);
      if (task === null) still.push(i);
      else {
        taskOf[i] = task;
        taskById.set(events[i]!.id, task);
      }
    }
    if (still.length === unresolved.length) break;
    unresolved = still;
  }
  return { taskOf, parentTask, titles, order };
}

/** Rows of tasks in depth-first order, each subtask under its parent. */
function taskRows(order: readonly string[], parentTask: ReadonlyMap<string, string>, titles: ReadonlyMap<string, string>, subjectTask: string | null): { rows: WaterfallRow[]; rowOf: Map<string, number> } {
  const known = new Set(order);
  const children = new Map<string, string[]>();
  const roots: string[] = [];
  for (const task of order) {
    const parent = parentTask.get(task);
    // The subject is a root even when its parent task shows up (through events its work caused).
    if (parent !== undefined && known.has(parent) && parent !== task && task !== subjectTask) {
      let list = children.get(parent);
      if (!list) children.set(parent, (list = []));
      list.push(task);
    } else roots.push(task);
  }
  // The subject first.
  const subjectAt = subjectTask === null ? -1 : roots.indexOf(subjectTask);
  if (subjectAt > 0) roots.unshift(...roots.splice(subjectAt, 1));
  const rows: WaterfallRow[] = [];
  const rowOf = new Map<string, number>();
  const stack: Array<[string, number]> = roots.reverse().map((task) => [task, 0]);
  while (stack.length > 0) {
    const [task, depth] = stack.pop()!;
    if (rowOf.has(task)) continue; // a cycle of parent_task_id would otherwise loop
    rowOf.set(task, rows.length);
    const title = titles.get(task);
    rows.push({ key: task, label: title ? `${title} (${task})` : task, kind: 'task', depth, events: 0 });
    const below = children.get(task);
    if (below) for (let i = below.length - 1; i >= 0; i--) stack.push([below[i]!, depth + 1]);
  }
  // Tasks only reachable through a cycle.
  for (const task of order) {
    if (rowOf.has(task)) continue;
    rowOf.set(task, rows.length);
    rows.push({ key: task, label: task, kind: 'task', depth: 0, events: 0 });
  }
  return { rows, rowOf };
}

/**
 * Lays out a waterfall: one row per task (subtasks nested) or per agent, the events as marks, and
 * each task's intervals as bars: open (created, not yet claimed), claimed (a claim until the next
 * block or completion), blocked (until the next claim or completion), complete (from completion to
 * the end of the trace) and run (run.start to its run.end). The subject task's tree comes first.
 * With rows per agent, a task's claimed,
 * blocked and complete bars go on the row of the agent holding it.
 */
export function layoutWaterfall(events: readonly LaidOutEvent[], ts: Float64Array, grouping: Grouping, subjectTask: string | null = null): WaterfallLayout {
  const n = events.length;
  let minTs = Infinity;
  let maxTs = -Infinity;
  for (let i = 0; i < n; i++) {
    const t = ts[i]!;
    if (t < minTs) minTs = t;
    if (t > maxTs) maxTs = t;
  }
  if (n === 0) minTs = maxTs = Date.now();

  const { taskOf, parentTask, titles, order } = assignTasks(events);
  let rows: WaterfallRow[];
  const eventRow = new Int32Array(n);
  const agentRow = new Map<string, number>();
  const rowOfAgent = (agent: string | null): number => {
    const key = agent ?? '';
    let row = agentRow.get(key);
    if (row === undefined) {
      row = rows.length;
      agentRow.set(key, row);
      rows.push({ key, label: agent ?? '(no agent)', kind: agent === null ? 'other' : 'agent', depth: 0, events: 0 });
    }
    return row;
  };
  let rowOfTask: Map<string, number> | null = null;
  if (grouping === 'task') {
    const built = taskRows(order, parentTask, titles, subjectTask);
    rows = built.rows;
    rowOfTask = built.rowOf;
    let otherRow = -1;
    for (let i = 0; i < n; i++) {
      const task = taskOf[i]!;
      let row = task === OTHER_TASK ? -1 : (rowOfTask.get(task) ?? -1);
      if (row < 0) {
        if (otherRow < 0) {
          otherRow = rows.length;
          rows.push({ key: '', label: '(no task)', kind: 'other', depth: 0, events: 0 });
        }
        row = otherRow;
      }
      eventRow[i] = row;
    }
  } else {
    rows = [];
    for (let i = 0; i < n; i++) eventRow[i] = rowOfAgent(events[i]!.agent_id);
  }

  // Marks by (row, ts): a counting sort by row keeps each row in the events' time order.
  const rowCount = rows.length;
  const rowStart = new Int32Array(rowCount + 1);
  for (let i = 0; i < n; i++) rowStart[eventRow[i]! + 1]! += 1;
  for (let r = 0; r < rowCount; r++) {
    rows[r]!.events = rowStart[r + 1]!;
    rowStart[r + 1]! += rowStart[r]!;
  }
  const fill = rowStart.slice(0, rowCount);
  const markTs = new Float64Array(n);
  const markEvent = new Int32Array(n);
  const markPrimitive = new Uint8Array(n);
  const eventMark = new Int32Array(n);
  const primitives: string[] = [];
  const primitiveIndex = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const event = events[i]!;
    let p = primitiveIndex.get(event.primitive);
    if (p === undefined) {
      p = Math.min(primitives.length, 255);
      primitiveIndex.set(event.primitive, p);
      if (primitives.length < 256) primitives.push(event.primitive);
    }
    const at = fill[eventRow[i]!]!++;
    markTs[at] = ts[i]!;
    markEvent[at] = i;
    markPrimitive[at] = p;
    eventMark[i] = at;
  }

  // Bars from each task's ops and run events, in time order.
  const starts: number[] = [];
  const ends: number[] = [];
  const barRows: number[] = [];
  const states: number[] = [];
  interface Open { state: number; start: number; row: number }
  const openBar = new Map<string, Open>();
  const holder = new Map<string, string | null>();
  const runStart = new Map<string, { start: number; row: number }>();
  const close = (task: string, at: number): void => {
    const open = openBar.get(task);
    if (!open) return;
    openBar.delete(task);
    if (open.row < 0) return;
    starts.push(open.start);
    ends.push(Math.max(at, open.start));
    barRows.push(open.row);
    states.push(open.state);
  };
  const barRow = (task: string, agent: string | null): number => {
    if (rowOfTask) return rowOfTask.get(task) ?? -1;
    return agent === null ? -1 : rowOfAgent(agent);
  };
  for (let i = 0; i < n; i++) {
    const event = events[i]!;
    const task = event.target_id;
    if (task === null) continue;
    const at = ts[i]!;
    if (event.primitive === 'run') {
      const span = text(event.metadata.span_id) ?? (event.type === 'start' ? event.id : null);
      if (span === null) continue;
      if (event.type === 'start') runStart.set(span, { start: at, row: rowOfTask ? (rowOfTask.get(task) ?? -1) : rowOfAgent(event.agent_id) });
      else if (event.type === 'end') {
        const started = runStart.get(span);
        if (started && started.row >= 0) {
          starts.push(started.start); ends.push(Math.max(at, started.start)); barRows.push(started.row); states.push(4);
        }
        runStart.delete(span);
      }
      continue;
    }
    if (event.primitive !== 'ops') continue;
    switch (event.type) {
      case 'create_task':
        if (!openBar.has(task) && !holder.has(task) && rowOfTask) openBar.set(task, { state: 0, start: at, row: barRow(task, null) });
        holder.set(task, holder.get(task) ?? null);
        break;
      case 'claim_task':
        close(task, at);
        holder.set(task, event.agent_id);
        openBar.set(task, { state: 1, start: at, row: barRow(task, event.agent_id) });
        break;
      case 'block_task':
        close(task, at);
        openBar.set(task, { state: 2, start: at, row: barRow(task, holder.get(task) ?? event.agent_id) });
        break;
      case 'complete_task':
        close(task, at);
        openBar.set(task, { state: 3, start: at, row: barRow(task, holder.get(task) ?? event.agent_id) });
        break;
    }
  }
  for (const task of [...openBar.keys()]) close(task, maxTs);
  for (const { start, row } of runStart.values()) {
    if (row >= 0) { starts.push(start); ends.push(maxTs); barRows.push(row); states.push(4); }
  }
  // Agent rows created for bars after the marks were sorted hold no marks.
  const finalStart = new Int32Array(rows.length + 1);
  finalStart.set(rowStart);
  for (let r = rowCount + 1; r <= rows.length; r++) finalStart[r] = n;
  return {
    grouping, rows, primitives, markTs, markEvent, markPrimitive, rowStart: finalStart, eventMark,
    barStart: Float64Array.from(starts), barEnd: Float64Array.from(ends), barRow: Int32Array.from(barRows), barState: Uint8Array.from(states),
    minTs, maxTs,
  };
}
