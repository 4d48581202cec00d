import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { schemaDocuments } from '@tracekernel/schema';

describe('docs/schema', () => {
  it.each(Object.entries(schemaDocuments()))('%s matches the catalog (run npm run docs:schema)', (name, document) => {
    const published = JSON.parse(readFileSync(new URL(`../../../docs/schema/${name}`, import.meta.url), 'utf8'));
    expect(published).toEqual(document);
  });
});
