import type { TraceEvent } from './envelope.js';

/**
 * A one-line description of an event for timelines, e.g. `{target} claimed by {agent}`.
 * Placeholders: {agent}, {target}, {session}, {primitive}, {type} and {meta.FIELD}.
 * A part in [brackets] is kept only when every placeholder inside it has a value,
 * so optional metadata reads naturally: `{target} claimed by {agent}[ (attempt {meta.attempt})]`.
 * `{meta.count|message}` is a count with its noun, `1 message` or `3 messages`. A value between
 * double quotes in the template has its own double quotes escaped (`"say \"hi\""`).
 */
export type DescriptionTemplate = string;

type Part = { text: string } | { field: string; noun?: string; quoted?: boolean } | { optional: Part[] };

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
      const [field, noun] = template.slice(i + 1, end).split('|', 2) as [string, string | undefined];
      stack[stack.length - 1]!.push(noun === undefined ? { field } : { field, noun });
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
  markQuoted(parts);
  return parts;
}

/** Marks the fields written between double quotes, whose values then escape their own quotes. */
function markQuoted(parts: Part[]): void {
  parts.forEach((part, i) => {
    if ('optional' in part) markQuoted(part.optional);
    if (!('field' in part)) return;
    const before = parts[i - 1];
    const after = parts[i + 1];
    if (before && 'text' in before && before.text.endsWith('"') && after && 'text' in after && after.text.startsWith('"')) part.quoted = true;
  });
}

/** What a missing required value reads as: "created by (no agent)", never "created by ". */
const MISSING: Record<string, string> = { agent: '(no agent)', target: '(no target)' };

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

function render(parts: Part[], event: TraceEvent, lenient = false): string | undefined {
  let out = '';
  for (const part of parts) {
    if ('text' in part) out += part.text;
    else if ('field' in part) {
      const value = valueOf(event, part.field);
      if (value === undefined && !lenient) return undefined;
      if (value === undefined) out += MISSING[part.field] ?? '?';
      else if (part.noun !== undefined) out += `${value} ${part.noun}${value === '1' ? '' : 's'}`;
      else out += part.quoted ? value.replaceAll('"', '\\"') : value;
    } else out += render(part.optional, event) ?? '';
  }
  return out;
}

/** The one way a template can be malformed, checked when it is registered: a `{` with no `}` after it. */
function checkBraces(template: string): void {
  for (let open = template.indexOf('{'); open >= 0; open = template.indexOf('{', template.indexOf('}', open) + 1)) {
    if (template.indexOf('}', open) < 0) throw new Error(`unclosed { in description template "${template}"`);
  }
}

/**
 * Checks a template now and parses it on its first use; the returned function renders an event. A
 * required value that is missing reads `(no agent)`, `(no target)` or `?`. Parsing waits because
 * every catalog compiles all the built-in templates, and a command that describes no event (or a
 * few kinds) would otherwise parse them all on each start.
 */
export function compileDescription(template: DescriptionTemplate): (event: TraceEvent) => string {
  checkBraces(template);
  let parts: Part[] | undefined;
  return (event) => {
    parts ??= parse(template);
    return render(parts, event) ?? render(parts, event, true)!;
  };
}
