import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveTime } from '@tracekernel/projector';
import { DIALECTS, fixtures, minute, paymentStory, T0, type Fixture, type Story } from './store-fixture.js';

const now = Date.UTC(2025, 9, 22, 18, 0, 0);
const at = (spec: string) => resolveTime(null, spec, { flag: '--since', now });
const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe('resolveTime without a store', () => {
  it('parses ISO times with a zone', async () => {
    expect(await at('2025-10-22T14:00:00Z')).toBe(T0);
    expect(await at('2025-10-22T14:00:00.250Z')).toBe(T0 + 250);
    expect(await at('2025-10-22T16:00:00+02:00')).toBe(T0);
    expect(await at('2025-10-22T09:30:00-0430')).toBe(T0);
    expect(await at('2025-10-22 16:00+02')).toBe(T0);
  });

  it('reads ISO times without a zone, and dates, as UTC', async () => {
    expect(await at('2025-10-22 14:00:00')).toBe(T0);
    expect(await at('2025-10-22T14:00:00')).toBe(T0);
    expect(await at('2025-10-22 14:00')).toBe(T0);
    expect(await at('2025-10-22')).toBe(Date.UTC(2025, 9, 22));
  });

  it('parses relative times, with or without "ago"', async () => {
    expect(await at('2h ago')).toBe(now - 2 * H);
    expect(await at('30m')).toBe(now - 30 * M);
    expect(await at('1d')).toBe(now - D);
    expect(await at('90s')).toBe(now - 90 * S);
    expect(await at('2 hours ago')).toBe(now - 2 * H);
    expect(await at('3 days ago')).toBe(now - 3 * D);
    expect(await at('1w')).toBe(now - 7 * D);
    expect(await at('1 minute ago')).toBe(now - M);
    expect(await at('1.5h')).toBe(now - 90 * M);
    expect(await at('  2H  AGO ')).toBe(now - 2 * H);
  });

  it('parses now', async () => {
    expect(await at('now')).toBe(now);
    expect(await resolveTime(null, 'NOW', { flag: '--until', now })).toBe(now);
  });

  it('takes epoch milliseconds, like --ts', async () => {
    expect(await at('1761141600000')).toBe(T0);
    expect(await at(' 1761141600000 ')).toBe(T0);
  });

  it('rejects anything else with E_INVALID_TIME naming the flag and every accepted form', async () => {
    const specs = [
      'xyz', '', '2h from now', '5 parsecs ago', '2025-13-01', '2025-02-30', '2025-10-22 25:00', 'the day before',
      '2025-10-22 junk', '2025-10-22T24:00:00Z', '2025-10-22T14:00:60Z', '2025-10-22T14:00:00+25:00', '-5', '1.5',
    ];
    for (const spec of specs) {
      await expect(resolveTime(null, spec, { flag: '--until', now })).rejects.toMatchObject({
        code: 'E_INVALID_TIME',
        message:
          `--until: could not parse ${JSON.stringify(spec)}; expected an ISO-8601 time (2025-10-22T14:00:00Z, ` +
          '2025-10-22 14:00:00.250+02:00, 2025-10-22 14:00, 2025-10-22; no offset means UTC) or epoch milliseconds, ' +
          'or a relative time ("2h ago", "30m", "1d", "2 hours ago", "an hour ago"), "now", "today", "yesterday", ' +
          '"last wake" or "when <task|agent|event-id> <type>"',
      });
    }
  });

  // Issue 15: `yesterday`, `today` and "an hour ago" were refused.
  it('reads today and yesterday as UTC midnights, and "a"/"an" as one', async () => {
    expect(await at('today')).toBe(Date.UTC(2025, 9, 22));
    expect(await at('Yesterday')).toBe(Date.UTC(2025, 9, 21));
    expect(await at('an hour ago')).toBe(now - H);
    expect(await at('a day ago')).toBe(now - D);
    expect(await at('a week')).toBe(now - 7 * D);
  });

  it('rejects a relative time that falls before 1970', async () => {
    await expect(at('100000d ago')).rejects.toMatchObject({ code: 'E_INVALID_TIME', message: expect.stringMatching(/^--since: "100000d ago" is out of range/) });
  });
});

describe.each(DIALECTS)('%s: resolveTime "last wake"', (dialect) => {
  const open = fixtures(dialect);
  let f: Fixture;
  let s: Story;
  beforeEach(async () => {
    f = await open();
    s = await paymentStory(f);
  });
  afterEach(() => f.cleanup());

  it("is the ts of the agent's latest spawn.wake", async () => {
    expect(await resolveTime(f.store, 'last wake', { flag: '--since', agent: 'zealot-1' })).toBe(s.wake2.ts);
    expect(await resolveTime(f.store, 'Last  Wake', { flag: '--since', agent: 'zealot-1' })).toBe(minute(40));
  });

  it('needs an agent (usage error)', async () => {
    const error = resolveTime(f.store, 'last wake', { flag: '--since' });
    await expect(error).rejects.toMatchObject({ code: 'E_USAGE', exitCode: 2, message: '--since "last wake" needs --agent' });
  });

  it('fails with E_NOT_FOUND for an agent that never woke', async () => {
    await expect(resolveTime(f.store, 'last wake', { flag: '--since', agent: 'haiku-1' })).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
  });

  it('needs a store', async () => {
    await expect(resolveTime(null, 'last wake', { flag: '--since', agent: 'zealot-1' })).rejects.toMatchObject({ code: 'E_NO_STORE' });
  });
});

describe.each(DIALECTS)('%s: resolveTime "when <subject> <type>"', (dialect) => {
  const open = fixtures(dialect);
  let f: Fixture;
  let s: Story;
  beforeEach(async () => {
    f = await open();
    s = await paymentStory(f);
  });
  afterEach(() => f.cleanup());
  const when = (spec: string) => resolveTime(f.store, spec, { flag: '--since' });

  it('is the ts of the earliest event of that type of a task or agent, or of an event by its id', async () => {
    expect(await when('when task-sub1 created')).toBe(s.subs[0]!.ts);
    expect(await when('When task-sub1 claimed')).toBe(s.claim1.ts);
    expect(await when('when task-sub1 claim_task')).toBe(s.claim1.ts);
    expect(await when('when zealot-1 woke')).toBe(s.wake.ts);
    expect(await when('when #payments posted')).toBe(s.ask.ts);
    expect(await when(`when ${s.block.id}`)).toBe(s.block.ts);
    expect(await when(`when ${s.block.id.slice(24, 32)}`)).toBe(s.block.ts);
  });

  it('names what is wrong: no such event, an unknown type, no type for a name, no store', async () => {
    await expect(when('when task-nope created')).rejects.toMatchObject({ code: 'E_NOT_FOUND', message: '--since "when task-nope created": no ops.create_task event of task-nope' });
    await expect(when('when task-sub1 frobbed')).rejects.toMatchObject({ code: 'E_UNKNOWN_KIND', message: expect.stringContaining('unknown type "frobbed"') });
    await expect(when('when task-sub1')).rejects.toMatchObject({ code: 'E_USAGE' });
    await expect(resolveTime(null, 'when task-sub1 created', { flag: '--since' })).rejects.toMatchObject({ code: 'E_NO_STORE' });
  });
});
