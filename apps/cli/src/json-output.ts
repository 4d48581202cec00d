import { toJsonEvent, type JsonEvent, type PrivateEventStub } from '@tracekernel/schema';
import type { Causality, CausalityNode, Timeline } from '@tracekernel/projector';

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
  /** How the node hangs under its parent when that cause was inferred (trace infer, trace import); null for a declared cause. */
  inferred: { rule: string; confidence: number } | null;
}

export interface CausalityJson {
  focus: string;
  root: CausalityNodeJson;
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

function nodeJson(node: CausalityNode): CausalityNodeJson {
  return {
    event: node.hidden ? { id: node.event.id, private: true } : toJsonEvent(node.event),
    children: node.children.map(nodeJson),
    links: node.links,
    missing_parent: node.missingParent,
    pruned_parent: node.prunedParent,
    pruned_links: node.prunedLinks,
    inferred: node.inferred,
  };
}

export function causalityJson(causality: Causality): CausalityJson {
  return { focus: causality.focus, root: nodeJson(causality.root) };
}
