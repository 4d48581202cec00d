import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { EventCatalog, TraceError, builtinPrimitives } from '@tracekernel/schema';

/**
 * The catalog validates metadata with plain-JS checks compiled from the zod schemas; zod stays the
 * source of truth. Each case is run through the catalog and through zod itself: the same accepted
 * value (with the same key order, so the same stored JSON) or the same error naming the field.
 */
const schemas = {
  loose: z.looseObject({ attempt: z.int().min(1).optional(), title: z.string().min(1).max(5), tag: z.enum(['a', 'b']).nullable().optional() }),
  strip: z.object({ count: z.number().gt(0).lte(10), ids: z.array(z.string().regex(/^id-/)).max(2).optional() }),
  strict: z.strictObject({ ok: z.boolean(), kind: z.literal('x').optional(), nested: z.object({ n: z.int() }).optional() }),
  refined: z.looseObject({ a: z.string() }).refine((value) => value.a !== 'no', { message: 'a must not be no' }),
  emoji: z.looseObject({ word: z.string().min(2).max(3) }),
};

const cases: Array<[keyof typeof schemas, unknown]> = [
  ['loose', { title: 'abc' }],
  ['loose', { extra: [1, { deep: true }], title: 'abc', attempt: 2 }],
  ['loose', { title: 'abc', attempt: undefined, later: undefined }],
  ['loose', { title: 'abcdef' }],
  ['loose', { title: '' }],
  ['loose', { attempt: 0, title: 'a' }],
  ['loose', { attempt: 1.5, title: 'a' }],
  ['loose', { attempt: '1', title: 'a' }],
  ['loose', { title: 'a', tag: null }],
  ['loose', { title: 'a', tag: 'c' }],
  ['loose', {}],
  ['strip', { count: 10, dropped: 'yes', ids: ['id-1'] }],
  ['strip', { count: 0 }],
  ['strip', { count: 11 }],
  ['strip', { count: Number.POSITIVE_INFINITY }],
  ['strip', { count: 1, ids: ['id-1', 'id-2', 'id-3'] }],
  ['strip', { count: 1, ids: ['nope'] }],
  ['strict', { ok: true, kind: 'x', nested: { n: 3 } }],
  ['strict', { ok: true, other: 1 }],
  ['strict', { ok: 'yes' }],
  ['strict', { ok: true, nested: { n: 3.5 } }],
  ['refined', { a: 'yes' }],
  ['refined', { a: 'no' }],
  ['emoji', { word: '😀😀' }],
  ['emoji', { word: '😀' }],
  ['emoji', { word: '😀😀😀😀' }],
];

function outcome(run: () => unknown): { value: string } | { error: string } {
  try {
    return { value: JSON.stringify(run()) };
  } catch (error) {
    if (error instanceof TraceError) return { error: error.message };
    throw error;
  }
}

function zodOutcome(schema: z.ZodType, metadata: unknown, kind: string): { value: string } | { error: string } {
  const result = schema.safeParse(metadata);
  if (result.success) return { value: JSON.stringify(result.data) };
  const issue = result.error.issues[0]!;
  return { error: `${['metadata', ...issue.path.map(String)].join('.')}: ${issue.message} (${kind})` };
}

describe('metadata validation', () => {
  const catalog = new EventCatalog();
  catalog.registerPrimitive('check', {
    summary: 'test kinds',
    target: null,
    types: Object.fromEntries(Object.entries(schemas).map(([type, metadata]) => [type, { summary: type, description: '{agent}', metadata }])),
  });

  it.each(cases)('%s %j: the same value or error as zod', (type, metadata) => {
    const expected = zodOutcome(schemas[type], metadata, `check.${type}`);
    expect(outcome(() => catalog.parseMetadata('check', type, metadata))).toEqual(expected);
    // prepare() takes the same path, and its snapshot is that value's JSON
    const prepared = outcome(() => catalog.prepare({ primitive: 'check', type, metadata }).metadataJson);
    expect(prepared).toEqual('value' in expected ? { value: JSON.stringify(expected.value) } : expected);
  });

  it('returns a copy, as zod does: changing the input afterwards changes nothing', () => {
    const metadata = { title: 'abc', list: [1] };
    const parsed = catalog.parseMetadata('check', 'loose', metadata);
    metadata.title = 'changed';
    expect(parsed).not.toBe(metadata);
    expect(parsed.title).toBe('abc');
  });

  it('accepts and refuses built-in metadata as zod does', () => {
    const builtin = new EventCatalog();
    const { claim_task } = builtinPrimitives.ops.types;
    for (const metadata of [{ attempt: 1, note: 'x' }, { attempt: 0 }, { attempt: 2 ** 60 }, { note: 'x', attempt: 3 }]) {
      expect(outcome(() => builtin.parseMetadata('ops', 'claim_task', metadata))).toEqual(zodOutcome(claim_task.metadata, metadata, 'ops.claim_task'));
    }
  });
});
