import { isFullEvent, type CausalityNodeJson, type CausalityResponse } from './contract.js';
import { toStringTable, type StringTable } from './string-table.js';

/** Node flags (bits of `nodeFlags`). */
export const NODE_FOCUS = 1;
export const NODE_PRIVATE = 2;
/** A placeholder for a parent or cause that is not in the store. */
export const NODE_MISSING = 4;
/** A placeholder for a parent or cause that retention pruned. */
export const NODE_PRUNED = 8;
/** A cause that is stored but outside this tree (the tree is one event's chain and subtree). */
export const NODE_OUTSIDE = 16;
/** A cause placeholder squeezed in beside the node it points into: drawn small. */
export const NODE_COMPACT = 32;

/** Edge kinds (values of `edgeKind`). */
export const EDGE_DECLARED = 0;
/** A further cause (`causes`, fan-in): an extra edge into the one node, never a copied subtree. */
export const EDGE_CAUSE = 1;
export const EDGE_INFERRED = 2;
/** Into a missing or pruned placeholder. */
export const EDGE_ABSENT = 3;

export interface GraphLayout {
  focus: string;
  ids: StringTable;
  labels: StringTable;
  primitives: string[];
  nodePrimitive: Uint8Array;
  nodeFlags: Uint8Array;
  /** Column (causal depth) and row of each node, in layout units. */
  nodeX: Float32Array;
  nodeY: Float32Array;
  edgeFrom: Int32Array;
  edgeTo: Int32Array;
  edgeKind: Uint8Array;
  columns: number;
  rows: number;
}

/**
 * Lays the causality tree out left to right: a node's column is its depth, and each leaf gets a
 * row of its own, with a parent on the row of its first child (so a chain is one straight line).
 * Linear in the nodes, and iterative: a 10,000-deep chain does not overflow the stack.
 */
export function layoutGraph(response: CausalityResponse): GraphLayout {
  const ids: string[] = [];
  const labels: string[] = [];
  const primitiveList: string[] = [];
  const primitiveIndex = new Map<string, number>();
  const prims: number[] = [];
  const flags: number[] = [];
  const xs: number[] = [];
  const ys: number[] = [];
  const from: number[] = [];
  const to: number[] = [];
  const kinds: number[] = [];
  const indexOf = new Map<string, number>();
  const primitive = (name: string): number => {
    let p = primitiveIndex.get(name);
    if (p === undefined) {
      p = Math.min(primitiveList.length, 255);
      primitiveIndex.set(name, p);
      if (primitiveList.length < 256) primitiveList.push(name);
    }
    return p;
  };
  const addNode = (id: string, label: string, prim: number, flag: number, x: number, y: number): number => {
    const index = ids.length;
    ids.push(id); labels.push(label); prims.push(prim); flags.push(flag); xs.push(x); ys.push(y);
    return index;
  };
  const edge = (a: number, b: number, kind: number): void => {
    from.push(a); to.push(b); kinds.push(kind);
  };

  const root = response.root;
  const rootOffset = root.missing_parent || root.pruned_parent ? 1 : 0;
  // Pass 1: place the tree (pre-order; a leaf takes the next row; a parent sits on its first child's row).
  let nextRow = 0;
  const placed: Array<{ node: CausalityNodeJson; index: number }> = [];
  const stack: Array<{ node: CausalityNodeJson; depth: number; parent: number }> = [{ node: root, depth: rootOffset, parent: -1 }];
  let maxColumn = 0;
  while (stack.length > 0) {
    const { node, depth, parent } = stack.pop()!;
    const event = node.event;
    let label: string;
    let prim: number;
    let flag = 0;
    if (isFullEvent(event)) {
      label = `${event.primitive}.${event.type}${event.agent_id ? ` ${event.agent_id}` : ''}${event.target_id ? ` → ${event.target_id}` : ''}`;
      prim = primitive(event.primitive);
    } else {
      label = '[private event]';
      prim = primitive('private');
      flag |= NODE_PRIVATE;
    }
    if (event.id === response.focus) flag |= NODE_FOCUS;
    // A parent's row is its first child's row, which is the next row when it is visited.
    const index = addNode(event.id, label, prim, flag, depth, nextRow);
    if (!indexOf.has(event.id)) indexOf.set(event.id, index);
    if (depth > maxColumn) maxColumn = depth;
    if (parent >= 0) edge(parent, index, node.inferred ? EDGE_INFERRED : EDGE_DECLARED);
    placed.push({ node, index });
    if (node.children.length === 0) nextRow += 1;
    for (let i = node.children.length - 1; i >= 0; i--) stack.push({ node: node.children[i]!, depth: depth + 1, parent: index });
  }
  // Pass 2: the root's absent parent, then every further cause as an extra edge into its node.
  if (rootOffset === 1) {
    const id = (root.pruned_parent ?? root.missing_parent)!;
    const pruned = root.pruned_parent != null;
    const absent = addNode(id, `${pruned ? 'pruned' : 'missing'} parent ${id.slice(0, 8)}`, primitive('absent'), pruned ? NODE_PRUNED : NODE_MISSING, 0, ys[0]!);
    edge(absent, 0, EDGE_ABSENT);
  }
  for (const { node, index } of placed) {
    const pruned = new Set(node.pruned_links ?? []);
    let offset = 0;
    for (const link of node.links) {
      let source = indexOf.get(link);
      if (source === undefined) {
        offset += 0.5;
        const flag = pruned.has(link) ? NODE_PRUNED : NODE_OUTSIDE;
        source = addNode(link, `${flag === NODE_PRUNED ? 'pruned' : 'cause'} ${link.slice(0, 8)}`, primitive('absent'), flag | NODE_COMPACT, Math.max(0, xs[index]! - 0.45), ys[index]! - offset);
        indexOf.set(link, source);
      }
      edge(source, index, pruned.has(link) ? EDGE_ABSENT : EDGE_CAUSE);
    }
    for (const link of pruned) {
      if (node.links.includes(link)) continue;
      let source = indexOf.get(link);
      if (source === undefined) {
        offset += 0.5;
        source = addNode(link, `pruned ${link.slice(0, 8)}`, primitive('absent'), NODE_PRUNED | NODE_COMPACT, Math.max(0, xs[index]! - 0.45), ys[index]! - offset);
        indexOf.set(link, source);
      }
      edge(source, index, EDGE_ABSENT);
    }
  }
  return {
    focus: response.focus, ids: toStringTable(ids), labels: toStringTable(labels), primitives: primitiveList,
    nodePrimitive: Uint8Array.from(prims), nodeFlags: Uint8Array.from(flags),
    nodeX: Float32Array.from(xs), nodeY: Float32Array.from(ys),
    edgeFrom: Int32Array.from(from), edgeTo: Int32Array.from(to), edgeKind: Uint8Array.from(kinds),
    columns: maxColumn + 1, rows: Math.max(1, nextRow),
  };
}
