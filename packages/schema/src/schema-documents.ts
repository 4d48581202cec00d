import { z } from 'zod';
import { EventCatalog } from './catalog.js';
import { eventSchema } from './envelope.js';
import { runRecordSchema } from './run-record.js';

/** The JSON Schema files published in docs/schema/, by file name. */
export function schemaDocuments(catalog = new EventCatalog()): Record<string, unknown> {
  return {
    'event.schema.json': {
      ...z.toJSONSchema(eventSchema, { unrepresentable: 'any' }),
      title: 'tracekernel event (stored envelope; ts in epoch milliseconds)',
    },
    'catalog.schema.json': catalog.toJSONSchema(),
    'run-record.schema.json': {
      title: 'tracekernel run record (schema_version 1)',
      ...z.toJSONSchema(runRecordSchema, { unrepresentable: 'any' }),
    },
  };
}
