import { Args } from '@oclif/core';
import type { CatalogPrimitiveListing } from '@tracekernel/schema';
import { TraceCommand } from '../base-command.js';

export default class Catalog extends TraceCommand<typeof Catalog> {
  static override summary = 'List the primitives and event types that trace emit accepts, with their metadata fields and descriptions.';

  static override examples = ['<%= config.bin %> catalog', '<%= config.bin %> catalog ops', '<%= config.bin %> catalog --json'];

  static override args = {
    primitive: Args.string({ description: 'Only this primitive' }),
  };

  async run(): Promise<{ primitives: CatalogPrimitiveListing[] }> {
    const { EventCatalog, listCatalog } = await import('@tracekernel/schema');
    const primitives = listCatalog(new EventCatalog(), this.args.primitive);
    if (!this.jsonEnabled()) {
      const { palette } = await import('../render/palette.js');
      const { catalogText } = await import('../render/catalog-text.js');
      for (const line of catalogText(primitives, palette())) this.log(line);
    }
    return { primitives };
  }
}
