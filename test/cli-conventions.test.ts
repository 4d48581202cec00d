import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emit, errorLine, tempDirs, trace, withoutShortIds } from './helpers/trace-cli.js';

// Issue 15 §2: the conventions of git, gh and kubectl: -h and -v, "did you mean", validated
// filters, one-line usage errors, limits that mean the same everywhere, and tidy text.

const dirs = tempDirs();
let cwd: string;
beforeAll(async () => {
  cwd = dirs.make();
  await emit(['bridge', 'recv', '--agent', 'zealot-1', '--target', 'payments', '--meta', '{"count":1}', '--ts', '2025-10-22T14:00:00Z'], { cwd });
});
afterAll(() => dirs.cleanup());

describe('the conventions of git and gh', () => {
  it('-h works on the root and on every command, -v at the root, and -h after -- belongs to the command', async () => {
    const [rootHelp, statsHelp, runsShowHelp, version, longVersion, passedOn] = await Promise.all([
      trace(['-h'], { cwd }),
      trace(['stats', '-h'], { cwd }),
      trace(['runs', 'show', '-h'], { cwd }),
      trace(['-v'], { cwd }),
      trace(['--version'], { cwd }),
      trace(['run', '--task', 'echo', '--', 'echo', '-h'], { cwd }),
    ]);
    expect([rootHelp.code, rootHelp.stdout]).toEqual([0, expect.stringContaining('trace <event-id>')]);
    expect([statsHelp.code, statsHelp.stdout]).toEqual([0, expect.stringContaining('USAGE\n  $ trace stats')]);
    expect([runsShowHelp.code, runsShowHelp.stdout]).toEqual([0, expect.stringContaining('$ trace runs show RUN')]);
    expect([version.code, version.stdout]).toEqual([0, longVersion.stdout]);
    expect(version.stdout).toMatch(/^@tracekernel\/cli\/\d+\.\d+\.\d+ /);
    expect(passedOn.stdout).toBe('-h\n');
  });

  it('a typo of a command or a flag gets "did you mean"', async () => {
    const [stat, version, flag, chars, stray] = await Promise.all([
      trace(['stat'], { cwd }),
      trace(['version'], { cwd }),
      trace(['--agnet', 'x'], { cwd }),
      trace(['runs', '--limt', '3'], { cwd }),
      trace(['--zzzzzz'], { cwd }),
    ]);
    expect([stat.code, errorLine(stat)]).toEqual([2, `trace: "stat" is not a trace command, and nothing is named so in ${cwd}/.trace/trace.db: did you mean \`trace stats\`?`]);
    expect(errorLine(version)).toMatch(/^trace: "version" is not a trace command.*: did you mean `trace --version`\?$/);
    expect([flag.code, errorLine(flag)]).toEqual([2, 'trace: unknown flag --agnet: did you mean --agent? (see trace show --help)']);
    expect(errorLine(chars)).toBe('trace: unknown flag --limt: did you mean --limit? (see trace runs --help)');
    expect(errorLine(stray)).toBe('trace: unknown flag --zzzzzz (see trace show --help)');
  });

  it('--primitive is validated as emit validates a kind, listing the valid ones', async () => {
    const [bad, badType, asJson, good] = await Promise.all([
      trace(['--primitive', 'opz'], { cwd }),
      trace(['--agent', 'zealot-1', '--primitive', 'bridge.sned'], { cwd }),
      trace(['--primitive', 'opz', '--json'], { cwd }),
      trace(['--primitive', 'bridge.recv'], { cwd }),
    ]);
    expect([bad.code, bad.stdout]).toEqual([1, '']);
    expect(errorLine(bad)).toMatch(/^trace: --primitive: unknown primitive "opz"; expected one of: spawn, bridge, ops, memory, knowledge, run\b/);
    expect(errorLine(badType)).toMatch(/^trace: --primitive: unknown type "sned" for primitive bridge; expected one of: send, recv, /);
    expect(JSON.parse(asJson.stdout).error.code).toBe('E_UNKNOWN_KIND');
    expect(good.code).toBe(0);
  });

  it('a missing argument is one usage line', async () => {
    const result = await trace(['emit', 'ops'], { cwd });
    expect([result.code, errorLine(result)]).toEqual([2, 'trace: missing <type>; usage: trace emit <primitive> <type> [FLAGS] (see trace emit --help)']);
  });

  it('--limit means the same on every command', async () => {
    const huge = '99999999999999999999';
    const results = await Promise.all([trace(['runs', '--limit', huge], { cwd }), trace(['--limit', huge], { cwd }), trace(['runs', '--limit', '0', '--json'], { cwd })]);
    for (const result of results.slice(0, 2)) {
      expect([result.code, errorLine(result)]).toEqual([2, `trace: --limit: expected a whole number from 1 to 9007199254740991, got "${huge}"`]);
    }
    expect(JSON.parse(results[2]!.stdout).error).toEqual({ code: 'E_USAGE', message: '--limit: expected a whole number from 1 to 9007199254740991, got "0"' });
  });

  it('an event without an agent reads "(no agent)", and one message is singular', async () => {
    await emit(['ops', 'create_task', '--target', 'task-lone', '--meta', '{"title":"Alone"}', '--ts', '2025-10-22T14:01:00Z'], { cwd });
    const result = await trace(['--since', '2025-10-22'], { cwd });
    expect(withoutShortIds(result.stdout).split('\n').slice(1, 3)).toEqual([
      '2025-10-22 14:00:00 | bridge    | zealot-1 read #payments (1 message)',
      '2025-10-22 14:01:00 | ops       | task-lone (Alone) created by (no agent)',
    ]);
  });
});

describe('trace run and trace runs', () => {
  it('under --json the child\'s stdout goes to stderr; without, the span id is printed; trace runs has column headers', async () => {
    const [asJson, text] = await Promise.all([
      trace(['run', '--json', '--task', 'greet', '--', 'echo', 'hi'], { cwd }),
      trace(['run', '--task', 'greet-text', '--', 'echo', 'hello'], { cwd }),
    ]);
    const body = JSON.parse(asJson.stdout);
    expect(body.run.status).toBe('success');
    expect(asJson.stderr).toBe('hi\n');
    expect(text.stdout).toBe('hello\n');
    const span = JSON.parse((await trace(['runs', '--task', 'greet-text', '--json'], { cwd })).stdout).runs[0].span_id as string;
    expect(text.stderr).toBe(`trace: run ${span} success (trace runs show ${span.slice(24, 32)})\n`);
    const list = (await trace(['runs'], { cwd })).stdout.split('\n');
    expect(list[0]).toBe('STARTED (UTC)       | STATUS    | DURATION | TASK       | ATTEMPT   | SPAN ID');
    expect(list[1]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \| success   \| +\d+ ms \| \S+ +\| attempt 1 \| [0-9a-f-]{36}$/);
  });
});

describe('times', () => {
  it('--since takes "when <task> <type>", "an hour ago" and yesterday; --local prints the local zone with its offset', async () => {
    await emit(['ops', 'claim_task', '--agent', 'haiku-1', '--target', 'task-lone', '--ts', '2025-10-22T14:05:00Z'], { cwd });
    const [when, hour, yesterday, local] = await Promise.all([
      trace(['--agent', 'haiku-1', '--since', 'when task-lone created'], { cwd }),
      trace(['--since', 'an hour ago', '--json'], { cwd }),
      trace(['--since', 'yesterday', '--json'], { cwd }),
      trace(['--agent', 'haiku-1', '--local'], { cwd, env: { TZ: 'Europe/Paris' } }),
    ]);
    expect(withoutShortIds(when.stdout).split('\n')[1]).toBe('2025-10-22 14:05:00 | ops       | task-lone claimed by haiku-1');
    expect(Date.parse(JSON.parse(hour.stdout).query.since)).toBeGreaterThan(Date.now() - 2 * 3_600_000);
    expect(JSON.parse(yesterday.stdout).query.since).toMatch(/T00:00:00\.000Z$/);
    expect(local.stdout.split('\n')[1]).toMatch(/^2025-10-22 16:05:00\+02:00 \| [0-9a-f]{8} \| ops /);
  });
});

describe('trace catalog', () => {
  it('lists every primitive and type, one primitive on request, as text and JSON; emit --help points at it', async () => {
    const [all, ops, unknown, emitHelp] = await Promise.all([
      trace(['catalog', '--json'], { cwd }),
      trace(['catalog', 'ops'], { cwd }),
      trace(['catalog', 'opz'], { cwd }),
      trace(['emit', '--help'], { cwd }),
    ]);
    const primitives = JSON.parse(all.stdout).primitives as Array<{ primitive: string; types: Array<{ type: string }> }>;
    expect(primitives.map((primitive) => primitive.primitive)).toEqual(expect.arrayContaining(['spawn', 'bridge', 'ops', 'memory', 'knowledge', 'run']));
    expect(primitives.find((primitive) => primitive.primitive === 'bridge')!.types.map((type) => type.type)).toContain('recv');
    expect(ops.stdout).toMatch(/^ {2}create_task +.*\[target required; metadata: title \(required\), /m);
    expect(ops.stdout).toContain('{target} ({meta.title}) created by {agent}');
    expect([unknown.code, errorLine(unknown)]).toEqual([1, expect.stringMatching(/^trace: unknown primitive "opz"; expected one of: spawn, bridge, ops, /)]);
    expect(emitHelp.stdout).toMatch(/trace catalog lists\s+every\s+primitive/);
  });
});
