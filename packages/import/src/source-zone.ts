import type { AgentDirectory } from './source-identity.js';
import { inferOffset, wallClockMs, type SourceZone } from './source-time.js';
import type { MapOptions } from './space-mapping.js';
import type { SourceRow, SpaceSource } from './space-source.js';

const SECOND = 1000;

/**
 * The writer's zone: --tz when given, else the offset the data implies. tasks.created_at (UTC) and
 * tasks.completed_at (local) come from one INSERT, and an agent's local created_at sits beside its
 * `spawn.agent.create` event (UTC epoch), and so do an unedited memory's local `timestamp` and its
 * epoch `created_at`: each pair votes for an offset.
 */
export function resolveZone(source: SpaceSource, agents: AgentDirectory, options: MapOptions, events: readonly SourceRow[]): SourceZone {
  const tasks = source.tables.get('spawn.db:tasks')?.rows ?? [];
  const agentRows = source.tables.get('spawn.db:agents')?.rows ?? [];
  const firstEvent = events.find((row) => typeof row.timestamp === 'number');
  const firstMs = typeof firstEvent?.timestamp === 'number' ? firstEvent.timestamp * SECOND : 0;
  if (options.zone) return options.zone(firstMs);
  const pairs: Array<{ localWallMs: number; utcMs: number }> = [];
  for (const row of tasks) {
    const local = typeof row.completed_at === 'string' ? wallClockMs(row.completed_at) : undefined;
    const utc = typeof row.created_at === 'string' ? wallClockMs(row.created_at) : undefined;
    if (local !== undefined && utc !== undefined) pairs.push({ localWallMs: local, utcMs: utc });
  }
  const createdEvents = new Map<string, number>();
  for (const row of events) {
    const name = row.source === 'spawn' && row.event_type === 'agent.create' && typeof row.data === 'string' ? /^Agent '(.+)' created$/.exec(row.data)?.[1] : undefined;
    if (name !== undefined && typeof row.timestamp === 'number') createdEvents.set(name, row.timestamp * SECOND);
  }
  for (const row of agentRows) {
    const created = typeof row.created_at === 'string' && row.created_at.includes('T') ? wallClockMs(row.created_at) : undefined;
    const name = typeof row.name === 'string' ? row.name : undefined;
    const utc = name === undefined || !agents.has(name) ? undefined : createdEvents.get(name);
    if (created !== undefined && utc !== undefined) pairs.push({ localWallMs: created, utcMs: utc });
  }
  // memories.timestamp (local minutes) and created_at (epoch) come from one INSERT too, until `memory edit`
  // rewrites the timestamp: an entry an edit event names is left out.
  const edited = events.filter((row) => row.source === 'memory' && row.event_type === 'note_edit' && typeof row.data === 'string').map((row) => String(row.data).trim().split(' ')[0]!).filter((suffix) => suffix !== '');
  for (const row of source.tables.get('memory.db:memories')?.rows ?? []) {
    const id = typeof row.memory_id === 'string' ? row.memory_id : '';
    if (edited.some((suffix) => id.endsWith(suffix))) continue;
    const local = typeof row.timestamp === 'string' ? wallClockMs(row.timestamp) : undefined;
    const utc = typeof row.created_at === 'number' ? row.created_at * SECOND : undefined;
    if (local !== undefined && utc !== undefined) pairs.push({ localWallMs: local, utcMs: utc });
  }
  const offset = inferOffset(pairs);
  return offset === undefined ? { offsetMinutes: 0, zone: null, from: 'assumed' } : { offsetMinutes: offset, zone: null, from: 'inferred' };
}
