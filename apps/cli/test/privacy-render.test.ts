import { describe, expect, it } from 'vitest';
import { EventCatalog, shortEventId } from '@tracekernel/schema';
import { buildCausalityTree, causalityJson } from '@tracekernel/projector';
import { causalityText } from '../src/render/causality-text.js';
import { palette } from '../src/render/palette.js';
import { timelineText } from '../src/render/timeline-text.js';

const plain = palette({ isTTY: false } as NodeJS.WriteStream, {});
const catalog = new EventCatalog();
const T0 = Date.UTC(2025, 9, 22, 14);

function story() {
  const create = catalog.prepare({ primitive: 'ops', type: 'create_task', ts: T0, agent_id: 'zealot-1', target_id: 'task-1', metadata: { title: 'Pay' } }).event;
  const secret = catalog.prepare({ primitive: 'bridge', type: 'send', ts: T0 + 1000, agent_id: 'ghost', target_id: 'payments', parent_event_id: create.id, metadata: { content: 'code 4711' }, private: true }).event;
  const claim = catalog.prepare({ primitive: 'ops', type: 'claim_task', ts: T0 + 2000, agent_id: 'haiku-1', target_id: 'task-1', parent_event_id: secret.id }).event;
  return { create, secret, claim };
}

describe('private events in the renderers', () => {
  it('a hidden private event is [private event] in text and {"id","private":true} in JSON', () => {
    const { create, secret, claim } = story();
    const root = buildCausalityTree([create], [secret, claim], create.id, (event) => catalog.describe(event));
    const causality = { focus: create.id, heading: 'Causality chain for task-1:', root, unreached: [] };
    expect(causalityText(causality, plain)).toEqual([
      'Causality chain for task-1:',
      `[root] ${shortEventId(create.id)} ops task-1 (Pay) created by zealot-1 (focus)`,
      `  └─> ${shortEventId(secret.id)} [private event]`,
      `      └─> ${shortEventId(claim.id)} ops task-1 claimed by haiku-1`,
    ]);
    const json = causalityJson(causality);
    expect(json.root.children[0]).toEqual({
      event: { id: secret.id, private: true },
      children: [expect.objectContaining({ event: expect.objectContaining({ id: claim.id }) })],
      links: [],
      missing_parent: null,
      pruned_parent: null,
      pruned_links: [],
      inferred: null,
    });
    expect(JSON.stringify(json)).not.toMatch(/ghost|4711/);
  });

  it('a private event shown with --include-private is marked (private) in trees and timelines', () => {
    const { create, secret, claim } = story();
    const root = buildCausalityTree([create], [secret, claim], create.id, (event) => catalog.describe(event), { includePrivate: true });
    const text = causalityText({ focus: create.id, heading: 'h', root, unreached: [] }, plain);
    expect(text[2]).toBe(`  └─> ${shortEventId(secret.id)} bridge ghost posted to #payments: "code 4711" (private)`);
    expect(causalityJson({ focus: create.id, heading: 'h', root, unreached: [] }).root.children[0]!.event).toMatchObject({ id: secret.id, private: true, agent_id: 'ghost' });
    const timeline = { query: {}, heading: 'Timeline:', entries: [{ event: secret, description: catalog.describe(secret) }] };
    expect(timelineText(timeline, plain)[1]).toBe(`2025-10-22 14:00:01Z | ${shortEventId(secret.id)} | bridge    | ghost posted to #payments: "code 4711" (private)`);
  });
});
