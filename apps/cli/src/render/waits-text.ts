import type { TraceEvent } from '@tracekernel/schema';
import type { StoreWaits, TaskWaits, WaitLoop, WaitTarget, WaitingTask } from '@tracekernel/projector';
import { formatTime } from './format-time.js';
import type { Palette } from './palette.js';
import { formatDuration } from './run-records-text.js';

type Describe = (event: TraceEvent) => string;

function target(on: WaitTarget | null): string {
  if (on === null) return 'nothing named';
  if ('task' in on) return `task ${on.task}`;
  if ('agent' in on) return `agent ${on.agent}`;
  return `#${on.channel}`;
}

function deadlockLines(deadlocks: readonly WaitingTask[][]): string[] {
  if (deadlocks.length === 0) return ['Deadlocks: none'];
  return [
    `Deadlocks: ${deadlocks.length}`,
    ...deadlocks.map((cycle, i) => `  ${i + 1}. ${cycle.map((member) => `${member.task} (${member.holder ?? 'no holder'}) waits on ${target(member.waiting_on)}`).join(' → ')} → back to ${cycle[0]!.task}`),
  ];
}

function loopLines(loops: readonly WaitLoop[]): string[] {
  if (loops.length === 0) return ['Loops: none'];
  return [
    `Loops: ${loops.length}`,
    ...loops.map((loop) =>
      loop.kind === 'retry'
        ? `  retry ${loop.target}: claimed and blocked ${loop.count} times by ${loop.agents.join(', ')}, never completed`
        : `  wake ${loop.target}: ${loop.agents.join(', ')} woke ${loop.count} times and acted on it without progress`,
    ),
  ];
}

/** `trace waits TASK`: the critical path step by step, the blocks, then deadlocks and loops. */
export function taskWaitsText(waits: TaskWaits, describe: Describe, colours: Palette): string[] {
  const title = waits.title === null ? '' : ` (${waits.title})`;
  const span = waits.ended_at === null ? 'from creation to now' : 'from creation to completion';
  const lines = [colours.bold(`Waits for ${waits.task}${title}: ${waits.status}, ${formatDuration(waits.total_ms)} ${span}`)];
  lines.push('Critical path:');
  for (const step of waits.critical_path) {
    const when = step.event === null ? 'now'.padEnd(19) : formatTime(step.event.ts);
    const what = step.event === null ? colours.dim('(still waiting)') : `${colours.primitive(step.event.primitive)} ${describe(step.event)}`;
    lines.push(`  ${when} ${formatDuration(step.ms).padStart(8)} ${`${(step.share * 100).toFixed(1)}%`.padStart(6)}  ${step.kind.padEnd(7)}  ${what}`);
  }
  if (waits.blocked.length === 0) lines.push('Blocked: never');
  else {
    lines.push('Blocked:');
    for (const block of waits.blocked) {
      const until = block.until === null ? 'now' : formatTime(Date.parse(block.until));
      const ended = block.ended_by === null ? 'still blocked' : `ended by ${colours.primitive(block.ended_by.primitive)} ${describe(block.ended_by)}`;
      const waiting = block.waiting_on === null ? '' : `, waiting on ${target(block.waiting_on)}`;
      lines.push(`  ${block.task} by ${block.agent ?? '-'}: ${formatDuration(block.ms)}, ${formatTime(Date.parse(block.from))} → ${until} (${block.reason ?? 'no reason'}${waiting}); ${ended}`);
    }
    const { by_task: byTask, by_agent: byAgent } = waits.blocked_totals;
    lines.push(`  per task: ${byTask.map((entry) => `${entry.task} ${formatDuration(entry.ms)}`).join(', ')}`);
    lines.push(`  per agent: ${byAgent.map((entry) => `${entry.agent ?? '-'} ${formatDuration(entry.ms)}`).join(', ')}`);
  }
  return [...lines, ...deadlockLines(waits.deadlocks), ...loopLines(waits.loops)];
}

/** `trace waits --all`: the health check. */
export function storeWaitsText(waits: StoreWaits, colours: Palette): string[] {
  const found = waits.deadlocks.length + waits.loops.length;
  return [
    colours.bold(`Checked ${waits.open_tasks} open tasks (${waits.blocked_tasks} blocked): ${found === 0 ? 'no deadlock, no loop' : `${waits.deadlocks.length} deadlocks, ${waits.loops.length} loops`}`),
    ...deadlockLines(waits.deadlocks),
    ...loopLines(waits.loops),
  ];
}
