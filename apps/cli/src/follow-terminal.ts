import { toJsonEvent } from '@tracekernel/schema';
import { followTimeline, type TimelineEntry, type TimelineQuery } from '@tracekernel/projector';
import type { TraceStore } from '@tracekernel/store';
import { escapeControl, escapeJsonControl } from './render/control-chars.js';
import { timelineLine } from './render/timeline-text.js';
import type { TerminalOutput } from './terminal-output.js';

export interface FollowTerminalOptions {
  /** One JSON event per line instead of the heading and timeline lines. */
  json: boolean;
  /** Text lines go here: fitted to a TTY's width, never paged. */
  output: TerminalOutput;
  /** Times in the machine's zone (`--local`). */
  local?: boolean;
  /** Poll interval; an event is printed within about this long of its commit (default 200 ms). */
  pollMs?: number;
}

/**
 * `trace --follow`: prints the backlog, then each matching event as it is committed, until SIGINT
 * or SIGTERM (or a closed stdout), and then returns so that the command ends with exit code 0.
 */
export async function followToTerminal(store: TraceStore, query: TimelineQuery, options: FollowTerminalOptions): Promise<void> {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  // `trace --follow | head` closes the pipe: that ends the follow too, quietly.
  const closed = (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') stop();
  };
  process.stdout.on('error', closed);
  const print = (entry: TimelineEntry) => {
    if (controller.signal.aborted) return;
    if (options.json) process.stdout.write(`${escapeJsonControl(JSON.stringify(toJsonEvent(entry.event)))}\n`);
    else options.output.line(timelineLine(entry, options.output.colours, { local: options.local === true }));
  };
  try {
    const follow = await followTimeline(store, query, {
      signal: controller.signal,
      ...(options.pollMs === undefined ? {} : { pollMs: options.pollMs }),
    });
    if (!options.json) options.output.line(options.output.colours.bold(escapeControl(follow.heading)));
    for (const entry of follow.backlog) print(entry);
    for await (const batch of follow.batches) for (const entry of batch.entries) print(entry);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    process.stdout.off('error', closed);
  }
}
