import { z } from 'zod';
import { EventCatalog } from './catalog.js';
import { eventSchema } from './envelope.js';

/** The JSON Schema files published in docs/schema/, by file name. */
export function schemaDocuments(catalog = new EventCatalog()): Record<string, unknown> {
  return {
    'event.schema.json': {
      ...z.toJSONSchema(eventSchema, { unrepresentable: 'any' }),
      title: 'tracekernel event (stored envelope; ts in epoch milliseconds)',
    },
    'catalog.schema.json': catalog.toJSONSchema(),
  };
}
