// Writes the event envelope and the catalog as JSON Schema into docs/schema/, for readers and
// for emitters in other languages. `npm run docs:schema` runs it; a test fails when it is stale.
import { writeFileSync } from 'node:fs';
import { schemaDocuments } from '../dist/index.js';

const target = new URL('../../../docs/schema/', import.meta.url);
for (const [name, document] of Object.entries(schemaDocuments())) {
  writeFileSync(new URL(name, target), `${JSON.stringify(document, null, 2)}\n`);
}
