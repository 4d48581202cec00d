import { z } from 'zod';
import type { EventCatalog } from './catalog.js';
import { TraceError } from './trace-error.js';

/** One event type as `trace catalog` lists it. */
export interface CatalogTypeListing {
  type: string;
  summary: string;
  /** The timeline line's template, e.g. `{target} claimed by {agent}[ (attempt {meta.attempt})]`. */
  description: string;
  requires_target: boolean;
  /** Metadata fields an event of this type must have, in schema order. */
  required_metadata: string[];
  /** The other metadata fields the schema names (an emitter may add more). */
  optional_metadata: string[];
}

/** One primitive as `trace catalog` lists it. */
export interface CatalogPrimitiveListing {
  primitive: string;
  summary: string;
  /** What the target of its events is (`task`, `channel`), or null. */
  target: string | null;
  types: CatalogTypeListing[];
}

function metadataFields(schema: z.ZodType): { required: string[]; optional: string[] } {
  if (!(schema instanceof z.ZodObject)) return { required: [], optional: [] };
  const required: string[] = [];
  const optional: string[] = [];
  for (const [field, fieldSchema] of Object.entries(schema.shape as Record<string, z.ZodType>)) {
    (fieldSchema.safeParse(undefined).success ? optional : required).push(field);
  }
  return { required, optional };
}

/**
 * Every primitive of a catalog with its types, their required and optional metadata fields and
 * their description templates; with `only`, that primitive alone.
 *
 * @throws TraceError E_UNKNOWN_KIND when `only` is not a primitive of the catalog.
 */
export function listCatalog(catalog: EventCatalog, only?: string): CatalogPrimitiveListing[] {
  const names = catalog.primitives();
  if (only !== undefined && !names.includes(only)) {
    throw new TraceError('E_UNKNOWN_KIND', `unknown primitive "${only}"; expected one of: ${names.join(', ')}`);
  }
  return names.filter((name) => only === undefined || name === only).map((name) => {
    const definition = catalog.primitive(name);
    return {
      primitive: name,
      summary: definition.summary,
      target: definition.target,
      types: Object.entries(definition.types).map(([type, typeDefinition]) => {
        const { required, optional } = metadataFields(typeDefinition.metadata);
        return {
          type,
          summary: typeDefinition.summary,
          description: typeDefinition.description,
          requires_target: typeDefinition.requiresTarget === true,
          required_metadata: required,
          optional_metadata: optional,
        };
      }),
    };
  });
}
