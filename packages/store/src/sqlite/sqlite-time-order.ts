import type { EventTuple } from './sqlite-database.js';

/**
 * Puts rows read in ts order (ascending, or descending when `desc`) in (ts, id) order, in place:
 * only runs of rows tied on ts are sorted. Ids are lower-case hex, which sorts as the stored blobs do.
 */
export function inTimeOrder(rows: EventTuple[], desc: boolean): void {
  const sign = desc ? -1 : 1;
  const byId = (a: EventTuple, b: EventTuple) => (a[1] < b[1] ? -sign : a[1] > b[1] ? sign : 0);
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
