// CPU time the virtual machine's host took from this machine ("steal" in /proc/stat): on a shared
// host it comes and goes, and a run that lost a good share of its CPU says nothing about the code.
import { readFileSync } from 'node:fs';

/** The machine's CPU ticks so far: all of them, and those stolen; null where /proc/stat is not. */
export function cpuTicks() {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/).slice(1).map(Number);
    return { total: fields.reduce((sum, ticks) => sum + ticks, 0), steal: fields[7] ?? 0 };
  } catch {
    return null;
  }
}

/** The share of the CPU time between two readings that the host took, in percent (null if unknown). */
export function stealPercent(from, to) {
  if (from === null || to === null || to.total === from.total) return null;
  return Math.round((1000 * (to.steal - from.steal)) / (to.total - from.total)) / 10;
}
