import { EventCatalog, TraceError } from '@tracekernel/schema';
import type { TraceStore } from '@tracekernel/store';

/**
 * Checks a `--primitive` filter (`ops`, `spawn.wake`) the way `trace emit` checks a kind: against
 * the catalog. A kind the catalog does not know is still accepted when the store holds events of
 * it (registered by an SDK, or imported), so that such events can be filtered too.
 *
 * @throws TraceError E_UNKNOWN_KIND naming `field` and listing the valid primitives or types.
 */
export async function checkKindFilter(store: TraceStore, kinds: readonly string[], field: string, catalog: EventCatalog = new EventCatalog()): Promise<void> {
  for (const kind of kinds) {
    const [primitive, type] = kind.split('.', 2) as [string, string | undefined];
    try {
      if (type === undefined) catalog.primitive(primitive);
      else catalog.definition(primitive, type);
    } catch (error) {
      const [stored] = await store.query({ kinds: [kind], limit: 1, includePrivate: true });
      if (stored) continue;
      throw new TraceError('E_UNKNOWN_KIND', `${field}: ${(error as Error).message}`);
    }
  }
}
