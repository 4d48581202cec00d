import { hostname } from 'node:os';
import type { RunRunner } from '@tracekernel/schema';

/** Tells whether a run's runner process still exists: true, false, or undefined when it cannot tell. */
export type RunnerLiveness = (runner: RunRunner) => boolean | undefined;

/**
 * The default liveness check: only a runner on this host can be checked, by sending signal 0 to its
 * pid. EPERM means the process exists but belongs to another user. A reused pid makes a dead run look
 * alive (it then stays `running`), never the other way round.
 */
export const processLiveness: RunnerLiveness = (runner) => {
  if (runner.pid === null || runner.host === null || runner.host !== hostname()) return undefined;
  if (runner.pid === process.pid) return true;
  try {
    process.kill(runner.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};
