import type { RunRecord, RunStatus } from '@tracekernel/schema';
import type { TraceStore } from '@tracekernel/store';
import { foldRuns, type RunProblem } from './fold-runs.js';
import { processLiveness, type RunnerLiveness } from './runner-liveness.js';

export interface RunQuery {
  /** task_id (the target of the run events). */
  task?: string;
  task_slug?: string;
  status?: RunStatus;
  /** Runs started at or after, epoch ms. */
  since?: number;
  limit?: number;
}

export interface RunList {
  /** Newest first: by started_at_ts, then span_id. */
  runs: RunRecord[];
  /** Runs that could not be read (e.g. a newer, incompatible schema_version); the rest are still listed. */
  problems: RunProblem[];
}

export interface RunReadOptions {
  /** Decides `abandoned`; defaults to checking the runner's pid on this host. */
  liveness?: RunnerLiveness;
  /** Reads private run events too; without it a run whose events are private is not shown. */
  includePrivate?: boolean;
}

export function newestFirst(a: RunRecord, b: RunRecord): number {
  if (a.started_at_ts !== b.started_at_ts) return b.started_at_ts - a.started_at_ts;
  return a.span_id < b.span_id ? 1 : a.span_id > b.span_id ? -1 : 0;
}

/** Run records matching every filter given, newest first. */
export async function listRuns(store: TraceStore, query: RunQuery = {}, options: RunReadOptions = {}): Promise<RunList> {
  const events = await store.query({
    kinds: ['run'],
    ...(query.task === undefined ? {} : { targets: [query.task] }),
    ...(query.since === undefined ? {} : { since: query.since }),
    ...(options.includePrivate === true ? { includePrivate: true } : {}),
  });
  const folded = foldRuns(events, { liveness: options.liveness ?? processLiveness });
  let runs = folded.runs.map((run) => run.record);
  if (query.task !== undefined) runs = runs.filter((run) => run.task_id === query.task);
  if (query.task_slug !== undefined) runs = runs.filter((run) => run.task_slug === query.task_slug);
  if (query.status !== undefined) runs = runs.filter((run) => run.status === query.status);
  runs.sort(newestFirst);
  if (query.limit !== undefined) runs = runs.slice(0, query.limit);
  // With --since, an end whose start is older is not a problem, just out of the window.
  const problems = folded.problems.filter((problem) => query.since === undefined || !problem.message.includes('which has no start'));
  return { runs, problems };
}
