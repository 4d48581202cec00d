import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { EventCatalog, TraceError, compileDescription, eventIdTime, eventSchema } from '@tracekernel/schema';

const catalog = new EventCatalog();

function errorOf(fn: () => unknown): TraceError {
  try {
    fn();
  } catch (error) {
    if (error instanceof TraceError) return error;
    throw error;
  }
  throw new Error('expected a TraceError');
}

describe('the catalog', () => {
  it('has the five primitives and their event types', () => {
    expect(catalog.primitives()).toEqual(expect.arrayContaining(['spawn', 'bridge', 'ops', 'memory', 'knowledge']));
    expect(Object.keys(catalog.primitive('ops').types)).toEqual(['create_task', 'claim_task', 'complete_task', 'block_task', 'reduce_task']);
    expect(Object.keys(catalog.primitive('spawn').types)).toEqual(['wake', 'sleep', 'spawn']);
    expect(Object.keys(catalog.primitive('bridge').types)).toEqual(['send', 'recv', 'note', 'create_channel', 'archive_channel']);
    expect(Object.keys(catalog.primitive('memory').types)).toEqual(['add_entry', 'archive_entry', 'edit_entry', 'restore_entry', 'mark_core', 'link_entries']);
    expect(Object.keys(catalog.primitive('knowledge').types)).toEqual(['add_discovery', 'archive_discovery']);
  });

  it('prepares a complete event whose ts is its id time, and a snapshot of its metadata', () => {
    const metadata = { title: 'Build payment system', extra: { nested: true } };
    const { event, metadataJson } = catalog.prepare({ primitive: 'ops', type: 'create_task', agent_id: 'zealot-1', target_id: 'task-abc123', metadata });
    metadata.title = 'changed afterwards';
    expect(eventSchema.parse(event)).toEqual(event);
    expect(event.ts).toBe(eventIdTime(event.id));
    expect(JSON.parse(metadataJson)).toEqual({ title: 'Build payment system', extra: { nested: true } });
    expect(event).toMatchObject({ causes: [], parent_event_id: null, session_id: null, schema_version: 1 });
  });

  it.each([
    [{ primitive: 'opz', type: 'claim_task' }, 'E_UNKNOWN_KIND', 'unknown primitive "opz"; expected one of: spawn, bridge, ops, memory, knowledge'],
    [{ primitive: 'ops', type: 'claim' }, 'E_UNKNOWN_KIND', 'unknown type "claim" for primitive ops; expected one of: create_task, claim_task, complete_task, block_task, reduce_task'],
    [{ primitive: 'ops', type: 'create_task', target_id: 't', metadata: {} }, 'E_SCHEMA', 'metadata.title: Invalid input: expected string, received undefined (ops.create_task)'],
    [{ primitive: 'ops', type: 'block_task', metadata: { reason: 'x' } }, 'E_SCHEMA', 'target_id: ops.block_task needs a target (the task)'],
    [{ primitive: 'ops', type: 'block_task', target_id: 't', metadata: { reason: 'x', waiting_on: { task: 'a', agent: 'b' } } }, 'E_SCHEMA', 'metadata.waiting_on: expected exactly one of {"task": T}, {"agent": A} or {"channel": C} (ops.block_task)'],
    [{ primitive: 'ops', type: 'block_task', target_id: 't', metadata: { reason: 'x', waiting_on: 'task-b' } }, 'E_SCHEMA', 'metadata.waiting_on: expected exactly one of'],
    [{ primitive: 'bridge', type: 'recv', target_id: 'c', metadata: { count: -1 } }, 'E_SCHEMA', 'metadata.count'],
    [{ primitive: 'spawn', type: 'wake', metadata: [] }, 'E_SCHEMA', 'metadata: expected a JSON object (spawn.wake)'],
    [{ primitive: 'spawn', type: 'wake', metadata: { big: 1n } }, 'E_SCHEMA', 'metadata: not JSON-serializable'],
    [{ primitive: 'spawn', type: 'wake', agent_id: '' }, 'E_SCHEMA', 'agent_id: expected a non-empty string'],
    [{ primitive: 'spawn', type: 'wake', causes: ['nope'] }, 'E_INVALID_ID', 'causes[0]: expected a uuidv7 event id, got "nope"'],
    [{ primitive: 'spawn', type: 'wake', ts: 1.5 }, 'E_INVALID_TIME', 'ts: could not parse 1.5; expected an ISO-8601 time'],
  ])('refuses bad input %# with a message naming the field', (input, code, message) => {
    const error = errorOf(() => catalog.prepare(input));
    expect(error.code).toBe(code);
    expect(error.message).toContain(message);
  });

  it('takes user primitives at runtime, with their own schema and description', () => {
    const custom = new EventCatalog().registerPrimitive('deploy', {
      summary: 'Deployments', target: 'service',
      types: { ship: { summary: 'ships', description: '{agent} shipped {target}[ v{meta.version}]', metadata: z.looseObject({ version: z.string().optional() }) } },
    });
    const shipped = custom.prepare({ primitive: 'deploy', type: 'ship', agent_id: 'ci', target_id: 'api', metadata: { version: '2.0' } }).event;
    expect(custom.describe(shipped)).toBe('ci shipped api v2.0');
    expect(() => custom.registerPrimitive('Bad Name', { summary: '', target: null, types: {} })).toThrow(/must match/);
    // a catalog that does not know the type still describes stored events of it
    expect(new EventCatalog().describe(shipped)).toBe('ci deploy.ship api');
  });
});

describe('description templates', () => {
  const event = catalog.prepare({ primitive: 'ops', type: 'block_task', agent_id: 'haiku-1', target_id: 'task-sub1', metadata: { reason: 'need API key' } }).event;

  it('render the design\'s timeline phrases', () => {
    expect(catalog.describe(event)).toBe('task-sub1 blocked by haiku-1 (reason: need API key)');
    const claim = catalog.prepare({ primitive: 'ops', type: 'claim_task', agent_id: 'haiku-1', target_id: 'task-sub1' }).event;
    expect(catalog.describe(claim)).toBe('task-sub1 claimed by haiku-1');
  });

  it('drop an optional part whose values are missing, and put long values whole on one line', () => {
    const render = compileDescription('{agent} said[ "{meta.content}"][ to {meta.nobody}]');
    const long = { ...event, metadata: { content: `line one\nline two ${'x'.repeat(100)}` } };
    expect(render(long)).toBe(`haiku-1 said "line one line two ${'x'.repeat(100)}"`);
    expect(compileDescription('{target} by {meta.who}')(event)).toBe('task-sub1 by ?');
  });

  // Templates are parsed on first use (issue 12, CLI start-up), yet a malformed one is still refused when registered.
  it('refuse a template with an unclosed { when it is compiled, before any event is described', () => {
    expect(() => compileDescription('{target} by {agent} [{meta.who')).toThrow('unclosed { in description template');
    expect(() => compileDescription('{target}} by {agent}')).not.toThrow();
    expect(() => new EventCatalog().registerPrimitive('deploy', {
      summary: 'Deployments', target: 'service',
      types: { start: { summary: 'starts', description: 'started {target', metadata: z.looseObject({}) } },
    })).toThrow('unclosed {');
  });

  // Issue 15: "created by " followed by nothing, "(1 messages)", unescaped inner quotes, an emoji cut in half.
  it('read "(no agent)" for a missing agent, pluralise counts, escape inner quotes and keep emoji whole (the CLI fits lines by grapheme)', () => {
    const orphan = catalog.prepare({ primitive: 'ops', type: 'create_task', target_id: 'task-1', metadata: { title: 'Pay' } }).event;
    expect(catalog.describe(orphan)).toBe('task-1 (Pay) created by (no agent)');
    const read = (count: number) => catalog.describe(catalog.prepare({ primitive: 'bridge', type: 'recv', agent_id: 'a', target_id: 'p', metadata: { count } }).event);
    expect([read(1), read(2)]).toEqual(['a read #p (1 message)', 'a read #p (2 messages)']);
    const quoted = catalog.prepare({ primitive: 'bridge', type: 'send', agent_id: 'a', target_id: 'p', metadata: { content: 'the vault "Payments Sandbox"' } }).event;
    expect(catalog.describe(quoted)).toBe('a posted to #p: "the vault \\"Payments Sandbox\\""');
    const fits = catalog.prepare({ primitive: 'bridge', type: 'send', agent_id: 'a', target_id: 'p', metadata: { content: '👍🏽'.repeat(60) } }).event;
    expect(catalog.describe(fits)).toBe(`a posted to #p: "${'👍🏽'.repeat(60)}"`);
  });
});

describe('listCatalog', () => {
  it('lists every primitive and type with required metadata fields and the description template', async () => {
    const { listCatalog } = await import('@tracekernel/schema');
    const catalog = new EventCatalog();
    const listing = listCatalog(catalog);
    expect(listing.map((primitive) => primitive.primitive)).toEqual(catalog.primitives());
    const ops = listCatalog(catalog, 'ops')[0]!;
    expect(ops.types.find((type) => type.type === 'create_task')).toMatchObject({
      requires_target: true, required_metadata: ['title'], optional_metadata: expect.arrayContaining(['parent_task_id']),
      description: catalog.definition('ops', 'create_task').description,
    });
    expect(() => listCatalog(catalog, 'opz')).toThrow(expect.objectContaining({ code: 'E_UNKNOWN_KIND' }));
  });
});
