import type { RunRecord } from '@tracekernel/schema';
import type { RunDetail } from '@tracekernel/projector';
import type { RunViolation } from '@tracekernel/schema';
import { escapeControl as safe } from './control-chars.js';
import { formatTime } from './format-time.js';
import type { Palette } from './palette.js';

export function formatDuration(ms: number | null): string {
  if (ms === null) return '-';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes}m${String(Math.round((ms % 60_000) / 1000)).padStart(2, '0')}s`;
}

/** `2025-11-04 18:29:12 | success   |   1.0 s | daily_reflection | attempt 1 | 019a…-span`, the task padded to `taskWidth`. */
export function runLine(run: RunRecord, colours: Palette, taskWidth = 0): string {
  const status = safe(run.status).padEnd(9);
  return [
    formatTime(run.started_at_ts),
    run.status === 'success' ? status : colours.bold(status),
    formatDuration(run.duration_ms).padStart(8),
    safe(run.task_slug ?? run.task_id).padEnd(taskWidth),
    `attempt ${run.attempt}`,
    colours.dim(safe(run.span_id)),
  ].join(' | ');
}

/** The runs under a header that names each column, as `ps` and `kubectl get` print them. */
export function runListText(runs: RunRecord[], colours: Palette): string[] {
  if (runs.length === 0) return ['No runs.'];
  const taskWidth = Math.max(4, ...runs.map((run) => (run.task_slug ?? run.task_id).length));
  const header = ['STARTED (UTC)'.padEnd(19), 'STATUS'.padEnd(9), 'DURATION', 'TASK'.padEnd(taskWidth), 'ATTEMPT  ', 'SPAN ID'].join(' | ');
  return [colours.bold(header), ...runs.map((run) => runLine(run, colours, taskWidth))];
}

/** The detail of one run: identity, timing, digests, runner, error, then the attempt chain. */
export function runDetailText(detail: RunDetail, colours: Palette): string[] {
  const { run } = detail;
  const or = (value: string | null | undefined) => safe(value ?? '-');
  const lines = [
    colours.bold(safe(`Run ${run.span_id} of ${run.task_id}${run.task_name ? ` (${run.task_name})` : ''}: ${run.status}`)),
    `  idempotency_key  ${safe(run.idempotency_key)}`,
    `  trace            ${safe(`${run.trace_id}, attempt ${run.attempt}${run.retry_of ? `, retry of ${run.retry_of}` : ''}`)}`,
    `  trigger          ${safe(`${run.trigger}${run.task_type ? `, type ${run.task_type}` : ''}`)}`,
    `  started          ${safe(run.started_at)}`,
    `  ended            ${or(run.ended_at)}`,
    `  duration         ${formatDuration(run.duration_ms)}`,
    `  config_digest    ${or(run.config_digest)}`,
    `  input_digest     ${or(run.input_digest)}`,
    `  code_ref         ${or(run.code_ref)}`,
    `  runner           ${safe(`${run.runner.name}${run.runner.version ? ` ${run.runner.version}` : ''}, pid ${run.runner.pid ?? '-'} on ${run.runner.host ?? '-'}`)}`,
  ];
  if (run.error) {
    lines.push(`  error            ${or(run.error.type ?? '?')}${run.error.stack_hash ? colours.dim(` (${safe(run.error.stack_hash)})`) : ''}`);
    for (const line of (run.error.message ?? '').split('\n')) lines.push(`                   ${safe(line)}`);
  }
  if (run.notes) lines.push(`  notes            ${safe(run.notes)}`);
  if (run.parents.length > 0) lines.push(`  parents          ${safe(run.parents.join(', '))}`);
  const io = run.io;
  const ioParts = [
    io.files_written.length ? `${io.files_written.length} files written` : '',
    io.artifact_ids.length ? `${io.artifact_ids.length} artifacts` : '',
    io.tool_calls.length ? `${io.tool_calls.length} tool calls` : '',
    io.script_runs.length ? `${io.script_runs.length} script runs` : '',
  ].filter(Boolean);
  if (ioParts.length > 0) lines.push(`  io               ${ioParts.join(', ')}`);
  lines.push('', colours.bold(`Attempts (trace ${safe(run.trace_id)}):`));
  for (const attempt of detail.attempts) {
    const marker = attempt.span_id === run.span_id ? '>' : ' ';
    const error = attempt.error?.type ? `: ${attempt.error.type}` : '';
    lines.push(safe(`${marker} ${attempt.attempt}. ${formatTime(attempt.started_at_ts)} | ${attempt.status}${error} | ${formatDuration(attempt.duration_ms)} | ${attempt.span_id}`));
  }
  return lines;
}

export function violationLine(violation: RunViolation): string {
  const rule = violation.rule === 'schema' ? 'schema' : `rule ${violation.rule}`;
  return safe(`run ${violation.span_id}${violation.idempotency_key ? ` (${violation.idempotency_key})` : ''}: ${rule}: ${violation.message}`);
}
