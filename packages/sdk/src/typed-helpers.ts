import type { BuiltinPrimitives, EventTypeDefinition, MetadataInput, PrimitiveDefinition } from '@tracekernel/schema';

type CamelCase<S extends string> = S extends `${infer Head}_${infer Tail}` ? `${Head}${Capitalize<CamelCase<Tail>>}` : S;

/** Envelope fields every typed helper accepts beside the event type's metadata fields. */
export interface HelperFields {
  target?: string | null;
  session?: string | null;
  idempotencyKey?: string | null;
  ts?: number | string | Date;
  parent?: string | null;
  causes?: readonly string[];
}

const ENVELOPE_KEYS = new Set<string>(['target', 'session', 'idempotencyKey', 'ts', 'parent', 'causes']);

export type TypedHelpers<P extends Record<string, PrimitiveDefinition>> = {
  [Primitive in keyof P]: {
    [Type in keyof P[Primitive]['types'] & string as CamelCase<Type>]: (
      fields: HelperFields &
        (P[Primitive]['types'][Type] extends EventTypeDefinition ? MetadataInput<P[Primitive]['types'][Type]> : never),
    ) => string;
  };
};

export type BuiltinHelpers = TypedHelpers<BuiltinPrimitives>;

function camelCase(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
}

type Emit = (primitive: string, type: string, fields: Record<string, unknown>, causation: { parent?: string | null; causes?: readonly string[] }) => string;

/**
 * `tracer.ops.createTask({ target: 'task-1', title: 'Build payment system' })`: one function per
 * catalog entry. Envelope fields go to the envelope; every other field is metadata.
 */
export function buildHelpers(primitives: Record<string, PrimitiveDefinition>, emit: Emit): Record<string, Record<string, (fields: Record<string, unknown>) => string>> {
  const helpers: Record<string, Record<string, (fields: Record<string, unknown>) => string>> = {};
  for (const [primitive, definition] of Object.entries(primitives)) {
    const namespace: Record<string, (fields: Record<string, unknown>) => string> = {};
    for (const type of Object.keys(definition.types)) {
      namespace[camelCase(type)] = (fields = {}) => {
        const metadata: Record<string, unknown> = {};
        for (const [key, value] of Object.entries(fields)) if (!ENVELOPE_KEYS.has(key)) metadata[key] = value;
        const { target, session, idempotencyKey, ts, parent, causes } = fields as HelperFields;
        return emit(primitive, type, { target, session, idempotencyKey, ts, metadata }, { parent, causes });
      };
    }
    helpers[primitive] = namespace;
  }
  return helpers;
}
