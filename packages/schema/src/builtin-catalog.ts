import { z } from 'zod';
import type { PrimitiveDefinition } from './catalog.js';
import { otelPrimitive } from './otel-span.js';
import { runPrimitive } from './run-record.js';

const text = z.string().min(1).max(64 * 1024);
const name = z.string().min(1).max(512);

/**
 * The five primitives of an agent system and their event types. The metadata schemas are loose:
 * the fields named here are checked, and an emitter may add more.
 */
export const builtinPrimitives = {
  spawn: {
    summary: 'Agent lifecycle: waking, sleeping and spawning other agents.',
    target: 'agent',
    types: {
      wake: {
        summary: 'An agent starts a working session.',
        description: '{agent} woke[ (session {session})]',
        metadata: z.looseObject({ reason: text.optional() }),
      },
      sleep: {
        summary: 'An agent ends its working session.',
        description: '{agent} slept[ ({meta.reason})]',
        metadata: z.looseObject({ reason: text.optional() }),
      },
      spawn: {
        summary: 'An agent starts another agent, the target.',
        description: '{agent} spawned {target}[ (role {meta.role})]',
        requiresTarget: true,
        metadata: z.looseObject({ role: name.optional(), task_id: name.optional() }),
      },
    },
  },
  bridge: {
    summary: 'Messages between agents on channels; the target is the channel.',
    target: 'channel',
    types: {
      send: {
        summary: 'An agent posts a message to a channel.',
        description: '{agent} posted to #{target}: "{meta.content}"',
        requiresTarget: true,
        metadata: z.looseObject({ content: text, message_id: name.optional() }),
      },
      recv: {
        summary: 'An agent reads a channel.',
        description: '{agent} read #{target}[ ({meta.count|message})]',
        requiresTarget: true,
        metadata: z.looseObject({ count: z.int().min(0).optional(), message_ids: z.array(name).optional() }),
      },
      note: {
        summary: 'An agent attaches a note to a channel.',
        description: '{agent} noted on #{target}: "{meta.content}"',
        requiresTarget: true,
        metadata: z.looseObject({ content: text }),
      },
      create_channel: {
        summary: 'A channel is created.',
        description: '[{agent} ]created #{target}[: {meta.topic}]',
        requiresTarget: true,
        metadata: z.looseObject({ topic: text.optional() }),
      },
      archive_channel: {
        summary: 'A channel is archived.',
        description: '[{agent} ]archived #{target}',
        requiresTarget: true,
        metadata: z.looseObject({}),
      },
    },
  },
  ops: {
    summary: 'Task lifecycle; the target is the task.',
    target: 'task',
    types: {
      create_task: {
        summary: 'A task is created, optionally as a subtask of parent_task_id.',
        description: '{target} ({meta.title}) created by {agent}[, subtask of {meta.parent_task_id}]',
        requiresTarget: true,
        targetParentField: 'parent_task_id',
        metadata: z.looseObject({ title: text, parent_task_id: name.nullable().optional() }),
      },
      claim_task: {
        summary: 'An agent takes a task on.',
        description: '{target} claimed by {agent}[ (attempt {meta.attempt})]',
        requiresTarget: true,
        metadata: z.looseObject({ attempt: z.int().min(1).optional() }),
      },
      complete_task: {
        summary: 'A task is done.',
        description: '{target} completed by {agent}[: "{meta.result}"]',
        requiresTarget: true,
        metadata: z.looseObject({ result: text.optional() }),
      },
      block_task: {
        summary: 'A task cannot go on until something changes.',
        description: '{target} blocked[ by {agent}] (reason: {meta.reason})',
        requiresTarget: true,
        // waiting_on names what the task waits for, so `trace waits` can build a wait-for graph;
        // exactly one of task, agent or channel. Optional: blocks recorded before it stay valid.
        metadata: z.looseObject({
          reason: text,
          waiting_on: z
            .union([z.strictObject({ task: name }), z.strictObject({ agent: name }), z.strictObject({ channel: name })], {
              error: 'expected exactly one of {"task": T}, {"agent": A} or {"channel": C}',
            })
            .optional(),
        }),
      },
      reduce_task: {
        summary: "The results of a task's subtasks are merged into it.",
        description: '{target} reduced by {agent}[ from {meta.subtask_ids}][: "{meta.summary}"]',
        requiresTarget: true,
        metadata: z.looseObject({ subtask_ids: z.array(name).optional(), summary: text.optional() }),
      },
    },
  },
  memory: {
    summary: "An agent's private notes; the target is the memory entry.",
    target: 'memory',
    types: {
      add_entry: {
        summary: 'An agent records a memory entry under a topic.',
        description: '{agent} added memory[ "{meta.content}"] (topic: {meta.topic})',
        metadata: z.looseObject({ topic: name, content: text.optional() }),
      },
      archive_entry: {
        summary: 'An agent archives a memory entry.',
        description: '{agent} archived memory[ {target}][ ({meta.reason})]',
        metadata: z.looseObject({ reason: text.optional() }),
      },
      edit_entry: {
        summary: 'An agent rewrites a memory entry in place.',
        description: '{agent} edited memory[ {target}][: "{meta.content}"]',
        metadata: z.looseObject({ content: text.optional() }),
      },
      restore_entry: {
        summary: 'An archived memory entry is restored.',
        description: '{agent} restored memory[ {target}]',
        metadata: z.looseObject({}),
      },
      mark_core: {
        summary: 'A memory entry is marked core (always recalled).',
        description: '{agent} marked memory[ {target}] core',
        metadata: z.looseObject({}),
      },
      link_entries: {
        summary: 'A memory entry (the target) is linked to another, e.g. the one it replaces.',
        description: '{agent} linked memory[ {target}] to {meta.parent_memory_id}[ ({meta.kind})]',
        metadata: z.looseObject({ parent_memory_id: name, kind: name.optional() }),
      },
    },
  },
  knowledge: {
    summary: 'Findings shared by all agents; the target is the discovery.',
    target: 'discovery',
    types: {
      add_discovery: {
        summary: 'An agent shares a discovery in a domain.',
        description: '{agent} added discovery domain={meta.domain}[: "{meta.content}"]',
        metadata: z.looseObject({
          domain: name,
          content: text.optional(),
          confidence: z.number().min(0).max(1).optional(),
        }),
      },
      archive_discovery: {
        summary: 'A discovery is archived.',
        description: '{agent} archived discovery[ {target}]',
        metadata: z.looseObject({ reason: text.optional() }),
      },
    },
  },
  run: runPrimitive,
  otel: otelPrimitive,
} as const satisfies Record<string, PrimitiveDefinition>;

export type BuiltinPrimitives = typeof builtinPrimitives;
