import { TraceError } from '@tracekernel/schema';
import { spaceTypeName } from './import-catalog.js';
import { mentions } from './mentions.js';
import { AgentDirectory } from './source-identity.js';
import { localToUtc, refineWithId, uuid7Ms, wallClockMs, type SourceZone } from './source-time.js';
import { resolveZone } from './source-zone.js';
import { assignSessions } from './space-sessions.js';
import type { SourceRow, SpaceSource } from './space-source.js';

/** Where an imported event came from: `metadata.source` of every imported event. */
export interface SourceRef {
  file: string;
  table: string;
  key: string;
}

/** A kernel event before it has an id: what one source row (and the rows merged into it) says. */
export interface EventDraft {
  source: SourceRef;
  /** Distinguishes the events one row yields (a task's create, claim and complete). */
  part: string;
  /** Orders the events one row yields at the same millisecond. */
  sequence: number;
  ts: number;
  primitive: string;
  type: string;
  agent: string | null;
  target: string | null;
  session: string | null;
  metadata: Record<string, unknown>;
  /** Other source rows that recorded the same fact (a message's message_sending/message_sent events). */
  merged: SourceRef[];
}

export interface InvalidRow extends SourceRef {
  reason: string;
}

export interface SpaceMapping {
  drafts: EventDraft[];
  invalid: InvalidRow[];
  /** Every source row seen, by `file:table`, so that tables with no valid row still appear. */
  rowsByTable: Map<string, number>;
  zone: SourceZone;
  unresolvedAgents: string[];
}

export interface MapOptions {
  /** --tz: overrides the zone the data implies. */
  zone?: (firstMs: number) => SourceZone;
}

const SECOND = 1000;
/** How far apart (ms) two rows that one command wrote may be: a command usually finishes within a second. */
const SAME_WRITE_MS = 2 * SECOND;
/** How long after a mention the worker may take to register a role agent or finish its task. */
const MENTION_WINDOW_MS = 60 * SECOND;

class RowError extends Error {}

const text = (row: SourceRow, column: string): string | null => {
  const value = row[column];
  if (value === null || value === undefined) return null;
  return typeof value === 'string' ? value : String(value);
};
const required = (row: SourceRow, column: string): string => {
  const value = text(row, column);
  if (value === null || value === '') throw new RowError(`${column}: expected a value, got ${value === null ? 'NULL' : 'an empty string'}`);
  return value;
};
const utcText = (row: SourceRow, column: string): number => {
  const value = required(row, column);
  const ms = wallClockMs(value);
  if (ms === undefined) throw new RowError(`${column}: expected UTC text YYYY-MM-DD HH:MM:SS, got "${value}"`);
  return ms;
};
const epochSeconds = (row: SourceRow, column: string): number => {
  const value = row[column];
  const number = typeof value === 'number' ? value : typeof value === 'bigint' ? Number(value) : typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isFinite(number) || number < 0 || number > 8_000_000_000) throw new RowError(`${column}: expected epoch seconds, got ${JSON.stringify(value)}`);
  return Math.round(number * SECOND);
};

/** Turns every row of a space-os directory into kernel event drafts. Pure: no store, no clock. */
export function mapSpaceSource(source: SpaceSource, options: MapOptions = {}): SpaceMapping {
  const rows = (key: string) => source.tables.get(key)?.rows ?? [];
  const rowsByTable = new Map<string, number>();
  for (const [key, table] of source.tables) rowsByTable.set(key, table.rows.length);
  const agents = new AgentDirectory(rows('spawn.db:agents'));
  const invalid: InvalidRow[] = [];
  const drafts: EventDraft[] = [];
  const ref = (file: string, table: string, key: string): SourceRef => ({ file, table, key });
  const draft = (source: SourceRef, fields: Omit<EventDraft, 'source' | 'merged' | 'session' | 'part' | 'sequence'> & { part?: string; sequence?: number }): EventDraft => {
    const made: EventDraft = { source, part: fields.part ?? '', sequence: fields.sequence ?? 0, session: null, merged: [], ...fields };
    drafts.push(made);
    return made;
  };
  const eachRow = (file: string, table: string, keyOf: (row: SourceRow) => string, map: (row: SourceRow, key: string) => void) => {
    for (const [index, row] of rows(`${file}:${table}`).entries()) {
      let key = `rowid ${index + 1}`;
      try {
        key = keyOf(row);
        map(row, key);
      } catch (error) {
        if (!(error instanceof RowError) && !(error instanceof TraceError)) throw error;
        invalid.push({ file, table, key, reason: error.message });
      }
    }
  };

  const events = rows('events.db:events');
  const eventTs = (row: SourceRow) => refineWithId(epochSeconds(row, 'timestamp'), text(row, 'id'));
  const zone = resolveZone(source, agents, options, events);
  const localTime = (row: SourceRow, column: string): number => {
    const value = required(row, column);
    const wall = wallClockMs(value);
    if (wall === undefined) throw new RowError(`${column}: expected local time YYYY-MM-DDTHH:MM:SS.ffffff, got "${value}"`);
    return localToUtc(wall, zone);
  };

  // ---- bridge.db ------------------------------------------------------------------------------
  const channelNames = new Map<string, string>();
  for (const row of rows('bridge.db:channels')) {
    const id = text(row, 'id');
    const name = text(row, 'name');
    if (id !== null && name !== null) channelNames.set(id, name);
  }
  const channelName = (id: string) => {
    const name = channelNames.get(id);
    if (name === undefined) throw new RowError(`channel_id: no channel ${id} in bridge.db:channels`);
    return name;
  };
  const channelDrafts = new Map<string, { created?: EventDraft; archived?: EventDraft }>();
  eachRow('bridge.db', 'channels', (row) => required(row, 'id'), (row, key) => {
    const name = required(row, 'name');
    const at = utcText(row, 'created_at');
    const entry: { created?: EventDraft; archived?: EventDraft } = {};
    entry.created = draft(ref('bridge.db', 'channels', key), {
      ts: at, primitive: 'bridge', type: 'create_channel', agent: null, target: name, part: 'create',
      metadata: { channel_id: key, ...(text(row, 'topic') === null ? {} : { topic: text(row, 'topic') }) },
    });
    if (text(row, 'archived_at') !== null) {
      entry.archived = draft(ref('bridge.db', 'channels', key), {
        ts: utcText(row, 'archived_at'), primitive: 'bridge', type: 'archive_channel', agent: null, target: name, part: 'archive', sequence: 1,
        metadata: { channel_id: key },
      });
    }
    channelDrafts.set(name, entry);
  });

  const messages: EventDraft[] = [];
  const messagesByText = new Map<string, EventDraft[]>();
  const messageById = new Map<string, EventDraft>();
  const messageKey = (channel: string, sender: string | null, content: string) => `${channel}\u0000${sender ?? ''}\u0000${content}`;
  eachRow('bridge.db', 'messages', (row) => required(row, 'id'), (row, key) => {
    const channel = channelName(required(row, 'channel_id'));
    const sender = agents.resolve(required(row, 'agent_id'));
    const content = required(row, 'content');
    const made = draft(ref('bridge.db', 'messages', key), {
      ts: refineWithId(utcText(row, 'created_at'), key), primitive: 'bridge', type: 'send', agent: sender, target: channel,
      metadata: { content, message_id: key, priority: text(row, 'priority') ?? 'normal' },
    });
    messages.push(made);
    messageById.set(key, made);
    const index = messageKey(channel, sender, content);
    messagesByText.set(index, [...(messagesByText.get(index) ?? []), made]);
  });

  const notes: EventDraft[] = [];
  eachRow('bridge.db', 'notes', (row) => required(row, 'note_id'), (row, key) => {
    notes.push(draft(ref('bridge.db', 'notes', key), {
      ts: refineWithId(utcText(row, 'created_at'), key), primitive: 'bridge', type: 'note', agent: agents.resolve(required(row, 'agent_id')),
      target: channelName(required(row, 'channel_id')), metadata: { content: required(row, 'content'), note_id: key },
    }));
  });

  // ---- spawn.db -------------------------------------------------------------------------------
  const mentionsOf = (name: string, around: number, channel?: string | null) =>
    messages
      .filter((message) => message.ts <= around + SECOND && message.ts >= around - MENTION_WINDOW_MS)
      .filter((message) => channel == null || message.target === channel)
      .filter((message) => mentions(String(message.metadata.content), name));
  const agentDrafts = new Map<string, EventDraft>();
  eachRow('spawn.db', 'agents', (row) => required(row, 'id'), (row, key) => {
    const typedName = text(row, 'name');
    const name = typedName ?? key;
    const created = required(row, 'created_at');
    // Two formats in one column: local ISO (registered on first use) or UTC text (by `space describe`).
    const ts = refineWithId(/T/.test(created) ? localTime(row, 'created_at') : utcText(row, 'created_at'), key);
    // A bare role name is a role agent that an @mention brought in: the mention's author spawned it.
    const spawner = /-\d+$/.test(name) ? undefined : mentionsOf(name, ts).at(-1);
    const made = draft(ref('spawn.db', 'agents', key), {
      ts, primitive: 'spawn', type: 'spawn', agent: spawner?.agent ?? null, target: name,
      metadata: {
        ...(typedName === null ? {} : { role: typedName.replace(/-[^-]*$/, '') }), agent_uuid: key,
        ...(text(row, 'self_description') === null ? {} : { self_description: text(row, 'self_description') }),
        ...(spawner ? { spawned_by_message: spawner.metadata.message_id } : {}),
      },
    });
    agentDrafts.set(name, made);
    if (row.archived_at !== null && row.archived_at !== undefined) {
      draft(ref('spawn.db', 'agents', key), {
        ts: epochSeconds(row, 'archived_at'), primitive: 'space', type: 'agent_archive', agent: name, target: name, part: 'archive', sequence: 1, metadata: { agent_uuid: key },
      });
    }
  });

  eachRow('spawn.db', 'constitutions', (row) => required(row, 'hash'), (row, key) => {
    draft(ref('spawn.db', 'constitutions', key), {
      ts: utcText(row, 'created_at'), primitive: 'space', type: 'constitution', agent: null, target: null,
      metadata: { hash: key, content: required(row, 'content') },
    });
  });

  const tasks: EventDraft[] = [];
  eachRow('spawn.db', 'tasks', (row) => required(row, 'uuid7'), (row, key) => {
    const role = required(row, 'identity');
    const channel = text(row, 'channel');
    const end = refineWithId(text(row, 'completed_at') === null ? utcText(row, 'created_at') : localTime(row, 'completed_at'), key);
    const input = text(row, 'input') ?? '';
    // The row is written when the task ends; a task an @mention started began at the mention.
    const mention = channel === null ? undefined : mentionsOf(role, end, channel).at(-1);
    const start = mention ? mention.ts + 1 : end;
    const agent = agents.resolve(role);
    const source = ref('spawn.db', 'tasks', key);
    const instructions = input.includes('[TASK INSTRUCTIONS]') ? input.slice(input.lastIndexOf('[TASK INSTRUCTIONS]') + 19) : input;
    const title = instructions.trim().split('\n')[0]?.slice(0, 200) || `${role} task`;
    tasks.push(draft(source, {
      ts: start, primitive: 'ops', type: 'create_task', agent: mention?.agent ?? null, target: key, part: 'create', sequence: 0,
      metadata: {
        title, input, role, ...(channel === null ? {} : { channel }),
        ...(text(row, 'constitution_hash') === null ? {} : { constitution_hash: text(row, 'constitution_hash') }),
        ...(mention ? { mention_message_id: mention.metadata.message_id } : {}),
      },
    }));
    draft(source, { ts: start, primitive: 'ops', type: 'claim_task', agent, target: key, part: 'claim', sequence: 1, metadata: {} });
    const output = text(row, 'output');
    const stderr = text(row, 'stderr');
    tasks.push(draft(source, {
      ts: end, primitive: 'ops', type: 'complete_task', agent, target: key, part: 'complete', sequence: 2,
      metadata: { ...(output === null || output.trim() === '' ? {} : { result: output }), ...(stderr === null ? {} : { stderr }) },
    }));
  });

  // ---- memory.db, knowledge.db ----------------------------------------------------------------
  const memoryAdds = new Map<string, EventDraft>();
  const memoryArchives = new Map<string, EventDraft>();
  const memoryIds: string[] = [];
  eachRow('memory.db', 'memories', (row) => required(row, 'memory_id'), (row, key) => {
    const agent = agents.resolve(required(row, 'agent_id'));
    const source = ref('memory.db', 'memories', key);
    const optional = (column: string) => (text(row, column) === null ? {} : { [column]: text(row, column) });
    memoryIds.push(key);
    memoryAdds.set(key, draft(source, {
      ts: refineWithId(epochSeconds(row, 'created_at'), key), primitive: 'memory', type: 'add_entry', agent, target: key, part: 'add',
      metadata: {
        topic: required(row, 'topic'), content: required(row, 'message'), core: Number(row.core ?? 0) === 1,
        ...(text(row, 'timestamp') === null ? {} : { local_timestamp: text(row, 'timestamp') }),
        ...optional('supersedes'), ...optional('superseded_by'), ...optional('synthesis_note'), ...optional('bridge_channel'), ...optional('code_anchors'),
      },
    }));
    if (row.archived_at !== null && row.archived_at !== undefined) {
      // A replaced entry is archived by the write that adds its successor: that id carries the milliseconds.
      memoryArchives.set(key, draft(source, {
        ts: refineWithId(epochSeconds(row, 'archived_at'), text(row, 'superseded_by')), primitive: 'memory', type: 'archive_entry', agent, target: key, part: 'archive', sequence: 1, metadata: {},
      }));
    }
  });
  const links: EventDraft[] = [];
  eachRow('memory.db', 'memory_links', (row) => required(row, 'link_id'), (row, key) => {
    const memory = required(row, 'memory_id');
    links.push(draft(ref('memory.db', 'memory_links', key), {
      ts: refineWithId(epochSeconds(row, 'created_at'), key), primitive: 'memory', type: 'link_entries',
      agent: memoryAdds.get(memory)?.agent ?? null, target: memory,
      metadata: { parent_memory_id: required(row, 'parent_id'), kind: required(row, 'kind'), link_id: key },
    }));
  });
  const knowledgeAdds: EventDraft[] = [];
  eachRow('knowledge.db', 'knowledge', (row) => required(row, 'knowledge_id'), (row, key) => {
    const source = ref('knowledge.db', 'knowledge', key);
    // The kernel's confidence is in [0, 1]; any other value the source holds is kept under its own name, not dropped.
    const confidence = typeof row.confidence === 'number' && row.confidence >= 0 && row.confidence <= 1
      ? { confidence: row.confidence }
      : row.confidence === null || row.confidence === undefined ? {} : { source_confidence: row.confidence };
    knowledgeAdds.push(draft(source, {
      ts: refineWithId(utcText(row, 'created_at'), key), primitive: 'knowledge', type: 'add_discovery', agent: agents.resolve(required(row, 'agent_id')),
      target: key, part: 'add', metadata: { domain: required(row, 'domain'), content: required(row, 'content'), ...confidence },
    }));
    if (row.archived_at !== null && row.archived_at !== undefined) {
      draft(source, { ts: epochSeconds(row, 'archived_at'), primitive: 'knowledge', type: 'archive_discovery', agent: null, target: key, part: 'archive', sequence: 1, metadata: {} });
    }
  });

  // ---- sessions.db: the model chat logs `wake` indexed --------------------------------------------
  eachRow('sessions.db', 'entries', (row) => required(row, 'id'), (row, key) => {
    // The line's own time comes from the model CLI's log (ISO 8601, usually with Z); created_at is when it was indexed.
    const stamp = text(row, 'timestamp');
    const zoned = stamp !== null && /(?:Z|[+-]\d{2}:?\d{2})$/i.test(stamp.trim()) ? Date.parse(stamp.trim()) : NaN;
    const ts = Number.isFinite(zoned) ? zoned : stamp !== null && wallClockMs(stamp) !== undefined ? wallClockMs(stamp)! : utcText(row, 'created_at');
    const optional = (column: string) => (text(row, column) === null ? {} : { [column]: text(row, column) });
    draft(ref('sessions.db', 'entries', key), {
      ts, primitive: 'space', type: 'session_entry', agent: agents.resolve(text(row, 'identity')), target: null,
      metadata: {
        cli: required(row, 'cli'), chat_session_id: required(row, 'session_id'), role: required(row, 'role'), text: required(row, 'text'),
        ...optional('model'), ...optional('timestamp'), ...optional('raw_hash'),
      },
    });
  });

  // ---- bookmarks: a reader's position, with no time of its own ---------------------------------
  const reads: EventDraft[] = [];
  // ---- events.db: merged into the rows above where they record the same fact -----------------
  const pendingSend = new Map<string, EventDraft>();
  const near = (a: number, b: number) => Math.abs(a - b) <= SAME_WRITE_MS;
  const takeFirst = <T extends EventDraft>(candidates: readonly T[], ts: number, used: Set<EventDraft>): T | undefined =>
    candidates.find((candidate) => !used.has(candidate) && near(candidate.ts, ts));
  const used = new Set<EventDraft>();
  /** The latest edit of each memory: the row holds the text that edit wrote. */
  const lastEdits = new Map<string, EventDraft>();
  const memoryBySuffix = (suffix: string) => memoryIds.filter((id) => id.endsWith(suffix.trim()));
  eachRow('events.db', 'events', (row) => required(row, 'id'), (row, key) => {
    const ts = eventTs(row);
    const sourceName = required(row, 'source');
    const eventType = required(row, 'event_type');
    const kind = `${sourceName}.${eventType}`;
    const agent = agents.resolve(text(row, 'agent_id'));
    const rawData = text(row, 'data') ?? '';
    const data = parseData(rawData);
    const here = ref('events.db', 'events', key);
    const merge = (into: EventDraft | undefined) => {
      if (!into) return false;
      into.merged.push(here);
      // The event names who ran the command; an agent registering itself did not spawn itself.
      if (into.agent === null && agent !== null && !(into.primitive === 'spawn' && into.target === agent)) into.agent = agent;
      return true;
    };
    const fields = typeof data === 'object' && data !== null && !Array.isArray(data) ? (data as Record<string, unknown>) : {};
    const field = (name: string) => (typeof fields[name] === 'string' ? fields[name] : undefined);
    switch (kind) {
      case 'bridge.message_sending':
      case 'bridge.alert_triggering': {
        const channel = field('channel');
        const content = field('content');
        const identity = agents.resolve(field('identity') ?? text(row, 'agent_id'));
        const candidates = channel === undefined || content === undefined ? [] : (messagesByText.get(messageKey(channel, identity, content)) ?? []);
        const message = takeFirst(candidates, ts, used);
        if (message) {
          used.add(message);
          pendingSend.set(`${channel}\u0000${identity}`, message);
        }
        if (merge(message)) return;
        break;
      }
      case 'bridge.message_sent':
      case 'bridge.alert_triggered': {
        const key2 = `${field('channel')}\u0000${agents.resolve(field('identity') ?? text(row, 'agent_id'))}`;
        const message = pendingSend.get(key2);
        pendingSend.delete(key2);
        if (message && near(message.ts, ts) && merge(message)) return;
        break;
      }
      case 'bridge.message_received': {
        const channel = field('channel');
        const content = field('content');
        const sender = agents.resolve(field('agent_id'));
        const candidates = channel === undefined || content === undefined ? [] : (messagesByText.get(messageKey(channel, sender, content)) ?? []);
        const message = candidates.filter((candidate) => candidate.ts <= ts + SECOND).at(-1);
        if (channel === undefined) break;
        reads.push(draft(here, {
          ts, primitive: 'bridge', type: 'recv', agent: agents.resolve(field('identity') ?? text(row, 'agent_id')) ?? agent, target: channel,
          metadata: message
            ? { count: 1, message_ids: [String(message.metadata.message_id)], sender }
            : { count: 1, sender, ...(content === undefined ? {} : { content }) },
        }));
        return;
      }
      case 'bridge.note_adding':
      case 'bridge.note_added': {
        const channel = field('channel');
        const note = notes.find((candidate) => candidate.target === channel && candidate.agent === agent && near(candidate.ts, ts));
        if (merge(note)) return;
        break;
      }
      case 'bridge.channel_creating':
      case 'bridge.channel_created':
        if (merge(channelDrafts.get(field('channel_name') ?? '')?.created)) return;
        break;
      case 'bridge.channel_archiving':
      case 'bridge.channel_archived': {
        const archived = channelDrafts.get(field('channel') ?? '')?.archived;
        if (archived && near(archived.ts, ts) && merge(archived)) return;
        break;
      }
      case 'identity.wake':
      case 'identity.sleep':
        if (agent !== null) {
          draft(here, { ts, primitive: 'spawn', type: eventType, agent, target: null, metadata: {} });
          return;
        }
        break;
      case 'spawn.agent.create': {
        const name = /^Agent '(.+)' created$/.exec(rawData)?.[1];
        if (name !== undefined && merge(agentDrafts.get(name))) return;
        break;
      }
      case 'memory.note_add': {
        const topic = rawData.split(':')[0];
        const add = [...memoryAdds.values()].find((candidate) => !used.has(candidate) && candidate.agent === agent && candidate.metadata.topic === topic && near(candidate.ts, ts));
        if (add) used.add(add);
        if (merge(add)) return;
        break;
      }
      case 'memory.note_replace': {
        const suffix = /new: ([0-9a-f]+)\s*$/.exec(rawData)?.[1];
        const [id] = suffix === undefined ? [] : memoryBySuffix(suffix);
        if (id !== undefined && merge(memoryAdds.get(id))) return;
        break;
      }
      case 'memory.note_archive': {
        const [id] = memoryBySuffix(rawData);
        const archived = id === undefined ? undefined : memoryArchives.get(id);
        if (archived && near(archived.ts, ts) && merge(archived)) return;
        if (id !== undefined) {
          draft(here, { ts, primitive: 'memory', type: 'archive_entry', agent, target: id, metadata: {} });
          return;
        }
        break;
      }
      case 'memory.note_edit':
      case 'memory.note_restore':
      case 'memory.note_core': {
        const [id] = memoryBySuffix(rawData.split(' ')[0] ?? '');
        if (id !== undefined) {
          const type = eventType === 'note_edit' ? 'edit_entry' : eventType === 'note_restore' ? 'restore_entry' : 'mark_core';
          const made = draft(here, { ts, primitive: 'memory', type, agent, target: id, metadata: eventType === 'note_core' ? { detail: rawData } : {} });
          if (type === 'edit_entry') lastEdits.set(id, made);
          return;
        }
        break;
      }
      case 'knowledge.entry.write': {
        const domain = rawData.split(':')[0];
        const add = knowledgeAdds.find((candidate) => !used.has(candidate) && candidate.agent === agent && candidate.metadata.domain === domain && near(candidate.ts, ts));
        if (add) used.add(add);
        if (merge(add)) return;
        break;
      }
    }
    // No kernel counterpart (or nothing to merge into): kept under `space` with the source's type.
    draft(here, {
      ts, primitive: 'space', type: spaceTypeName(sourceName, eventType), agent, target: null,
      metadata: { source_type: kind, data },
    });
  });

  // `memory edit` overwrote the text in place: the last edit is what wrote the row's current text, so
  // an import of a grown directory (whose add_entry is already stored) keeps the new text too.
  for (const [id, edit] of lastEdits) {
    const content = memoryAdds.get(id)?.metadata.content;
    if (typeof content === 'string') edit.metadata = { ...edit.metadata, content };
  }

  eachRow('bridge.db', 'bookmarks', (row) => `${required(row, 'agent_id')}/${required(row, 'channel_id')}`, (row, key) => {
    const reader = agents.resolve(required(row, 'agent_id'));
    const channel = channelName(required(row, 'channel_id'));
    const lastSeen = text(row, 'last_seen_id');
    const message = lastSeen === null ? undefined : messageById.get(lastSeen);
    const readsHere = reads.filter((candidate) => candidate.agent === reader && candidate.target === channel);
    // The bookmark moved when the reader last read that message; failing that, no earlier than the message.
    // One with nothing seen yet (last_seen_id NULL) is dated by the reader's last read there, else by the
    // later of the channel's creation and the reader's registration (it cannot predate either).
    const read = lastSeen === null ? readsHere.at(-1) : readsHere.filter((candidate) => (candidate.metadata.message_ids as string[] | undefined)?.[0] === lastSeen).at(-1);
    const unseenSince = () => {
      const bounds = [channelDrafts.get(channel)?.created?.ts, reader === null ? undefined : agentDrafts.get(reader)?.ts].filter((ms) => ms !== undefined);
      return bounds.length === 0 ? undefined : Math.max(...bounds);
    };
    const ts = read?.ts ?? message?.ts ?? (lastSeen === null ? unseenSince() : uuid7Ms(lastSeen));
    if (ts === undefined) throw new RowError(`last_seen_id: no message ${lastSeen} to date the bookmark by`);
    // Each recv replaces the row: the position is part of the fact, so a bookmark that moved is a new read.
    draft(ref('bridge.db', 'bookmarks', key), {
      ts, primitive: 'bridge', type: 'recv', agent: reader, target: channel, part: `bookmark@${lastSeen ?? 'none'}`, sequence: 1,
      metadata: { bookmark: true, ...(lastSeen === null ? {} : { message_ids: [lastSeen] }) },
    });
  });

  assignSessions(drafts);
  drafts.sort((a, b) => a.ts - b.ts || a.sequence - b.sequence);
  return { drafts, invalid, rowsByTable, zone, unresolvedAgents: agents.unresolved() };
}


function parseData(raw: string): unknown {
  const trimmed = raw.trim();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      return JSON.parse(trimmed) as unknown;
    } catch {
      return raw;
    }
  }
  return raw;
}
