import type { StatsJson } from '@tracekernel/projector';
import { formatTime } from './format-time.js';
import type { Palette } from './palette.js';

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function table(rows: Array<[string, number]>): string[] {
  const width = Math.max(0, ...rows.map(([name]) => name.length));
  return rows.map(([name, count]) => `  ${name.padEnd(width)}  ${count}`);
}

export function statsText(stats: StatsJson, colours: Palette): string[] {
  const lines = [
    `${colours.bold('Store:')} ${stats.path} (${formatBytes(stats.bytes)}, schema version ${stats.schema_version})`,
  ];
  lines.push(...spoolLines(stats, colours));
  const hidden = stats.private_events > 0 && !stats.private_included;
  const privateCount = `${stats.private_events} private event${stats.private_events === 1 ? '' : 's'}`;
  if (hidden) lines.push(`${colours.bold('Private:')} ${privateCount}, not counted below (--include-private counts them)`);
  else if (stats.private_events > 0) lines.push(`${colours.bold('Private:')} ${privateCount}, counted below`);
  if (stats.events === 0) {
    lines.push(`${colours.bold('Events:')} 0 (${hidden ? 'no events besides the private ones' : 'the store is empty'})`);
    return lines;
  }
  const span = `from ${formatTime(Date.parse(stats.first_ts!))} to ${formatTime(Date.parse(stats.last_ts!))} UTC`;
  lines.push(`${colours.bold('Events:')} ${stats.events}, ${span}`);
  lines.push('', colours.bold('By primitive:'), ...table(stats.by_primitive.map((row) => [row.primitive, row.count])));
  lines.push('', colours.bold('By type:'), ...table(stats.by_type.map((row) => [`${row.primitive}.${row.type}`, row.count])));
  lines.push('', colours.bold('By agent:'), ...table(stats.by_agent.map((row) => [row.agent ?? '(none)', row.count])));
  return lines;
}

function spoolLines(stats: StatsJson, colours: Palette): string[] {
  const spools = stats.pending_spools;
  if (spools.length === 0) return [];
  const events = spools.reduce((sum, spool) => sum + spool.events, 0);
  const lines = [`${colours.bold('Pending spools:')} ${spools.length} ${spools.length === 1 ? 'file' : 'files'}, ${events} events (the next tracer to reach the store replays them)`];
  for (const spool of spools) lines.push(`  ${spool.path}  ${spool.events} events${spool.refused ? `  refused: ${spool.refused}` : ''}`);
  return lines;
}
