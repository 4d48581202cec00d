import { z } from 'zod';
import { EventCatalog, KIND_NAME, TraceError } from '@tracekernel/schema';

const loose = z.looseObject({});
const name = z.string().min(1).max(512);

/**
 * The kinds an import adds to the built-in catalog: the memory and bridge facts space-os records
 * that the five primitives have no type for, and the primitive `space`, whose types are the
 * source's own event types (`space.cli_invocation`), registered as they are met.
 */
export function importCatalog(catalog: EventCatalog = new EventCatalog()): EventCatalog {
  catalog.registerPrimitive('memory', {
    summary: "An agent's private notes; the target is the memory entry.",
    target: 'memory',
    types: {
      edit_entry: { summary: 'An agent rewrites a memory entry in place.', description: '{agent} edited memory {target}', metadata: loose },
      restore_entry: { summary: 'An archived memory entry is restored.', description: '{agent} restored memory {target}', metadata: loose },
      mark_core: { summary: 'A memory entry is marked core.', description: '{agent} marked memory {target} core', metadata: loose },
      link_entries: {
        summary: 'A memory entry is linked to the one it replaces (target: the new entry).',
        description: '{agent} linked memory {target} to {meta.parent_memory_id}[ ({meta.kind})]',
        metadata: z.looseObject({ parent_memory_id: name, kind: name.optional() }),
      },
    },
  });
  catalog.registerPrimitive('bridge', {
    summary: 'Messages between agents on channels; the target is the channel.',
    target: 'channel',
    types: {
      create_channel: { summary: 'A channel is created.', description: '[{agent} ]created #{target}[: {meta.topic}]', requiresTarget: true, metadata: loose },
      archive_channel: { summary: 'A channel is archived.', description: '[{agent} ]archived #{target}', requiresTarget: true, metadata: loose },
    },
  });
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
