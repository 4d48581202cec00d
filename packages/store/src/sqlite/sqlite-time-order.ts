import type { EventTuple, ParsedEventTuple } from './sqlite-database.js';

type Row = EventTuple | ParsedEventTuple;

/**
 * Puts rows read in ts order (ascending, or descending when `desc`) in (ts, id) order, in place:
 * only runs of rows tied on ts are sorted. Ids are hex from SQLite's hex() (upper case), which sorts
 * as the stored blobs do.
 */
export function inTimeOrder(rows: Row[], desc: boolean): void {
  const sign = desc ? -1 : 1;
  const byId = (a: Row, b: Row) => (a[1] < b[1] ? -sign : a[1] > b[1] ? sign : 0);
  for (let start = 0; start < rows.length; ) {
    let end = start + 1;
    while (end < rows.length && rows[end]![2] === rows[start]![2]) end++;
    if (end - start > 1) {
      const run = rows.slice(start, end).sort(byId);
      for (let i = 0; i < run.length; i++) rows[start + i] = run[i]!;
    }
    start = end;
  }
}
