import { getJson } from './api-client.js';
import type { EventsResponse, RunRecordJson, StatsResponse } from './contract.js';
import { h, routeLink } from './dom.js';
import { VirtualList } from './virtual-list.js';

export interface FindResult {
  kind: 'task' | 'agent' | 'channel' | 'event' | 'run';
  id: string;
  label: string;
  route: string;
}

/** What can be found by name: tasks (with titles), agents and channels, read once from the API. */
export interface Directory {
  tasks: Array<{ id: string; title: string | null; ts: string }>;
  agents: string[];
  channels: string[];
  stats: StatsResponse;
}

const EVENT_ID_PREFIX = /^[0-9a-f]{4,8}(-[0-9a-f]{0,4}){0,4}[0-9a-f-]*$/i;
const FULL_EVENT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function loadDirectory(): Promise<Directory> {
  const [created, bridge, stats] = await Promise.all([
    getJson<EventsResponse>('/v1/events', { primitive: 'ops.create_task', limit: 20_000 }),
    getJson<EventsResponse>('/v1/events', { primitive: 'bridge', limit: 20_000 }),
    getJson<StatsResponse>('/v1/stats'),
  ]);
  const tasks = new Map<string, { id: string; title: string | null; ts: string }>();
  for (const event of created.events) {
    if (event.target_id && !tasks.has(event.target_id)) {
      tasks.set(event.target_id, { id: event.target_id, title: typeof event.metadata.title === 'string' ? event.metadata.title : null, ts: event.ts });
    }
  }
  const channels = [...new Set(bridge.events.map((event) => event.target_id).filter((id): id is string => id !== null))].sort();
  const agents = stats.by_agent.map((row) => row.agent).filter((agent): agent is string => agent !== null).sort();
  return { tasks: [...tasks.values()], agents, channels, stats };
}

/** Hex digits of an id prefix that must be given before the store is asked for the events it may name. */
const MIN_PREFIX_DIGITS = 8;

/**
 * The stored events whose id starts with `prefix`. A uuidv7 starts with its time in milliseconds,
 * so a prefix of 8 or more hex digits names a time window of at most a minute, read with since and
 * until. (Ids chosen by a client, and those of imported OpenTelemetry spans, which are hashed, are
 * found only once their task is open.)
 */
export async function findEventsByIdPrefix(prefix: string, limit = 50): Promise<FindResult[]> {
  const wanted = prefix.trim().toLowerCase();
  const digits = wanted.replace(/-/g, '').slice(0, 12);
  if (digits.length < MIN_PREFIX_DIGITS || !looksLikeEventIdPrefix(wanted)) return [];
  const earliest = parseInt(digits.padEnd(12, '0'), 16);
  const latest = parseInt(digits.padEnd(12, 'f'), 16);
  const { events } = await getJson<EventsResponse>('/v1/events', {
    since: new Date(earliest).toISOString(),
    until: new Date(latest + 1).toISOString(),
    limit: 20_000,
  });
  return events
    .filter((event) => event.id.startsWith(wanted))
    .slice(0, limit)
    .map((event) => ({ kind: 'event', id: event.id, label: `event ${event.id.slice(0, 13)}… ${event.primitive}.${event.type}${event.agent_id ? ` by ${event.agent_id}` : ''}`, route: `/event/${event.id}` }));
}

/** Matches a query against the directory: names by substring, and an event id by prefix. */
export function findInDirectory(directory: Directory, query: string, limit = 500): FindResult[] {
  const q = query.trim().replace(/^#/, '').toLowerCase();
  if (q === '') return [];
  const results: FindResult[] = [];
  if (FULL_EVENT_ID.test(q)) results.push({ kind: 'event', id: q, label: `event ${q}`, route: `/event/${q}` });
  for (const task of directory.tasks) {
    if (results.length >= limit) break;
    if (task.id.toLowerCase().includes(q) || task.title?.toLowerCase().includes(q)) {
      results.push({ kind: 'task', id: task.id, label: `task ${task.id}${task.title ? ` — ${task.title}` : ''}`, route: `/task/${encodeURIComponent(task.id)}` });
    }
  }
  for (const agent of directory.agents) {
    if (results.length >= limit) break;
    if (agent.toLowerCase().includes(q)) results.push({ kind: 'agent', id: agent, label: `agent ${agent}`, route: `/agent/${encodeURIComponent(agent)}` });
  }
  for (const channel of directory.channels) {
    if (results.length >= limit) break;
    if (channel.toLowerCase().includes(q)) results.push({ kind: 'channel', id: channel, label: `channel #${channel}`, route: `/channel/${encodeURIComponent(channel)}` });
  }
  return results;
}

export function looksLikeEventIdPrefix(query: string): boolean {
  return EVENT_ID_PREFIX.test(query.trim());
}

/** The results under the find box: a virtualised list, Enter or a click goes to the result. */
export class FindResults {
  readonly list: VirtualList;
  private results: FindResult[] = [];

  constructor(private readonly go: (result: FindResult) => void) {
    this.list = new VirtualList(28, (index, element) => {
      const result = this.results[index]!;
      element.dataset.kind = result.kind;
      element.replaceChildren(h('span', { class: `kind kind-${result.kind}` }, result.kind), h('span', {}, result.label.replace(/^\w+ /, '')));
    }, (index) => this.go(this.results[index]!), 'Find results');
    this.list.element.classList.add('find-results');
  }

  get current(): FindResult[] {
    return this.results;
  }

  set(results: FindResult[]): void {
    this.results = results;
    this.list.setCount(results.length);
    this.list.setActive(results.length > 0 ? 0 : -1);
    this.list.element.hidden = results.length === 0;
  }
}

/** The start page: the store at a glance, recent tasks and recent runs. */
export async function renderHome(container: HTMLElement, directory: Directory): Promise<void> {
  const { runs } = await getJson<{ runs: RunRecordJson[] }>('/v1/runs', { limit: 10 }).catch(() => ({ runs: [] as RunRecordJson[] }));
  const recentTasks = directory.tasks.slice(-20).reverse();
  const stats = directory.stats;
  container.replaceChildren(
    h('h2', {}, 'Trace'),
    h('p', {}, `${stats.events} events`, stats.first_ts ? ` from ${stats.first_ts} to ${stats.last_ts}` : '', ` · ${directory.tasks.length} tasks · ${directory.agents.length} agents · ${directory.channels.length} channels`),
    h('p', { class: 'muted' }, 'Find a task, an agent, a channel or an event id with the box above (press /). Press ? for the keys.'),
    h('div', { class: 'home-columns' },
      h('section', {}, h('h3', {}, 'Recent tasks'),
        recentTasks.length === 0 ? h('p', { class: 'muted' }, 'none') : h('ul', { class: 'recent-tasks' }, ...recentTasks.map((task) => h('li', {}, routeLink(`/task/${encodeURIComponent(task.id)}`, task.title ? `${task.title} (${task.id})` : task.id))))),
      h('section', {}, h('h3', {}, 'Recent runs'),
        runs.length === 0 ? h('p', { class: 'muted' }, 'none') : h('ul', { class: 'recent-runs' }, ...runs.map((run) => h('li', {}, routeLink(`/run/${encodeURIComponent(run.span_id)}`, `${run.task_name ?? run.task_id} · ${run.status} · attempt ${run.attempt}`)))),
        routeLink('/runs', 'All runs →')),
      h('section', {}, h('h3', {}, 'Agents'),
        h('ul', { class: 'agents' }, ...directory.agents.slice(0, 50).map((agent) => h('li', {}, routeLink(`/agent/${encodeURIComponent(agent)}`, agent))))),
      h('section', {}, h('h3', {}, 'Channels'),
        h('ul', { class: 'channels' }, ...directory.channels.slice(0, 50).map((channel) => h('li', {}, routeLink(`/channel/${encodeURIComponent(channel)}`, `#${channel}`))))),
    ),
  );
}
