import type { Causality, CausalityNode } from '@tracekernel/projector';
import { shortEventId } from '@tracekernel/schema';
import { escapeControl } from './control-chars.js';
import type { Palette } from './palette.js';
import { timelineLine, type TimeOptions } from './timeline-text.js';

/** Levels of the tree drawn indented; deeper lines keep the last indentation and say their depth. */
const MAX_DRAWN_DEPTH = 40;

/** The id `trace` prints and takes back: the random start of the last group (a uuidv7's head is its time). */
export const shortId = (id: string): string => shortEventId(id);

/**
 * The causality tree in the design's shape:
 * ```
 * [root] 8f02aa01 bridge alice posted to #payments: "we need payments"
 *   └─> 1d7050d7 ops task-1 (Build payment system) created by zealot-1 (focus)
 *       ├─> 77c1e0b2 ops task-sub1 claimed by haiku-1
 *       │   └─> 0be3c94d ops task-sub1 completed by haiku-1
 *       └─> c2a9f310 ops task-sub2 claimed by haiku-2
 * ```
 * An inferred cause is drawn `┄>` and names its rule and confidence: `└┄> bridge … (inferred: reply 0.8)`.
 * A task's events that no edge reaches from its creation follow the tree, as timeline lines.
 */
export function causalityText(causality: Causality, colours: Palette, options: TimeOptions = {}): string[] {
  const lines = [colours.bold(escapeControl(causality.heading))];
  const label = (node: CausalityNode) => {
    const id = colours.dim(shortId(node.event.id));
    const focus = node.event.id === causality.focus;
    const focusMark = focus ? colours.bold(' (focus)') : '';
    const description = escapeControl(node.description);
    if (node.hidden) return `${id} ${colours.dim(description)}${focusMark}`;
    const mark = node.event.private === true ? colours.dim(' (private)') : '';
    const link = (linked: string) => (node.prunedLinks.includes(linked) ? `${shortId(linked)} [pruned]` : shortId(linked));
    const links = node.links.length === 0 ? '' : colours.dim(` (also caused by ${node.links.map(link).join(', ')})`);
    const inferred = !node.inferred ? '' : colours.dim(` (inferred: ${escapeControl(node.inferred.rule)} ${node.inferred.confidence})`);
    const text = `${colours.primitive(node.event.primitive, escapeControl(node.event.primitive))} ${description}`;
    return `${id} ${focus ? colours.bold(text) : text}${mark}${links}${inferred}${focusMark}`;
  };
  // Depth-first by an explicit stack (a chain of 100,000 events is that deep). Past MAX_DRAWN_DEPTH
  // levels the indentation stops growing, and each line names its depth instead.
  const walk = (top: CausalityNode, topPrefix: string) => {
    const stack: Array<{ node: CausalityNode; prefix: string; depth: number; last: boolean }> = [];
    const pushChildren = (node: CausalityNode, prefix: string, depth: number) => {
      for (let index = node.children.length - 1; index >= 0; index--) stack.push({ node: node.children[index]!, prefix, depth, last: index === node.children.length - 1 });
    };
    pushChildren(top, topPrefix, 1);
    while (stack.length > 0) {
      const { node, prefix, depth, last } = stack.pop()!;
      const arrow = node.inferred ? '┄> ' : '─> ';
      const deep = depth > MAX_DRAWN_DEPTH ? `${colours.dim(`[depth ${depth}]`)} ` : '';
      lines.push(`${prefix}${last ? '└' : '├'}${arrow}${deep}${label(node)}`);
      pushChildren(node, depth >= MAX_DRAWN_DEPTH ? prefix : prefix + (last ? '    ' : '│   '), depth + 1);
    }
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
  if (causality.unreached.length > 0) {
    lines.push('', colours.bold("Not caused by the task's creation:"));
    for (const entry of causality.unreached) lines.push(timelineLine(entry, colours, options));
  }
  return lines;
}
