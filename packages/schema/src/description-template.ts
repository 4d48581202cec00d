import type { TraceEvent } from './envelope.js';

/**
 * A one-line description of an event for timelines, e.g. `{target} claimed by {agent}`.
 * Placeholders: {agent}, {target}, {session}, {primitive}, {type} and {meta.FIELD}.
 * A part in [brackets] is kept only when every placeholder inside it has a value,
 * so optional metadata reads naturally: `{target} claimed by {agent}[ (attempt {meta.attempt})]`.
 */
export type DescriptionTemplate = string;

type Part = { text: string } | { field: string } | { optional: Part[] };

function parse(template: string): Part[] {
  const parts: Part[] = [];
  const stack: Part[][] = [parts];
  let text = '';
  const flush = () => {
    if (text) stack[stack.length - 1]!.push({ text });
    text = '';
  };
  for (let i = 0; i < template.length; i++) {
    const ch = template[i]!;
    if (ch === '{') {
      const end = template.indexOf('}', i);
      if (end < 0) throw new Error(`unclosed { in description template "${template}"`);
      flush();
      stack[stack.length - 1]!.push({ field: template.slice(i + 1, end) });
      i = end;
    } else if (ch === '[') {
      flush();
      const optional: Part[] = [];
      stack[stack.length - 1]!.push({ optional });
      stack.push(optional);
    } else if (ch === ']' && stack.length > 1) {
      flush();
      stack.pop();
    } else {
      text += ch;
    }
  }
  flush();
  return parts;
}

function valueOf(event: TraceEvent, field: string): string | undefined {
  let value: unknown;
  if (field === 'agent') value = event.agent_id;
  else if (field === 'target') value = event.target_id;
  else if (field === 'session') value = event.session_id;
  else if (field === 'primitive') value = event.primitive;
  else if (field === 'type') value = event.type;
  else if (field.startsWith('meta.')) value = event.metadata[field.slice(5)];
  if (value === undefined || value === null || value === '') return undefined;
  const text = Array.isArray(value) ? value.join(', ') : typeof value === 'object' ? JSON.stringify(value) : String(value);
  // Whole values, on one line: the CLI fits the finished line to the terminal's width (or prints it
  // whole into a pipe or with --wide), so cutting each value here would only lose text.
  return text.replace(/\s+/g, ' ').trim();
}

function render(parts: Part[], event: TraceEvent): string | undefined {
  let out = '';
  for (const part of parts) {
    if ('text' in part) out += part.text;
    else if ('field' in part) {
      const value = valueOf(event, part.field);
      if (value === undefined) return undefined;
      out += value;
    } else out += render(part.optional, event) ?? '';
  }
  return out;
}

/** Compiles a template once; the returned function renders an event, with `?` for missing required values. */
export function compileDescription(template: DescriptionTemplate): (event: TraceEvent) => string {
  const parts = parse(template);
  const lenient = parts.map((part) => ('field' in part ? { optional: [part] } : part));
  return (event) => render(parts, event) ?? render(lenient, event)!.trim();
}
