/**
 * Many strings as one: the text and where each string starts. A worker hands 100,000 ids or labels
 * to the page as one string and one typed array, which cost a copy to clone; an array of 100,000
 * strings costs 100,000 allocations on the page's main thread.
 */
export interface StringTable {
  text: string;
  /** offsets[i] .. offsets[i + 1] is string i; one more entry than strings. */
  offsets: Int32Array;
}

export function toStringTable(strings: readonly string[]): StringTable {
  const offsets = new Int32Array(strings.length + 1);
  let at = 0;
  for (let i = 0; i < strings.length; i++) {
    offsets[i] = at;
    at += strings[i]!.length;
  }
  offsets[strings.length] = at;
  return { text: strings.join(''), offsets };
}

export function tableSize(table: StringTable): number {
  return table.offsets.length - 1;
}

export function stringAt(table: StringTable, index: number): string | undefined {
  if (index < 0 || index >= table.offsets.length - 1) return undefined;
  return table.text.slice(table.offsets[index]!, table.offsets[index + 1]!);
}

/** The index of `value` in the table, or -1: a native substring search, checked against the boundaries. */
export function indexOfString(table: StringTable, value: string): number {
  if (value === '') return -1;
  for (let from = 0; ; ) {
    const at = table.text.indexOf(value, from);
    if (at < 0) return -1;
    let lo = 0;
    let hi = table.offsets.length - 2;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const start = table.offsets[mid]!;
      if (start === at) return table.offsets[mid + 1]! - at === value.length ? mid : -1;
      if (start < at) lo = mid + 1; else hi = mid - 1;
    }
    from = at + 1;
  }
}

export function tableToArray(table: StringTable): string[] {
  return Array.from({ length: tableSize(table) }, (_, i) => stringAt(table, i)!);
}
