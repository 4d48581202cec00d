import { z } from 'zod';
import { EventCatalog, KIND_NAME, TraceError } from '@tracekernel/schema';

const loose = z.looseObject({});

/**
 * The built-in catalog plus the primitive `space`, whose types are the source's own event types
 * (`space.cli_invocation`), registered as they are met.
 */
export function importCatalog(catalog: EventCatalog = new EventCatalog()): EventCatalog {
  catalog.registerPrimitive('space', {
    summary: 'space-os events that no primitive has a type for, kept under their own type.',
    target: null,
    types: {},
  });
  return catalog;
}

/** The kernel type of a source event type: `cli.invocation` → `cli_invocation`. */
export function spaceTypeName(source: string, type: string): string {
  const joined = `${source}_${type}`.toLowerCase().replace(/[^a-z0-9_]+/g, '_').replace(/^[^a-z]+/, '').slice(0, 64);
  if (!KIND_NAME.test(joined)) throw new TraceError('E_SCHEMA', `type: cannot name a kernel type after "${source}.${type}"`);
  return joined;
}

/** Registers a kind the catalog lacks with metadata unchecked, so that events of any emitter can be read back. */
export function ensureKind(catalog: EventCatalog, primitive: string, type: string): void {
  if (!catalog.primitives().includes(primitive)) catalog.registerPrimitive(primitive, { summary: `${primitive} (imported)`, target: null, types: {} });
  if (catalog.primitive(primitive).types[type] === undefined) {
    catalog.registerType(primitive, type, { summary: `${primitive}.${type} (imported)`, description: `{agent} ${primitive}.${type}[ {target}]`, metadata: loose });
  }
}
