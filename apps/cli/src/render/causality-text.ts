import type { Causality, CausalityNode } from '@tracekernel/projector';
import type { Palette } from './palette.js';

/** Ids in links are shortened to their random tail: a uuidv7's head is its time, shared by neighbours. */
export function shortId(id: string): string {
  return id.slice(-8);
}

/**
 * The causality tree in the design's shape:
 * ```
 * [root] bridge alice posted to #payments: "we need payments"
 *   └─> ops task-1 (Build payment system) created by zealot-1
 *       ├─> ops task-sub1 claimed by haiku-1
 *       │   └─> ops task-sub1 completed by haiku-1
 *       └─> ops task-sub2 claimed by haiku-2
 * ```
 * An inferred cause is drawn `┄>` and names its rule and confidence: `└┄> bridge … (inferred: reply 0.8)`.
 */
export function causalityText(causality: Causality, colours: Palette): string[] {
  const lines = [colours.bold(causality.heading)];
  const label = (node: CausalityNode) => {
    if (node.hidden) return colours.dim(node.description);
    const mark = node.event.private === true ? colours.dim(' (private)') : '';
    const link = (id: string) => (node.prunedLinks.includes(id) ? `${shortId(id)} [pruned]` : shortId(id));
    const links = node.links.length === 0 ? '' : colours.dim(` (also caused by ${node.links.map(link).join(', ')})`);
    const inferred = !node.inferred ? '' : colours.dim(` (inferred: ${node.inferred.rule} ${node.inferred.confidence})`);
    return `${colours.primitive(node.event.primitive)} ${node.description}${mark}${links}${inferred}`;
  };
  const walk = (node: CausalityNode, prefix: string) => {
    node.children.forEach((child, index) => {
      const last = index === node.children.length - 1;
      const arrow = child.inferred ? '┄> ' : '─> ';
      lines.push(`${prefix}${last ? '└' : '├'}${arrow}${label(child)}`);
      walk(child, prefix + (last ? '    ' : '│   '));
    });
  };
  const { root } = causality;
  const absent = root.prunedParent !== null ? `pruned parent ${root.prunedParent}` : root.missingParent !== null ? `missing parent ${root.missingParent}` : null;
  if (absent !== null) {
    lines.push(`[root] ${colours.dim(`(${absent})`)}`);
    lines.push(`  └─> ${label(root)}`);
    walk(root, '      ');
  } else {
    lines.push(`[root] ${label(root)}`);
    walk(root, '  ');
  }
  return lines;
}
