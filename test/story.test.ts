import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emitPaymentStory, type Story } from './helpers/payment-story.js';
import { LATEST_POSTGRES_VERSION, LATEST_STORE_VERSION } from '@tracekernel/store';
import { DIALECTS, dialectCheckouts } from './helpers/dialects.js';
import { ANSI_ESCAPE, errorLine, tempDirs, trace, short, withoutShortIds, type TraceResult } from './helpers/trace-cli.js';

// The payment story, emitted with `trace emit`, read back with `trace` as a user would, on each dialect.
const lines = (result: TraceResult) => withoutShortIds(result.stdout).trimEnd().split('\n');
const json = (result: TraceResult) => JSON.parse(result.stdout);

const TASK_TIMELINE = [
  'Timeline for task-abc (Build payment system):',
  '2025-10-22 14:00:30 | ops       | task-abc (Build payment system) created by zealot-1',
  '2025-10-22 14:01:00 | ops       | task-sub1 (Stripe API) created by zealot-1, subtask of task-abc',
  '2025-10-22 14:01:01 | ops       | task-sub2 (Checkout UI) created by zealot-1, subtask of task-abc',
  '2025-10-22 14:05:00 | ops       | task-sub1 claimed by haiku-1',
  '2025-10-22 14:10:00 | bridge    | haiku-1 posted to #payments: "Blocked on API key"',
  '2025-10-22 14:15:00 | ops       | task-sub1 blocked by haiku-1 (reason: need API key)',
  '2025-10-22 14:20:00 | bridge    | zealot-1 posted to #payments: "API key in .env.example"',
  '2025-10-22 14:25:00 | ops       | task-sub1 claimed by haiku-1 (attempt 2)',
  '2025-10-22 14:30:00 | ops       | task-sub1 completed by haiku-1',
  '2025-10-22 14:31:00 | ops       | task-sub2 completed by haiku-2',
];

describe.each(DIALECTS)('%s', (dialect) => {
  const checkouts = dialectCheckouts(dialect);
  const dirs = tempDirs();
  let cwd: string;
  let location: string;
  let story: Story;
  const run = (...args: string[]) => trace(args, { cwd });

  beforeAll(async () => {
    cwd = dirs.make();
    location = await checkouts.init(cwd);
    story = await emitPaymentStory(cwd);
  });
  afterAll(() => dirs.cleanup());

  describe('trace <task>', () => {
    it('prints the task, its subtasks and everything they caused, oldest first, in the design shape', async () => {
      const result = await run('task-abc');
      expect(result.code).toBe(0);
      expect(result.stderr).toBe('');
      expect(lines(result)).toEqual(TASK_TIMELINE);
    });

    it('is the same as --task, and has no escape codes when stdout is not a TTY', async () => {
      const result = await run('--task', 'task-abc');
      expect(lines(result)).toEqual(TASK_TIMELINE);
      expect(result.stdout).not.toMatch(ANSI_ESCAPE);
    });

    it('--json gives {query, events} with every event in the JSON contract', async () => {
      const result = await run('task-abc', '--json');
      expect(result.code).toBe(0);
      const body = json(result);
      expect(Object.keys(body)).toEqual(['query', 'events']);
      expect(body.query).toEqual({ task: 'task-abc', agent: null, channel: null, primitives: null, since: null, until: null, limit: null });
      expect(body.events.map((event: { id: string }) => event.id)).toEqual([
        story.task, story.sub1, story.sub2, story.claim1, story.blocked, story.block, story.answer, story.claim2, story.done1, story.done2,
      ]);
      expect(body.events[9]).toEqual({
        id: story.done2,
        ts: '2025-10-22T14:31:00.000Z',
        primitive: 'ops',
        type: 'complete_task',
        agent_id: 'haiku-2',
        target_id: 'task-sub2',
        parent_event_id: story.sub2,
        causes: [],
        session_id: null,
        metadata: {},
      });
      expect(body.events[7].causes).toEqual([story.block]);
      expect(body.events[7].metadata).toEqual({ attempt: 2 });
    });
  });

  describe('timeline flags', () => {
    it('--agent gives the activity timeline of an agent, with the session', async () => {
      const result = await run('--agent', 'zealot-1');
      expect(lines(result)).toEqual([
        'Activity timeline for zealot-1:',
        '2025-10-22 14:00:00 | spawn     | zealot-1 woke (session 42)',
        '2025-10-22 14:00:30 | ops       | task-abc (Build payment system) created by zealot-1',
        '2025-10-22 14:01:00 | ops       | task-sub1 (Stripe API) created by zealot-1, subtask of task-abc',
        '2025-10-22 14:01:01 | ops       | task-sub2 (Checkout UI) created by zealot-1, subtask of task-abc',
        '2025-10-22 14:20:00 | bridge    | zealot-1 posted to #payments: "API key in .env.example"',
      ]);
    });

    it('--channel (with or without #) and `trace <channel>` give the bridge conversation', async () => {
      const expected = [
        'Timeline for #payments:',
        '2025-10-22 13:59:00 | bridge    | alice posted to #payments: "we need payments"',
        '2025-10-22 14:10:00 | bridge    | haiku-1 posted to #payments: "Blocked on API key"',
        '2025-10-22 14:20:00 | bridge    | zealot-1 posted to #payments: "API key in .env.example"',
      ];
      const [flag, hash, bare] = await Promise.all([run('--channel', 'payments'), run('--channel', '#payments'), run('payments')]);
      expect(lines(flag)).toEqual(expected);
      expect(lines(hash)).toEqual(expected);
      expect(lines(bare)).toEqual(expected);
    });

    it('--primitive takes a repeated flag or a comma list', async () => {
      const [repeated, comma] = await Promise.all([
        run('--task', 'task-abc', '--primitive', 'bridge', '--primitive', 'spawn', '--json'),
        run('--task', 'task-abc', '--primitive', 'bridge,spawn', '--json'),
      ]);
      const ids = (result: TraceResult) => json(result).events.map((event: { id: string }) => event.id);
      expect(ids(repeated)).toEqual([story.blocked, story.answer]);
      expect(ids(comma)).toEqual([story.blocked, story.answer]);
      expect(json(comma).query.primitives).toEqual(['bridge', 'spawn']);
    });

    it('--since and --until bound the time window [since, until) and appear in the query as ISO times', async () => {
      const result = await run('--task', 'task-abc', '--since', '2025-10-22T14:10:00Z', '--until', '2025-10-22 14:25:00', '--json');
      const body = json(result);
      expect(body.query.since).toBe('2025-10-22T14:10:00.000Z');
      expect(body.query.until).toBe('2025-10-22T14:25:00.000Z');
      expect(body.events.map((event: { id: string }) => event.id)).toEqual([story.blocked, story.block, story.answer]);
    });

    it('--since accepts relative times and "last wake"', async () => {
      const [relative, lastWake] = await Promise.all([
        run('--agent', 'zealot-1', '--since', '2h ago'),
        run('--agent', 'zealot-1', '--since', 'last wake', '--until', '2025-10-22T14:01:00Z'),
      ]);
      // The story happened in 2025, so nothing is newer than two hours.
      expect(lines(relative)).toEqual(['Activity timeline for zealot-1:', 'No events.']);
      expect(lines(lastWake)).toEqual([
        'Activity timeline for zealot-1:',
        '2025-10-22 14:00:00 | spawn     | zealot-1 woke (session 42)',
        '2025-10-22 14:00:30 | ops       | task-abc (Build payment system) created by zealot-1',
      ]);
    });

    it('--limit keeps the latest N, still oldest first', async () => {
      const result = await run('--task', 'task-abc', '--limit', '2');
      expect(lines(result)).toEqual([TASK_TIMELINE[0], ...TASK_TIMELINE.slice(-2)]);
    });

    it('filters alone give a plain timeline of the whole store', async () => {
      const result = await run('--primitive', 'spawn');
      expect(lines(result)).toEqual(['Timeline:', '2025-10-22 14:00:00 | spawn     | zealot-1 woke (session 42)']);
    });
  });

  describe('causality', () => {
    const tree = () => [
      'Causality chain for task-abc:',
      '[root] bridge alice posted to #payments: "we need payments"',
      '  └─> ops task-abc (Build payment system) created by zealot-1 (focus)',
      '      ├─> ops task-sub1 (Stripe API) created by zealot-1, subtask of task-abc',
      '      │   └─> ops task-sub1 claimed by haiku-1',
      '      │       └─> bridge haiku-1 posted to #payments: "Blocked on API key"',
      '      │           ├─> ops task-sub1 blocked by haiku-1 (reason: need API key)',
      '      │           └─> bridge zealot-1 posted to #payments: "API key in .env.example"',
      `      │               └─> ops task-sub1 claimed by haiku-1 (attempt 2) (also caused by ${short(story.block)})`,
      '      │                   └─> ops task-sub1 completed by haiku-1',
      '      └─> ops task-sub2 (Checkout UI) created by zealot-1, subtask of task-abc',
      '          └─> ops task-sub2 completed by haiku-2',
    ];

    it('--causality <task> draws the tree from the root cause with the design connectors and fan-in links', async () => {
      const result = await run('--causality', 'task-abc');
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(lines(result)).toEqual(tree());
    });

    it('trace <event id> and --causality <event id> show the chain down to the event and its subtree', async () => {
      const expected = [
        `Causality chain for ${story.block}:`,
        '[root] bridge alice posted to #payments: "we need payments"',
        '  └─> ops task-abc (Build payment system) created by zealot-1',
        '      └─> ops task-sub1 (Stripe API) created by zealot-1, subtask of task-abc',
        '          └─> ops task-sub1 claimed by haiku-1',
        '              └─> bridge haiku-1 posted to #payments: "Blocked on API key"',
        '                  └─> ops task-sub1 blocked by haiku-1 (reason: need API key) (focus)',
        `                      └─> ops task-sub1 claimed by haiku-1 (attempt 2) (also caused by ${short(story.answer)})`,
        '                          └─> ops task-sub1 completed by haiku-1',
      ];
      const [positional, flag] = await Promise.all([run(story.block), run('--causality', story.block.toUpperCase())]);
      expect(positional.stderr).toBe('');
      expect(lines(positional)).toEqual(expected);
      expect(lines(flag)).toEqual(expected);
    });

    it('--json gives {focus, root, unreached} with nodes {event, children, links, missing_parent, pruned_parent, pruned_links, inferred}', async () => {
      const result = await run('--causality', 'task-abc', '--json');
      expect(result.code).toBe(0);
      const body = json(result);
      expect(Object.keys(body)).toEqual(['focus', 'root', 'unreached']);
      expect(body.unreached).toEqual([]);
      expect(body.focus).toBe(story.task);
      expect(Object.keys(body.root).sort()).toEqual(['children', 'event', 'inferred', 'links', 'missing_parent', 'pruned_links', 'pruned_parent']);
      expect(body.root.event.id).toBe(story.ask);
      expect(body.root.event.ts).toBe('2025-10-22T13:59:00.000Z');
      expect(body.root.missing_parent).toBeNull();
      const taskNode = body.root.children[0];
      expect(taskNode.event.id).toBe(story.task);
      expect(taskNode.children.map((node: { event: { id: string } }) => node.event.id)).toEqual([story.sub1, story.sub2]);
      const claim2 = taskNode.children[0].children[0].children[0].children[1].children[0];
      expect(claim2.event.id).toBe(story.claim2);
      expect(claim2.links).toEqual([story.block]);
    });
  });

  describe('trace stats', () => {
    it('counts by primitive, type and agent, with the time span and the store size and path', async () => {
      const [text, asJson] = await Promise.all([run('stats'), run('stats', '--json')]);
      expect(text.code).toBe(0);
      // The location without credentials: the file, or the server's URL.
      const shown = dialect === 'sqlite' ? location : location.replace('postgres@', '');
      expect(text.stdout).toContain(shown);
      expect(text.stdout).toContain('Events: 12, from 2025-10-22 13:59:00 to 2025-10-22 14:31:00 UTC');
      expect(text.stdout).toMatch(/^ {2}ops\s+8$/m);
      expect(text.stdout).toMatch(/^ {2}ops\.claim_task\s+2$/m);
      expect(text.stdout).toMatch(/^ {2}haiku-1\s+5$/m);
      const body = json(asJson);
      expect(body.events).toBe(12);
      expect(body.path.endsWith(shown)).toBe(true);
      expect(body.bytes).toBeGreaterThan(0);
      expect(body.schema_version).toBe(dialect === 'sqlite' ? LATEST_STORE_VERSION : LATEST_POSTGRES_VERSION);
      expect(body.first_ts).toBe('2025-10-22T13:59:00.000Z');
      expect(body.last_ts).toBe('2025-10-22T14:31:00.000Z');
      expect(body.by_primitive).toEqual(expect.arrayContaining([{ primitive: 'ops', count: 8 }, { primitive: 'bridge', count: 3 }, { primitive: 'spawn', count: 1 }]));
      expect(body.by_type).toContainEqual({ primitive: 'ops', type: 'create_task', count: 3 });
      expect(body.by_agent).toContainEqual({ agent: 'zealot-1', count: 5 });
    });
  });

  describe('names', () => {
    it('an unknown name is E_NOT_FOUND, exit 1, one line', async () => {
      const [text, asJson] = await Promise.all([run('task-nope'), run('task-nope', '--json')]);
      expect(text.code).toBe(1);
      expect(errorLine(text)).toMatch(/^trace: nothing named "task-nope"/);
      expect(json(asJson).error.code).toBe('E_NOT_FOUND');
    });

    it('an event id that is not stored is E_NOT_FOUND', async () => {
      const missing = `${story.task.slice(0, 24)}000000000000`;
      const result = await run(missing, '--json');
      expect(result.code).toBe(1);
      expect(json(result).error.code).toBe('E_NOT_FOUND');
    });

    it('an empty result says so plainly', async () => {
      const result = await run('--agent', 'haiku-2', '--primitive', 'spawn');
      expect(result.code).toBe(0);
      expect(lines(result)).toEqual(['Activity timeline for haiku-2:', 'No events.']);
    });
  });
});
