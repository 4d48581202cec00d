/**
 * The JSON contract of every read: `trace ... --json` prints it and `trace serve` answers with it,
 * so a script written against one works against the other. docs/cli.md describes it.
 */
import { toJsonEvent, type JsonEvent, type PrivateEventStub } from '@tracekernel/schema';
import type { StoreStats } from '@tracekernel/store';
import type { Causality } from './causality.js';
import type { CausalityNode } from './causality-tree.js';
import type { Timeline } from './timeline.js';

/** `trace <id> --json` and the filter forms. Every query key is present; times are ISO-8601 UTC. */
export interface TimelineJson {
  query: {
    task: string | null;
    agent: string | null;
    channel: string | null;
    primitives: string[] | null;
    since: string | null;
    until: string | null;
    limit: number | null;
  };
  events: JsonEvent[];
}

export interface CausalityNodeJson {
  /** A private event the reader did not ask to see is `{"id": ..., "private": true}` and nothing else. */
  event: JsonEvent | PrivateEventStub;
  children: CausalityNodeJson[];
  links: string[];
  missing_parent: string | null;
  /** Set instead of missing_parent when retention (trace prune) removed that parent. */
  pruned_parent: string | null;
  /** The ids of links that retention removed. */
  pruned_links: string[];
  /** How the node hangs under its parent when that cause was inferred (trace infer, trace import); null for a declared one. */
  inferred: { rule: string; confidence: number } | null;
}

export interface CausalityJson {
  focus: string;
  root: CausalityNodeJson;
  /** For a task: its events (and its subtasks') that no edge reaches from its creation; [] for an event. */
  unreached: JsonEvent[];
}

const isoOrNull = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

export function timelineJson(timeline: Timeline): TimelineJson {
  const { query } = timeline;
  return {
    query: {
      task: query.task ?? null,
      agent: query.agent ?? null,
      channel: query.channel ?? null,
      primitives: query.primitives ?? null,
      since: isoOrNull(query.since),
      until: isoOrNull(query.until),
      limit: query.limit ?? null,
    },
    events: timeline.entries.map((entry) => toJsonEvent(entry.event)),
  };
}

/** A node and everything under it, by an explicit stack: a chain of 100,000 events is that deep. */
function nodeJson(root: CausalityNode): CausalityNodeJson {
  const shallow = (node: CausalityNode): CausalityNodeJson => ({
    event: node.hidden ? { id: node.event.id, private: true } : toJsonEvent(node.event),
    children: [],
    links: node.links,
    missing_parent: node.missingParent,
    pruned_parent: node.prunedParent,
    pruned_links: node.prunedLinks,
    inferred: node.inferred,
  });
  const top = shallow(root);
  const stack: Array<[CausalityNode, CausalityNodeJson]> = [[root, top]];
  while (stack.length > 0) {
    const [node, json] = stack.pop()!;
    for (const child of node.children) {
      const childJson = shallow(child);
      json.children.push(childJson);
      stack.push([child, childJson]);
    }
  }
  return top;
}

export function causalityJson(causality: Causality): CausalityJson {
  return { focus: causality.focus, root: nodeJson(causality.root), unreached: causality.unreached.map((entry) => toJsonEvent(entry.event)) };
}

/** A spool file as `pendingSpools()` of the SDK reports it. */
export interface PendingSpoolFigures {
  path: string;
  events: number;
  bytes: number;
  refused: string | null;
}

/** `trace stats --json`. */
export interface StatsJson {
  path: string;
  bytes: number;
  schema_version: number;
  events: number;
  first_ts: string | null;
  last_ts: string | null;
  by_primitive: Array<{ primitive: string; count: number }>;
  by_type: Array<{ primitive: string; type: string; count: number }>;
  by_agent: Array<{ agent: string | null; count: number }>;
  /** Spool files that hold events for this store, not yet replayed; `refused` says why a replay will not take one. */
  pending_spools: Array<{ path: string; events: number; bytes: number; refused: string | null }>;
  /** Private events stored. Without --include-private they are in no other figure: only their number is told. */
  private_events: number;
  /** Whether the other figures count private events (--include-private). */
  private_included: boolean;
}

export function statsJson(path: string, stats: StoreStats, spools: readonly PendingSpoolFigures[] = [], privateIncluded = false): StatsJson {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    path,
    bytes: stats.bytes,
    schema_version: stats.schemaVersion,
    events: stats.events,
    first_ts: iso(stats.firstTs),
    last_ts: iso(stats.lastTs),
    by_primitive: stats.byPrimitive.map(({ primitive, count }) => ({ primitive, count })),
    by_type: stats.byType.map(({ primitive, type, count }) => ({ primitive, type, count })),
    by_agent: stats.byAgent.map(({ agent, count }) => ({ agent, count })),
    pending_spools: spools.map(({ path, events, bytes, refused }) => ({ path, events, bytes, refused })),
    private_events: stats.privateEvents,
    private_included: privateIncluded,
  };
}
