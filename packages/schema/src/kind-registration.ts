import { z } from 'zod';
import { builtinPrimitives } from './builtin-catalog.js';
import type { EventCatalog, EventTypeDefinition, PrimitiveDefinition } from './catalog.js';
import { TraceError } from './trace-error.js';

/**
 * One registered event type as a store keeps it: everything the catalog needs, in JSON. The
 * metadata schema is the JSON Schema that zod 4's `z.toJSONSchema` makes of the registered zod
 * schema, and `z.fromJSONSchema` turns it back into the validator: the JSON Schema is the one
 * stored source of truth, and the registering process's zod schema is where it comes from.
 */
export interface KindRegistration {
  primitive: string;
  type: string;
  primitive_summary: string;
  /** What the primitive's target is (task, channel…), or null. */
  target: string | null;
  summary: string;
  description: string;
  requires_target: boolean;
  target_parent_field: string | null;
  metadata_schema: Record<string, unknown>;
}

function isBuiltin(primitive: string): boolean {
  return Object.hasOwn(builtinPrimitives, primitive);
}

/** Refuses a registration that would change a built-in primitive. */
export function checkNotBuiltin(primitive: string): void {
  if (isBuiltin(primitive)) {
    throw new TraceError('E_SCHEMA', `primitive: "${primitive}" is built in and cannot be registered or overridden; choose another name`);
  }
}

/**
 * The registrations of a primitive's types, in the form a store keeps. A metadata schema that JSON
 * Schema cannot express (a transform, a refinement's function) is refused, naming the type:
 * the CLI could not validate what it cannot read back.
 */
export function toKindRegistrations(primitive: string, definition: PrimitiveDefinition): KindRegistration[] {
  checkNotBuiltin(primitive);
  return Object.entries(definition.types).map(([type, typeDefinition]) => {
    let schema: Record<string, unknown>;
    try {
      schema = z.toJSONSchema(typeDefinition.metadata, { io: 'input' }) as Record<string, unknown>;
    } catch (error) {
      throw new TraceError(
        'E_SCHEMA',
        `${primitive}.${type}: its metadata schema cannot be stored as JSON Schema (${(error as Error).message}); use plain zod types without transforms`,
      );
    }
    return {
      primitive,
      type,
      primitive_summary: definition.summary,
      target: definition.target,
      summary: typeDefinition.summary,
      description: typeDefinition.description,
      requires_target: typeDefinition.requiresTarget === true,
      target_parent_field: typeDefinition.targetParentField ?? null,
      metadata_schema: schema,
    };
  });
}

/** Whether two registrations of one type say the same thing (key order aside). */
export function sameRegistration(a: KindRegistration, b: KindRegistration): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    item && typeof item === 'object' && !Array.isArray(item)
      ? Object.fromEntries(Object.entries(item as Record<string, unknown>).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)))
      : item,
  );
}

/** Adds stored registrations to a catalog (built-in primitives are never touched). */
export function loadRegistrations(catalog: EventCatalog, registrations: readonly KindRegistration[]): EventCatalog {
  for (const registration of registrations) {
    if (isBuiltin(registration.primitive)) continue;
    const type: EventTypeDefinition = {
      summary: registration.summary,
      description: registration.description,
      metadata: z.fromJSONSchema(registration.metadata_schema as Parameters<typeof z.fromJSONSchema>[0]),
      ...(registration.requires_target ? { requiresTarget: true } : {}),
      ...(registration.target_parent_field ? { targetParentField: registration.target_parent_field } : {}),
    };
    catalog.registerPrimitive(registration.primitive, {
      summary: registration.primitive_summary,
      target: registration.target,
      types: { [registration.type]: type },
    });
  }
  return catalog;
}
