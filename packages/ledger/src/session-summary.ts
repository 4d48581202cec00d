import type { TraceEvent } from '@tracekernel/schema';

const plural = (count: number, one: string, many = `${one}s`) => `${count} ${count === 1 ? one : many}`;

/**
 * The one-line summary of a recorded session, from a template and the events alone, so the same
 * events always give the same words: "14 events by 3 agents: 3 tasks created, 2 completed,
 * 1 blocked; 4 messages on #payments; 2 runs, 1 failed".
 */
export function sessionSummary(events: readonly TraceEvent[]): string {
  const agents = new Set(events.map((event) => event.agent_id).filter((agent): agent is string => agent !== null));
  const count = (primitive: string, type: string) => events.filter((event) => event.primitive === primitive && event.type === type).length;
  const head = `${plural(events.length, 'event')} by ${plural(agents.size, 'agent')}`;
  const parts: string[] = [];

  const tasks = [
    [count('ops', 'create_task'), 'created'],
    [count('ops', 'claim_task'), 'claimed'],
    [count('ops', 'complete_task'), 'completed'],
    [count('ops', 'block_task'), 'blocked'],
  ] as const;
  const taskWords = tasks.filter(([n]) => n > 0).map(([n, word], index) => (index === 0 ? `${plural(n, 'task')} ${word}` : `${n} ${word}`));
  if (taskWords.length > 0) parts.push(taskWords.join(', '));

  const channels = new Map<string, number>();
  for (const event of events) {
    if (event.primitive === 'bridge' && event.type === 'send' && event.target_id !== null) channels.set(event.target_id, (channels.get(event.target_id) ?? 0) + 1);
  }
  const busiest = [...channels].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  if (busiest.length > 0) {
    const shown = busiest.slice(0, 3).map(([channel, n]) => `${plural(n, 'message')} on #${channel}`);
    if (busiest.length > 3) shown.push(`${plural(busiest.slice(3).reduce((sum, [, n]) => sum + n, 0), 'message')} on ${plural(busiest.length - 3, 'other channel')}`);
    parts.push(shown.join(', '));
  }

  const runEnds = events.filter((event) => event.primitive === 'run' && event.type === 'end');
  const runs = count('run', 'start');
  if (runs > 0) {
    const failed = runEnds.filter((event) => event.metadata.status === 'failed').length;
    parts.push(`${plural(runs, 'run')}${failed > 0 ? `, ${failed} failed` : ''}`);
  }
  return parts.length === 0 ? head : `${head}: ${parts.join('; ')}`;
}
