import type { CatalogPrimitiveListing } from '@tracekernel/schema';
import type { Palette } from './palette.js';

/**
 * ```
 * ops: Tasks: creation, claims, blocks, completion; the target is the task. (target: task)
 *   create_task   target required; metadata: title (required), parent_task_id
 *                 {target} ({meta.title}) created by {agent}[, subtask of {meta.parent_task_id}]
 * ```
 */
export function catalogText(primitives: readonly CatalogPrimitiveListing[], colours: Palette): string[] {
  const lines: string[] = [];
  for (const [index, primitive] of primitives.entries()) {
    if (index > 0) lines.push('');
    const target = primitive.target === null ? '' : colours.dim(` (target: ${primitive.target})`);
    lines.push(`${colours.primitive(primitive.primitive, colours.bold(primitive.primitive))}: ${primitive.summary}${target}`);
    const width = Math.max(0, ...primitive.types.map((type) => type.type.length)) + 2;
    for (const type of primitive.types) {
      const fields = [...type.required_metadata.map((field) => `${field} (required)`), ...type.optional_metadata];
      const facts = [type.requires_target ? 'target required' : '', fields.length > 0 ? `metadata: ${fields.join(', ')}` : 'no metadata fields'].filter(Boolean);
      lines.push(`  ${type.type.padEnd(width)}${type.summary} ${colours.dim(`[${facts.join('; ')}]`)}`);
      lines.push(`  ${' '.repeat(width)}${colours.dim(type.description)}`);
    }
  }
  return lines;
}
