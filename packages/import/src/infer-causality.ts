import type { TraceEvent } from '@tracekernel/schema';
import type { InferredEdge } from '@tracekernel/store';
import { mentions } from './mentions.js';

/** `default` runs every rule; `none` infers nothing. */
export type InferMode = 'none' | 'default';

/** The rules, each named as it is stored on an edge, with the confidence it gives. See docs/import.md. */
export const INFERENCE_RULES = {
  'read-before-act': 0.7,
  reply: 0.8,
  'memory-of-channel': 0.6,
  'memory-link': 1,
  session: 0.3,
  'task-output': 0.9,
  mention: 0.9,
  'task-lifecycle': 0.9,
} as const;
export type InferenceRule = keyof typeof INFERENCE_RULES;

/** How long after a mention a reply still counts as one. */
const REPLY_WINDOW_MS = 6 * 3600_000;
/** How long after a task ends the message carrying its output may be posted. */
const OUTPUT_WINDOW_MS = 60_000;
/** Reads and actions of an agent without sessions count as one stretch of work within this gap. */
const SESSIONLESS_GAP_MS = 30 * 60_000;

const isSend = (event: TraceEvent) => event.primitive === 'bridge' && event.type === 'send';
const isRead = (event: TraceEvent) => event.primitive === 'bridge' && event.type === 'recv';
const isMemoryEntry = (event: TraceEvent) => event.primitive === 'memory' && event.type === 'add_entry';
/** What an agent does (as opposed to reading, waking or sleeping). */
const isAction = (event: TraceEvent) =>
  (event.primitive === 'bridge' && (event.type === 'send' || event.type === 'note')) ||
  (event.primitive === 'knowledge' && event.type === 'add_discovery') ||
  (event.primitive === 'ops' && event.type === 'create_task');
const str = (value: unknown) => (typeof value === 'string' ? value : undefined);

/**
 * Infers the causes a system never recorded, from the events alone. Pure and deterministic: the
 * same events give the same edges. Only events without a declared parent_event_id get edges (a
 * declared parent always wins), and an edge always points back in time.
 *
 * @param events any events, in any order (they are sorted by ts, then id)
 */
export function inferCausality(events: readonly TraceEvent[]): InferredEdge[] {
  const ordered = [...events].sort((a, b) => a.ts - b.ts || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const edges = new Map<string, InferredEdge>();
  const add = (event: TraceEvent, parent: TraceEvent | undefined, rule: InferenceRule, confidence: number = INFERENCE_RULES[rule]) => {
    if (!parent || parent.id === event.id || event.parent_event_id !== null || parent.ts > event.ts) return;
    const key = `${event.id} ${parent.id} ${rule}`;
    if (!edges.has(key)) edges.set(key, { event_id: event.id, parent_id: parent.id, rule, confidence });
  };

  const sendsByMessageId = new Map<string, TraceEvent>();
  for (const event of ordered) {
    const messageId = str(event.metadata.message_id);
    if (isSend(event) && messageId !== undefined) sendsByMessageId.set(messageId, event);
  }
  const lastSendOn = new Map<string, TraceEvent>();
  const sendsOn = new Map<string, TraceEvent[]>();
  const memoryEntries = new Map<string, TraceEvent>();
  const wakes = new Map<string, TraceEvent>();
  const lastTaskEvent = new Map<string, TraceEvent>();
  const taskChannels = new Map<string, string>();
  /** Messages each agent has read since its last action: [message, the read]. */
  const unread = new Map<string, Array<{ message: TraceEvent; read: TraceEvent }>>();
  const pendingMentions: Array<{ message: TraceEvent; agent: string }> = [];
  const agents = new Set(ordered.map((event) => event.agent_id).filter((agent): agent is string => agent !== null));

  const sameStretch = (a: TraceEvent, b: TraceEvent) =>
    a.session_id !== null || b.session_id !== null ? a.session_id === b.session_id : b.ts - a.ts <= SESSIONLESS_GAP_MS;

  for (const event of ordered) {
    const agent = event.agent_id;
    if (agent !== null && event.session_id !== null && event.primitive === 'spawn' && event.type === 'wake') wakes.set(event.session_id, event);
    if (agent !== null && event.session_id !== null && !(event.primitive === 'spawn' && event.type === 'wake')) {
      add(event, wakes.get(event.session_id), 'session');
    }

    if (isRead(event) && agent !== null && event.target_id !== null) {
      const ids = Array.isArray(event.metadata.message_ids) ? event.metadata.message_ids.filter((id): id is string => typeof id === 'string') : [];
      const read = ids.length > 0 ? ids.map((id) => sendsByMessageId.get(id)) : [lastSendOn.get(event.target_id)];
      const list = unread.get(agent) ?? [];
      for (const message of read) if (message && message.ts <= event.ts) list.push({ message, read: event });
      unread.set(agent, list);
    }

    if (agent !== null && (isAction(event) || isMemoryEntry(event))) {
      const recent = (unread.get(agent) ?? []).filter(({ read }) => sameStretch(read, event));
      const replied = isSend(event) ? pendingMentions.findIndex((mention) => mention.agent === agent && mention.message.target_id === event.target_id && event.ts - mention.message.ts <= REPLY_WINDOW_MS) : -1;
      if (replied >= 0) {
        add(event, pendingMentions[replied]!.message, 'reply');
        pendingMentions.splice(replied, 1);
      }
      if (isMemoryEntry(event)) {
        const latest = recent.at(-1)?.message;
        if (latest) add(event, latest, 'memory-of-channel');
        else {
          const named = [...sendsOn.keys()].find((channel) => event.metadata.topic === channel || (str(event.metadata.content) ?? '').includes(`#${channel}`));
          add(event, named === undefined ? undefined : lastSendOn.get(named), 'memory-of-channel', 0.4);
        }
      } else if (recent.length > 0) {
        const onChannel = recent.filter(({ message }) => message.target_id === event.target_id).at(-1)?.message;
        add(event, onChannel ?? recent.at(-1)!.message, 'read-before-act', onChannel ? INFERENCE_RULES['read-before-act'] : 0.4);
      }
      unread.set(agent, []);
    }

    if (isSend(event) && event.target_id !== null) {
      lastSendOn.set(event.target_id, event);
      sendsOn.set(event.target_id, [...(sendsOn.get(event.target_id) ?? []), event]);
      const content = str(event.metadata.content) ?? '';
      if (content.includes('@')) {
        for (const name of agents) if (name !== agent && mentions(content, name)) pendingMentions.push({ message: event, agent: name });
      }
    }

    if (isMemoryEntry(event) && event.target_id !== null) memoryEntries.set(event.target_id, event);
    if (event.primitive === 'memory' && event.type === 'link_entries' && event.target_id !== null) {
      const parent = memoryEntries.get(str(event.metadata.parent_memory_id) ?? '');
      const entry = memoryEntries.get(event.target_id);
      if (entry) add(entry, parent, 'memory-link');
      add(event, entry, 'memory-link');
    }

    const mentionId = str(event.metadata.mention_message_id) ?? str(event.metadata.spawned_by_message);
    if (mentionId !== undefined) add(event, sendsByMessageId.get(mentionId), 'mention');

    if (event.primitive === 'ops' && event.target_id !== null) {
      add(event, lastTaskEvent.get(event.target_id), 'task-lifecycle');
      lastTaskEvent.set(event.target_id, event);
      if (event.type === 'create_task' && str(event.metadata.channel) !== undefined) taskChannels.set(event.target_id, str(event.metadata.channel)!);
      const result = str(event.metadata.result)?.trim();
      if (event.type === 'complete_task' && result) {
        const channel = taskChannels.get(event.target_id);
        const carrier = ordered.find((candidate) =>
          isSend(candidate) && candidate.ts >= event.ts && candidate.ts - event.ts <= OUTPUT_WINDOW_MS &&
          (channel === undefined || candidate.target_id === channel) && (str(candidate.metadata.content) ?? '').trim() === result);
        if (carrier) add(carrier, event, 'task-output');
      }
    }
  }
  return [...edges.values()];
}
