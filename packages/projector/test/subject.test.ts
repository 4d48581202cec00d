import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventIdAt } from '@tracekernel/schema';
import { resolveSubject } from '@tracekernel/projector';
import { DIALECTS, fixtures, minute, paymentStory, type Fixture, type Story } from './store-fixture.js';

describe.each(DIALECTS)('%s', (dialect) => {
  const open = fixtures(dialect);
  let f: Fixture;
  let s: Story;
  beforeEach(async () => {
    f = await open();
    s = await paymentStory(f);
  });
  afterEach(() => f.cleanup());

  describe('resolveSubject', () => {
    it('finds a stored event by its id, in any case', async () => {
      expect(await resolveSubject(f.store, s.block.id)).toEqual([{ kind: 'event', id: s.block.id }]);
      expect(await resolveSubject(f.store, ` ${s.block.id.toUpperCase()} `)).toEqual([{ kind: 'event', id: s.block.id }]);
    });

    it('finds a task, a channel and an agent by name', async () => {
      expect(await resolveSubject(f.store, 'task-abc123')).toEqual([{ kind: 'task', id: 'task-abc123' }]);
      expect(await resolveSubject(f.store, 'payments')).toEqual([{ kind: 'channel', id: 'payments' }]);
      expect(await resolveSubject(f.store, '#payments')).toEqual([{ kind: 'channel', id: 'payments' }]);
      expect(await resolveSubject(f.store, 'zealot-1')).toEqual([{ kind: 'agent', id: 'zealot-1' }]);
    });

    it('returns every candidate for an ambiguous name; a leading # picks the channel', async () => {
      await f.emit({ primitive: 'ops', type: 'create_task', ts: minute(60), agent_id: 'review', target_id: 'review', metadata: { title: 'Review' } });
      await f.emit({ primitive: 'bridge', type: 'note', ts: minute(61), agent_id: 'pm', target_id: 'review', metadata: { content: 'hi' } });
      expect(await resolveSubject(f.store, 'review')).toEqual([
        { kind: 'task', id: 'review' },
        { kind: 'channel', id: 'review' },
        { kind: 'agent', id: 'review' },
      ]);
      expect(await resolveSubject(f.store, '#review')).toEqual([{ kind: 'channel', id: 'review' }]);
    });

    it('returns [] when nothing matches', async () => {
      expect(await resolveSubject(f.store, 'nobody')).toEqual([]);
      expect(await resolveSubject(f.store, '#task-abc123')).toEqual([]);
      expect(await resolveSubject(f.store, eventIdAt(minute(999)))).toEqual([]);
      expect(await resolveSubject(f.store, '#')).toEqual([]);
      // Memory entries are targets too, but not something `trace <name>` shows.
      expect(await resolveSubject(f.store, 'arch-notes')).toEqual([]);
    });
  });
});
