import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countEvents, fingerprint, storePath } from './helpers/store-files.js';
import { EVENT_ID, emit, errorLine, shell, tempDirs, trace, type TraceResult } from './helpers/trace-cli.js';

// The input side of `trace emit`: times, causes, metadata size and keys, metadata from a file or stdin.
const dirs = tempDirs();
afterAll(() => dirs.cleanup());

const json = (result: TraceResult) => JSON.parse(result.stdout);
const T0_ISO = '2025-10-22T14:00:00.000Z';
const NEW_YORK = { TZ: 'America/New_York' };

/** Fails with the given code and one line, and leaves the store (or its absence) as it was. */
async function refusedUnchanged(cwd: string, args: string[], code: string, message: RegExp, env: Record<string, string> = {}) {
  const before = existsSync(storePath(cwd)) ? fingerprint(storePath(cwd)) : null;
  const result = await trace([...args, '--json'], { cwd, env });
  expect(result.code).toBe(1);
  expect(json(result)).toEqual({ error: { code, message: expect.any(String) } });
  expect(errorLine(result)).toMatch(message);
  if (before === null) expect(existsSync(join(cwd, '.trace'))).toBe(false);
  else expect(fingerprint(storePath(cwd))).toEqual(before);
}

describe('trace emit --ts and --since/--until read times the same way, whatever TZ says', () => {
  let cwd: string;
  beforeAll(() => {
    cwd = dirs.make();
  });

  it('a time without an offset is UTC, with TZ=America/New_York and others', async () => {
    for (const [tz, agent] of [['America/New_York', 'ny'], ['Asia/Kolkata', 'in'], ['UTC', 'utc']] as const) {
      const result = await trace(['emit', 'spawn', 'wake', '--agent', agent, '--ts', '2025-10-22 14:00', '--json'], { cwd, env: { TZ: tz } });
      expect(result.code).toBe(0);
      expect(json(result).ts).toBe(T0_ISO);
    }
    // --since and --until (exclusive) read the same form as the same instant, in the same zone.
    const read = await trace(['--agent', 'ny', '--since', '2025-10-22 14:00', '--until', '2025-10-22 14:00:00.001', '--json'], { cwd, env: NEW_YORK });
    expect(read.code).toBe(0);
    expect(json(read).events.map((event: { ts: string }) => event.ts)).toEqual([T0_ISO]);
  });

  it('takes explicit offsets, fractional seconds and epoch milliseconds', async () => {
    const cases: [string, string][] = [
      ['2025-10-22T16:00:00+02:00', T0_ISO],
      ['2025-10-22T09:00:00-0500', T0_ISO],
      ['2025-10-22T14:00:00Z', T0_ISO],
      ['2025-10-22T14:00:00.250Z', '2025-10-22T14:00:00.250Z'],
      ['2025-10-22 14:00:00.123456+00:00', '2025-10-22T14:00:00.123Z'],
      ['1761141600000', T0_ISO],
    ];
    for (const [ts, stored] of cases) {
      const result = await trace(['emit', 'spawn', 'wake', '--agent', 'offsets', '--ts', ts, '--json'], { cwd, env: NEW_YORK });
      expect([ts, result.code, json(result).ts]).toEqual([ts, 0, stored]);
    }
  });

  it('refuses what is not a real time, naming --ts and the accepted forms, and writes nothing', async () => {
    for (const ts of ['2025-10-22 junk', '2025-02-30T00:00:00Z', '2025-10-22T24:00:00Z', '2025-10-22T14:00:00+25:00', 'Oct 22 2025']) {
      await refusedUnchanged(cwd, ['emit', 'spawn', 'wake', '--agent', 'bad', '--ts', ts], 'E_INVALID_TIME',
        new RegExp(`^trace: --ts: could not parse ${JSON.stringify(ts).replace(/[+.]/g, '\\$&')}; expected an ISO-8601 time .*no offset means UTC.* or epoch milliseconds$`), NEW_YORK);
    }
  });

  it('--since refuses the same inputs, and accepts epoch milliseconds like --ts', async () => {
    for (const since of ['2025-10-22 junk', '2025-02-30T00:00:00Z', '2025-10-22T24:00:00Z']) {
      const result = await trace(['--agent', 'ny', '--since', since, '--json'], { cwd });
      expect([since, result.code, json(result).error.code]).toEqual([since, 1, 'E_INVALID_TIME']);
      expect(errorLine(result)).toMatch(/^trace: --since: could not parse .*"last wake" or "when <task\|agent\|event-id> <type>"$/);
    }
    const read = await trace(['--agent', 'ny', '--since', '1761141600000', '--json'], { cwd });
    expect(json(read).events).toHaveLength(1);
  });
});

describe('trace emit --cause: at most 256 causes', () => {
  it('stores 256 causes, refuses 257 naming causes and the limit, and writes nothing', async () => {
    const cwd = dirs.make();
    const root = await emit(['spawn', 'wake', '--agent', 'root'], { cwd });
    // Event ids with the root's time prefix: causes need not be stored events.
    const ids = Array.from({ length: 257 }, (_, i) => `${root.slice(0, 24)}${i.toString(16).padStart(12, '0')}`);
    const stored = await trace(['emit', 'spawn', 'wake', '--agent', 'many', '--cause', ids.slice(0, 256).join(','), '--json'], { cwd });
    expect(stored.code).toBe(0);
    expect(json(stored).causes).toEqual(ids.slice(0, 256));
    await refusedUnchanged(cwd, ['emit', 'spawn', 'wake', '--agent', 'too-many', '--cause', ids.join(',')], 'E_SCHEMA',
      /^trace: causes: 257 event ids, more than the limit of 256 causes per event$/);
    expect(countEvents(storePath(cwd))).toBe(2);
  });
});

describe('trace emit --meta @file and --meta - (stdin)', () => {
  let cwd: string;
  let bigFile: string;
  let big: { content: string; blob: string };
  beforeAll(() => {
    cwd = dirs.make();
    // 512 KiB of metadata: four times what fits in an argument list.
    big = { content: 'large payload', blob: 'ab'.repeat(256 * 1024) };
    bigFile = join(cwd, 'big.json');
    writeFileSync(bigFile, JSON.stringify(big));
  });

  it('reads 512 KiB of metadata from a file and stores it whole', async () => {
    const result = await trace(['emit', 'bridge', 'note', '--agent', 'a', '--target', 'payments', '--meta', `@${bigFile}`, '--json'], { cwd });
    expect(result.code).toBe(0);
    const event = json(result);
    expect(event.metadata).toEqual(big);
    const read = await trace([event.id, '--json'], { cwd });
    expect(read.code).toBe(0);
    expect(read.stdout).toContain(big.blob);
  });

  it('a relative path is read from the working directory; a UTF-8 byte order mark is ignored', async () => {
    writeFileSync(join(cwd, 'small.json'), '\ufeff{"content":"from a file"}\n');
    const result = await trace(['emit', 'bridge', 'note', '--agent', 'a', '--target', 'payments', '--meta', '@small.json', '--json'], { cwd });
    expect(json(result).metadata).toEqual({ content: 'from a file' });
  });

  it('reads 512 KiB of metadata from stdin', async () => {
    const result = await shell(`cat big.json | trace emit bridge note --agent b --target payments --meta - --json`, { cwd });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).metadata).toEqual(big);
  });

  it('reads small metadata from stdin too', async () => {
    const result = await shell(`printf '%s' '{"reason":"piped"}' | trace emit spawn wake --agent c --meta -`, { cwd });
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toMatch(EVENT_ID);
  });

  it('a missing or unreadable file is one line naming the path, and writes nothing', async () => {
    const missing = join(cwd, 'nope', 'meta.json');
    await refusedUnchanged(cwd, ['emit', 'spawn', 'wake', '--meta', `@${missing}`], 'E_NOT_FOUND',
      new RegExp(`^trace: --meta @${missing}: cannot read ${missing} \\(no such file\\)$`));
    mkdirSync(join(cwd, 'a-dir'));
    await refusedUnchanged(cwd, ['emit', 'spawn', 'wake', '--meta', '@a-dir'], 'E_NOT_FOUND', /^trace: --meta @a-dir: cannot read a-dir \(it is a directory\)$/);
  });

  it('a file or stdin that is not a JSON object names where it came from', async () => {
    writeFileSync(join(cwd, 'broken.json'), '{"reason":');
    await refusedUnchanged(cwd, ['emit', 'spawn', 'wake', '--meta', '@broken.json'], 'E_SCHEMA', /^trace: --meta @broken\.json: not valid JSON \(/);
    const list = await shell(`echo '[1,2]' | trace emit spawn wake --meta -`, { cwd });
    expect(list.code).toBe(1);
    expect(errorLine(list)).toMatch(/^trace: --meta - \(stdin\): expected a JSON object/);
    const empty = await shell(`trace emit spawn wake --meta - < /dev/null`, { cwd });
    expect(empty.code).toBe(1);
    expect(errorLine(empty)).toBe('trace: --meta - (stdin): empty; expected a JSON object');
  });
});

describe('trace emit metadata: the 1 MiB limit counts UTF-8 bytes', () => {
  it('refuses 1M CJK characters (3 MB of UTF-8) and stores 340k of them (1 MB)', async () => {
    const cwd = dirs.make();
    writeFileSync(join(cwd, 'cjk.json'), JSON.stringify({ blob: '漢'.repeat(1_000_000) }));
    await refusedUnchanged(cwd, ['emit', 'spawn', 'wake', '--meta', '@cjk.json'], 'E_SCHEMA',
      /^trace: metadata: 3000011 bytes of JSON \(UTF-8\), more than the limit of 1048576 bytes$/);
    const fits = '漢'.repeat(340_000);
    writeFileSync(join(cwd, 'fits.json'), JSON.stringify({ blob: fits }));
    const result = await trace(['emit', 'spawn', 'wake', '--agent', 'cjk', '--meta', '@fits.json', '--json'], { cwd });
    expect(result.code).toBe(0);
    expect(json(result).metadata.blob).toBe(fits);
  });
});

describe('trace emit metadata: a __proto__ key is refused, not dropped', () => {
  it('at the top level or nested, with one line naming the key, and writes nothing', async () => {
    const cwd = dirs.make();
    await refusedUnchanged(cwd, ['emit', 'spawn', 'wake', '--meta', '{"reason":"x","__proto__":{"admin":true}}'], 'E_SCHEMA',
      /^trace: metadata\.__proto__: the key "__proto__" is not allowed in metadata \(JavaScript gives it a special meaning\); rename it \(spawn\.wake\)$/);
    await emit(['spawn', 'wake', '--agent', 'first'], { cwd });
    await refusedUnchanged(cwd, ['emit', 'bridge', 'send', '--target', 'c', '--meta', '{"content":"hi","extra":{"__proto__":1}}'], 'E_SCHEMA',
      /^trace: metadata\.extra\.__proto__: the key "__proto__" is not allowed/);
    writeFileSync(join(cwd, 'proto.json'), '{"reason":"x","__proto__":{"polluted":true}}');
    await refusedUnchanged(cwd, ['emit', 'spawn', 'wake', '--meta', '@proto.json'], 'E_SCHEMA', /^trace: metadata\.__proto__: /);
  });

  it('keys such as constructor and prototype are ordinary data and round-trip', async () => {
    const cwd = dirs.make();
    const meta = { reason: 'x', constructor: 'c', prototype: { toString: 1 } };
    const result = await trace(['emit', 'spawn', 'wake', '--agent', 'keys', '--meta', JSON.stringify(meta), '--json'], { cwd });
    expect(json(result).metadata).toEqual(meta);
    const read = await trace(['--agent', 'keys', '--json'], { cwd });
    expect(json(read).events[0].metadata).toEqual(meta);
  });
});
