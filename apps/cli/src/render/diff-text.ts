import { shortEventId, type TraceEvent } from '@tracekernel/schema';
import type { DiffRun, DiffTask, RunDiff } from '@tracekernel/projector';
import { escapeControl as safe } from './control-chars.js';
import type { Palette } from './palette.js';
import { formatDuration } from './run-records-text.js';
import { formatTime } from './format-time.js';

const MARK = { added: '+', removed: '-', changed: '~', same: ' ' } as const;

function ratio(value: number | null): string {
  return value === null ? '' : ` (×${value.toFixed(2)})`;
}

/** `claims 1 → 2, duration 26m00s → 36m00s (×1.38)`, or what an added or removed task was. */
function taskDetail(task: DiffTask): string {
  const { a, b } = task;
  if (a === null || b === null) {
    const only = (a ?? b)!;
    return ` (${only.status}${only.holder === null ? '' : `, held by ${only.holder}`}${only.claims > 1 ? `, ${only.claims} claims` : ''})`;
  }
  const parts = task.differences.map((field) => {
    if (field === 'duration') return `duration ${formatDuration(a.duration_ms)} → ${formatDuration(b.duration_ms)}${ratio(task.duration_ratio)}`;
    const key = field as 'title' | 'status' | 'claims' | 'blocks' | 'holder';
    return `${field} ${a[key] ?? '-'} → ${b[key] ?? '-'}`;
  });
  return parts.length === 0 ? '' : `: ${parts.join(', ')}`;
}

function runDetail(run: DiffRun): string {
  const { a, b } = run;
  if (a === null || b === null) {
    const only = (a ?? b)!;
    return ` (${only.status}, span ${only.span_id})`;
  }
  const parts = run.differences.map((field) => {
    if (field === 'duration') return `duration ${formatDuration(a.duration_ms)} → ${formatDuration(b.duration_ms)}${ratio(run.duration_ratio)}`;
    const key = field as 'status' | 'config_digest' | 'input_digest';
    return `${field} ${a[key] ?? '-'} → ${b[key] ?? '-'}`;
  });
  return `: ${parts.join(', ')} (span ${a.span_id} → ${b.span_id})`;
}

/**
 * `trace diff` as text: the matched task trees in the shape of `--causality`, each task marked
 * `+` (only in B), `-` (only in A), `~` (changed) or a space, then the runs, the agents and the
 * first divergence with its chain of causes.
 */
/** `describe` returns escaped text (see escapeControl): descriptions are stored text. */
export function diffText(diff: RunDiff, describe: (event: TraceEvent) => string, colours: Palette): string[] {
  const side = (s: RunDiff['a']) => `${s.kind} ${s.ref}${s.title === null ? '' : ` (${s.title})`}`;
  const lines = [colours.bold(safe(`Diff of ${side(diff.a)} → ${side(diff.b)}:`))];
  if (diff.identical) {
    lines.push(`No differences (${diff.a.events} and ${diff.b.events} events).`);
    return lines;
  }
  const label = (task: DiffTask) => safe(`${MARK[task.change]} ${task.path.at(-1)}${taskDetail(task)}`);
  const walk = (task: DiffTask, prefix: string) => {
    task.children.forEach((child, index) => {
      const last = index === task.children.length - 1;
      lines.push(`${prefix}${last ? '└─> ' : '├─> '}${label(child)}`);
      walk(child, prefix + (last ? '    ' : '│   '));
    });
  };
  for (const root of diff.tree) {
    lines.push(`[root] ${label(root)}`);
    walk(root, '  ');
  }
  if (diff.runs.length > 0) {
    lines.push('Runs:');
    for (const run of diff.runs) lines.push(safe(`  ${MARK[run.change]} ${run.path.join(' / ')} attempt ${run.attempt}${runDetail(run)}`));
  }
  if (diff.agents.added.length + diff.agents.removed.length > 0) {
    lines.push(safe(`Agents: ${[...diff.agents.added.map((agent) => `+ ${agent}`), ...diff.agents.removed.map((agent) => `- ${agent}`)].join(', ')}`));
  }
  const divergence = diff.first_divergence;
  if (divergence !== null) {
    const what = divergence.change === 'changed' ? `differs in ${divergence.differences.join(', ')}` : divergence.change === 'added' ? 'has no counterpart in a' : 'is missing from b';
    lines.push(safe(`First divergence (${divergence.side}): ${MARK[divergence.change]} ${formatTime(divergence.event.ts)} ${divergence.event.id} ${what}`));
    const chain = [...divergence.causes, divergence.event];
    chain.forEach((event, i) => {
      // Each cause by its short id, as in --causality, so that it can be pasted back.
      const text = `${colours.dim(shortEventId(event.id))} ${colours.primitive(event.primitive, safe(event.primitive))} ${describe(event)}`;
      lines.push(i === 0 ? `  [root] ${text}` : `  ${'    '.repeat(i - 1)}  └─> ${text}`);
    });
  }
  return lines;
}
