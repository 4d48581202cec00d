import { describe, expect, it } from 'vitest';
import type { TraceEvent } from '@tracekernel/schema';
import type { InferredEdge } from '@tracekernel/store';
import { buildCausalityTree, type CausalityNode, type CausalityTreeOptions } from '@tracekernel/projector';
import { referenceCausalityTree } from './causality-tree-reference.js';

/** mulberry32: a failing seed replays the same case. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Case {
  chain: TraceEvent[];
  descendants: TraceEvent[];
  focusId: string;
  options: CausalityTreeOptions;
}

/**
 * A random tree as the store's reads give it: a chain down to the focus and what it caused, with
 * fan-in, causes and parents outside the tree (missing or pruned), parents recorded after their
 * children (cycles), inferred parents, private events, and descendants sorted or not, repeated or not.
 */
function randomCase(seed: number): Case {
  const next = random(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const size = 1 + Math.floor(next() * 40);
  // Few distinct times, so that (ts, id) ties on ts are common.
  const ids = Array.from({ length: size }, (_, i) => `e${String(Math.floor(next() * 8)).padStart(2, '0')}-${String(i).padStart(3, '0')}`);
  const ts = (id: string) => Number(id.slice(1, 3));
  const outside = ['x-missing-1', 'x-missing-2', 'x-pruned-1', 'x-pruned-2'];
  const chainLength = 1 + Math.floor(next() * Math.min(4, size));
  const event = (id: string, parent: string | null, causes: string[]): TraceEvent => {
    const e: TraceEvent = {
      id, ts: ts(id), primitive: 'bridge', type: 'send', agent_id: 'a', target_id: 'c', session_id: null,
      parent_event_id: parent, causes, idempotency_key: null, schema_version: 1, metadata: { n: id },
    };
    if (next() < 0.15) e.private = true;
    return e;
  };
  const chain: TraceEvent[] = [];
  for (let i = 0; i < chainLength; i++) {
    const parent = i > 0 ? ids[i - 1]! : next() < 0.5 ? null : pick(outside);
    chain.push(event(ids[i]!, parent, next() < 0.2 ? [pick([...ids, ...outside])] : []));
  }
  const focusId = ids[chainLength - 1]!;
  const descendants: TraceEvent[] = [];
  for (let i = chainLength; i < size; i++) {
    const roll = next();
    // Mostly an earlier event; sometimes a later one (a late parent), one outside the tree, or none.
    const parent = roll < 0.6 ? ids[chainLength - 1 + Math.floor(next() * (i - chainLength + 1))]! : roll < 0.8 ? pick(ids) : roll < 0.9 ? pick(outside) : null;
    const causes = next() < 0.3 ? Array.from({ length: 1 + Math.floor(next() * 3) }, () => pick([...ids, ...outside])) : [];
    descendants.push(event(ids[i]!, parent, causes));
  }
  // A cycle through a late parent can bring chain events back among the descendants.
  if (next() < 0.2) descendants.push(pick(chain));
  if (next() < 0.3 && descendants.length > 0) descendants.push(pick(descendants));
  if (next() < 0.5) descendants.sort((a, b) => a.ts - b.ts || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  else for (let i = descendants.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [descendants[i], descendants[j]] = [descendants[j]!, descendants[i]!];
  }
  const inferredParents = new Map<string, InferredEdge>();
  for (const id of ids) {
    if (next() < 0.2) inferredParents.set(id, { event_id: id, parent_id: pick([...ids, ...outside]), rule: 'reply', confidence: 0.5 });
  }
  const pruned = new Set(next() < 0.7 ? ['x-pruned-1', 'x-pruned-2'] : []);
  return { chain, descendants, focusId, options: { includePrivate: next() < 0.3, pruned, inferredParents } };
}

/** Everything a reader sees of a node, as plain data. */
function plain(node: CausalityNode): unknown {
  return {
    event: node.event, description: node.description, links: node.links, missingParent: node.missingParent, prunedParent: node.prunedParent,
    prunedLinks: node.prunedLinks, hidden: node.hidden, inferred: node.inferred, children: node.children.map(plain),
  };
}

describe('buildCausalityTree against the reference build', () => {
  it('gives the same tree on 2,000 random cases', () => {
    const describeEvent = (event: TraceEvent) => `${event.type} ${String(event.metadata.n)}`;
    for (let seed = 1; seed <= 2_000; seed++) {
      const { chain, descendants, focusId, options } = randomCase(seed);
      const expected = plain(referenceCausalityTree(chain, descendants, focusId, describeEvent, options));
      const actual = plain(buildCausalityTree(chain, descendants, focusId, describeEvent, options));
      if (JSON.stringify(actual) !== JSON.stringify(expected)) expect({ seed, tree: actual }).toEqual({ seed, tree: expected });
    }
  });

  it('does not change its input', () => {
    const { chain, descendants, focusId, options } = randomCase(7);
    const before = JSON.stringify([chain, descendants]);
    buildCausalityTree(chain, descendants, focusId, undefined, options);
    expect(JSON.stringify([chain, descendants])).toBe(before);
  });
});
