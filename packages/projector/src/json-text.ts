/**
 * JSON text of a value, as JSON.stringify(value, null, space) writes it; a value nested deeper than
 * JSON.stringify's recursion can go (the causality tree of a chain of thousands of events is
 * thousands of levels deep) is written by an explicit stack instead, compact whatever `space`
 * says: indentation grows with the square of the depth, and would be most of such an answer.
 */
export function jsonText(value: unknown, space?: number): string {
  try {
    return JSON.stringify(value, null, space);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    return deepJsonText(value);
  }
}

/** A container being written: its entries left, and whether one was written yet. */
type Frame =
  | { kind: 'array'; items: readonly unknown[]; next: number }
  | { kind: 'object'; holder: Record<string, unknown>; keys: string[]; next: number; wrote: boolean };

/** JSON.stringify's compact output, with no recursion: the same toJSON calls, skipped members and nulls. */
function deepJsonText(root: unknown): string {
  const parts: string[] = [];
  const stack: Frame[] = [];
  /** Writes a leaf, or opens a container; false for what JSON.stringify leaves out of an object. */
  const write = (raw: unknown, key: string): boolean => {
    const value = typeof (raw as { toJSON?: unknown } | null)?.toJSON === 'function' ? (raw as { toJSON(key: string): unknown }).toJSON(key) : raw;
    if (value === undefined || typeof value === 'function' || typeof value === 'symbol') return false;
    if (value === null || typeof value !== 'object') {
      parts.push(JSON.stringify(value));
      return true;
    }
    if (Array.isArray(value)) {
      parts.push('[');
      stack.push({ kind: 'array', items: value, next: 0 });
    } else {
      parts.push('{');
      stack.push({ kind: 'object', holder: value as Record<string, unknown>, keys: Object.keys(value), next: 0, wrote: false });
    }
    return true;
  };
  // The root is a container: JSON.stringify overflows on nothing else.
  write(root, '');
  while (stack.length > 0) {
    const frame = stack[stack.length - 1]!;
    if (frame.kind === 'array') {
      if (frame.next === frame.items.length) {
        parts.push(']');
        stack.pop();
        continue;
      }
      const index = frame.next++;
      if (index > 0) parts.push(',');
      if (!write(frame.items[index], String(index))) parts.push('null');
      continue;
    }
    if (frame.next === frame.keys.length) {
      parts.push('}');
      stack.pop();
      continue;
    }
    const key = frame.keys[frame.next++]!;
    const member = frame.holder[key];
    const at = parts.length;
    parts.push(frame.wrote ? ',' : '', JSON.stringify(key), ':');
    if (write(member, key)) frame.wrote = true;
    else parts.length = at;
  }
  return parts.join('');
}
