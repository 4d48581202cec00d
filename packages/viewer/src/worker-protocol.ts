import type { CausalityResponse, TraceEventJson } from './contract.js';
import type { GraphLayout } from './graph-layout.js';
import type { StringTable } from './string-table.js';
import type { Grouping, WaterfallLayout } from './waterfall-layout.js';

/** What the page asks the layout worker. Every request carries a `seq` its answer repeats. */
export type WorkerRequest =
  | { op: 'load'; seq: number; url: string; headers: Record<string, string>; grouping: Grouping; subjectTask: string | null }
  | { op: 'regroup'; seq: number; grouping: Grouping }
  | { op: 'append'; seq: number; events: TraceEventJson[] }
  | { op: 'event'; seq: number; id: string }
  | { op: 'summaries'; seq: number; from: number; to: number }
  | { op: 'find'; seq: number; prefix: string; limit: number }
  | { op: 'causality'; seq: number; url: string; headers: Record<string, string> };

/** Where a load's time went, in the worker (ms, performance.now() of the worker). */
export interface LoadTimings {
  /** From the request to the response's headers: the server's work. */
  serverMs: number;
  /** Reading and parsing the body (its lines are parsed as they arrive). */
  bodyMs: number;
  layoutMs: number;
  bytes: number;
  /** Page clock: when the page asked, and when the answer arrived. */
  askedAt?: number;
  /** Epoch ms: when the worker began the request, and when it posted the layout. */
  startEpoch: number;
  postEpoch: number;
  answeredAt?: number;
}

export interface Neighbour {
  id: string;
  index: number;
  summary: string;
}

export interface EventDetail {
  event: TraceEventJson;
  /** Its index in the waterfall's events; -1 for an event only in the causality graph. */
  index: number;
  parent: Neighbour | null;
  causes: Neighbour[];
  effects: Neighbour[];
  previousInRow: Neighbour | null;
  nextInRow: Neighbour | null;
}

export type WorkerAnswer =
  | { op: 'waterfall'; seq: number; layout: WaterfallLayout; ids: StringTable; total: number; timings: LoadTimings | null; cursor?: string | null }
  | { op: 'event'; seq: number; detail: EventDetail | null }
  | { op: 'summaries'; seq: number; from: number; lines: string[] }
  | { op: 'find'; seq: number; matches: Neighbour[] }
  | { op: 'graph'; seq: number; layout: GraphLayout }
  | { op: 'error'; seq: number; code: string; message: string };

export type { CausalityResponse };
