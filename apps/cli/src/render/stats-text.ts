import type { PendingSpool } from '@tracekernel/sdk';
import type { StoreStats } from '@tracekernel/store';
import { escapeControl as safe } from './control-chars.js';
import { formatTime } from './format-time.js';
import type { Palette } from './palette.js';

/** `trace stats --json`. */
export interface StatsJson {
  path: string;
  bytes: number;
  schema_version: number;
  events: number;
  first_ts: string | null;
  last_ts: string | null;
  by_primitive: Array<{ primitive: string; count: number }>;
  by_type: Array<{ primitive: string; type: string; count: number }>;
  by_agent: Array<{ agent: string | null; count: number }>;
  /** Spool files that hold events for this store, not yet replayed; `refused` says why a replay will not take one. */
  pending_spools: Array<{ path: string; events: number; bytes: number; refused: string | null }>;
  /** Private events stored. Without --include-private they are in no other figure: only their number is told. */
  private_events: number;
  /** Whether the other figures count private events (--include-private). */
  private_included: boolean;
}

export function statsJson(path: string, stats: StoreStats, spools: readonly PendingSpool[] = [], privateIncluded = false): StatsJson {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    path,
    bytes: stats.bytes,
    schema_version: stats.schemaVersion,
    events: stats.events,
    first_ts: iso(stats.firstTs),
    last_ts: iso(stats.lastTs),
    by_primitive: stats.byPrimitive.map(({ primitive, count }) => ({ primitive, count })),
    by_type: stats.byType.map(({ primitive, type, count }) => ({ primitive, type, count })),
    by_agent: stats.byAgent.map(({ agent, count }) => ({ agent, count })),
    pending_spools: spools.map(({ path, events, bytes, refused }) => ({ path, events, bytes, refused })),
    private_events: stats.privateEvents,
    private_included: privateIncluded,
  };
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function table(unsafeRows: Array<[string, number]>): string[] {
  const rows = unsafeRows.map(([name, count]) => [safe(name), count] as const);
  const width = Math.max(0, ...rows.map(([name]) => name.length));
  return rows.map(([name, count]) => `  ${name.padEnd(width)}  ${count}`);
}

export function statsText(stats: StatsJson, colours: Palette): string[] {
  const lines = [
    `${colours.bold('Store:')} ${safe(stats.path)} (${formatBytes(stats.bytes)}, schema version ${stats.schema_version})`,
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
  for (const spool of spools) lines.push(safe(`  ${spool.path}  ${spool.events} events${spool.refused ? `  refused: ${spool.refused}` : ''}`));
  return lines;
}
