import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventCatalog, type EventInput, type TraceEvent } from '@tracekernel/schema';
import { SqliteTraceStore } from '@tracekernel/store';

/** 2025-10-22 14:00:00 UTC, the design's story time. */
export const T0 = Date.UTC(2025, 9, 22, 14, 0, 0);
export const minute = (n: number) => T0 + n * 60_000;

export interface Fixture {
  store: SqliteTraceStore;
  catalog: EventCatalog;
  /** Validates and appends one event, as the SDK would; returns the stored event. */
  emit(input: EventInput): TraceEvent;
  cleanup(): Promise<void>;
}

/** A real SQLite store in a fresh temp dir. */
export function openFixture(): Fixture {
  const dir = mkdtempSync(join(tmpdir(), 'tracekernel-projector-'));
  const store = SqliteTraceStore.open({ path: join(dir, 'trace.db'), mode: 'write' });
  const catalog = new EventCatalog();
  return {
    store,
    catalog,
    emit(input) {
      const prepared = catalog.prepare(input);
      const [result] = store.appendSync([prepared]);
      if (!result?.inserted) throw new Error(`fixture: event ${prepared.event.id} was not inserted`);
      return prepared.event;
    },
    async cleanup() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The payment-system story of the design, with real causes, plus unrelated noise. */
export function paymentStory(f: Fixture) {
  const { emit } = f;
  const ask = emit({ primitive: 'bridge', type: 'send', ts: minute(-5), agent_id: 'pm', target_id: 'payments', metadata: { content: 'we need payments' } });
  const wake = emit({ primitive: 'spawn', type: 'wake', ts: minute(-2), agent_id: 'zealot-1', session_id: '42' });
  const notes = emit({ primitive: 'memory', type: 'add_entry', ts: minute(-1), agent_id: 'zealot-1', target_id: 'arch-notes', parent_event_id: ask.id, metadata: { topic: 'payments', content: 'design payment flow' } });
  const create = emit({ primitive: 'ops', type: 'create_task', ts: minute(0), agent_id: 'zealot-1', target_id: 'task-abc123', parent_event_id: notes.id, metadata: { title: 'Build payment system' } });
  const subs = [1, 2, 3].map((n) => emit({
    primitive: 'ops', type: 'create_task', ts: minute(1), agent_id: 'zealot-1', target_id: `task-sub${n}`, parent_event_id: create.id,
    metadata: { title: `Part ${n}`, parent_task_id: 'task-abc123' },
  }));
  const other = emit({ primitive: 'ops', type: 'create_task', ts: minute(2), agent_id: 'zealot-1', target_id: 'task-other', metadata: { title: 'Unrelated' } });
  const claim1 = emit({ primitive: 'ops', type: 'claim_task', ts: minute(5), agent_id: 'haiku-1', target_id: 'task-sub1', parent_event_id: subs[0]!.id });
  // A sub-subtask, linked only through parent_task_id (no causal parent).
  const subsub = emit({ primitive: 'ops', type: 'create_task', ts: minute(6), agent_id: 'haiku-1', target_id: 'task-sub1a', metadata: { title: 'Stripe keys', parent_task_id: 'task-sub1' } });
  const lunch = emit({ primitive: 'bridge', type: 'send', ts: minute(7), agent_id: 'haiku-9', target_id: 'payments', metadata: { content: 'lunch?' } });
  const blockedMsg = emit({ primitive: 'bridge', type: 'send', ts: minute(10), agent_id: 'haiku-1', target_id: 'payments', parent_event_id: claim1.id, metadata: { content: 'Blocked on API key' } });
  const stripeNote = emit({ primitive: 'memory', type: 'add_entry', ts: minute(12), agent_id: 'haiku-1', target_id: 'mem-7', parent_event_id: blockedMsg.id, metadata: { topic: 'stripe', content: 'stripe config issue' } });
  const block = emit({ primitive: 'ops', type: 'block_task', ts: minute(15), agent_id: 'haiku-1', target_id: 'task-sub1', parent_event_id: blockedMsg.id, metadata: { reason: 'need API key' } });
  const answer = emit({ primitive: 'bridge', type: 'send', ts: minute(20), agent_id: 'zealot-1', target_id: 'payments', parent_event_id: block.id, metadata: { content: 'API key in .env.example' } });
  // Fan-in: the retry answers the message and the block.
  const claim2 = emit({ primitive: 'ops', type: 'claim_task', ts: minute(25), agent_id: 'haiku-1', target_id: 'task-sub1', parent_event_id: answer.id, causes: [block.id], metadata: { attempt: 2 } });
  const complete = emit({ primitive: 'ops', type: 'complete_task', ts: minute(30), agent_id: 'haiku-1', target_id: 'task-sub1', parent_event_id: claim2.id });
  // Caused by a task event only through `causes`; its primary parent is outside the task.
  const discovery = emit({ primitive: 'knowledge', type: 'add_discovery', ts: minute(35), agent_id: 'zealot-1', target_id: 'disc-1', parent_event_id: wake.id, causes: [complete.id], metadata: { domain: 'architecture' } });
  const wake2 = emit({ primitive: 'spawn', type: 'wake', ts: minute(40), agent_id: 'zealot-1', session_id: '43' });
  return { ask, wake, notes, create, subs, other, claim1, subsub, lunch, blockedMsg, stripeNote, block, answer, claim2, complete, discovery, wake2 };
}

export type Story = ReturnType<typeof paymentStory>;
