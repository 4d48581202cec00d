import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LATEST_STORE_VERSION } from '@tracekernel/store';
import { countEvents, fingerprint, storePath } from './helpers/store-files.js';
import { emit, errorLine, tempDirs, trace, type TraceResult } from './helpers/trace-cli.js';

// Every bad input gets one clear line on stderr, the right exit code, and writes nothing.
const dirs = tempDirs();
afterAll(() => dirs.cleanup());

const json = (result: TraceResult) => JSON.parse(result.stdout);

describe('bad input with no store: nothing is created', () => {
  let cwd: string;
  beforeAll(() => {
    cwd = dirs.make();
  });
  // Each case runs once, with --json: stdout gets the error object, stderr still gets the one line.
  const refused = async (args: string[], code: string, message: RegExp, exit = 1) => {
    const asJson = await trace([...args, '--json'], { cwd });
    expect(asJson.code).toBe(exit);
    expect(json(asJson)).toEqual({ error: { code, message: expect.any(String) } });
    expect(errorLine(asJson)).toMatch(message);
    expect(existsSync(join(cwd, '.trace'))).toBe(false);
  };

  it('without --json, stdout stays empty and stderr has the same single line', async () => {
    const [schema, usage] = await Promise.all([
      trace(['emit', 'ops', 'create_task', '--target', 't1'], { cwd }),
      trace(['emit', 'ops', 'create_task', '--nope'], { cwd }),
    ]);
    expect([schema.code, schema.stdout]).toEqual([1, '']);
    expect(errorLine(schema)).toMatch(/^trace: metadata\.title: /);
    expect([usage.code, usage.stdout]).toEqual([2, '']);
    expect(errorLine(usage)).toBe('trace: unknown flag --nope (see trace emit --help)');
    expect(existsSync(join(cwd, '.trace'))).toBe(false);
  });

  it('an unknown primitive lists the valid ones', () =>
    refused(['emit', 'opz', 'create_task'], 'E_UNKNOWN_KIND', /^trace: unknown primitive "opz"; expected one of: spawn, bridge, ops, memory, knowledge\b/));

  it('an unknown type lists the valid ones', () =>
    refused(['emit', 'ops', 'finish'], 'E_UNKNOWN_KIND', /unknown type "finish" for primitive ops; expected one of: create_task, claim_task, complete_task, block_task, reduce_task/));

  it('metadata that does not match its schema names the field', () =>
    refused(['emit', 'ops', 'create_task', '--target', 't1', '--meta', '{"title":42}'], 'E_SCHEMA', /^trace: metadata\.title: .*\(ops\.create_task\)$/));

  it('a missing required metadata field is named', () =>
    refused(['emit', 'ops', 'block_task', '--target', 't1'], 'E_SCHEMA', /^trace: metadata\.reason: /));

  it('a missing target is named', () =>
    refused(['emit', 'ops', 'claim_task', '--agent', 'a'], 'E_SCHEMA', /^trace: target_id: ops\.claim_task needs a target \(the task\)$/));

  it('--meta that is not JSON, or not an object', async () => {
    await refused(['emit', 'spawn', 'wake', '--meta', '{oops'], 'E_SCHEMA', /^trace: --meta: not valid JSON/);
    await refused(['emit', 'spawn', 'wake', '--meta', '[1,2]'], 'E_SCHEMA', /^trace: --meta: expected a JSON object/);
  });

  it('an invalid --parent, --cause or TRACE_PARENT id', async () => {
    await refused(['emit', 'spawn', 'wake', '--parent', 'not-an-id'], 'E_INVALID_ID', /^trace: --parent: expected a uuidv7 event id, got "not-an-id"$/);
    await refused(['emit', 'spawn', 'wake', '--cause', '123e4567-e89b-12d3-a456-426614174000'], 'E_INVALID_ID', /^trace: --cause: expected a uuidv7 event id/);
    const result = await trace(['emit', 'spawn', 'wake', '--json'], { cwd, env: { TRACE_PARENT: 'garbage' } });
    expect(result.code).toBe(1);
    expect(json(result).error.code).toBe('E_INVALID_ID');
    expect(errorLine(result)).toMatch(/^trace: TRACE_PARENT: expected a uuidv7 event id/);
    expect(existsSync(join(cwd, '.trace'))).toBe(false);
  });

  it('an unparseable --ts', () => refused(['emit', 'spawn', 'wake', '--ts', 'yesterday-ish'], 'E_INVALID_TIME', /^trace: --ts: could not parse "yesterday-ish"/));

  it('reading with no store found is a clear error naming where it looked', () =>
    refused(['task-1'], 'E_NO_STORE', /^trace: no trace store found in .* or any parent directory \(looked for \.trace\/; set --db or TRACE_DB, or run trace init\)$/));

  it('stats with no store found', () => refused(['stats'], 'E_NO_STORE', /^trace: no trace store found/));

  it('usage errors exit 2: an unknown flag, a missing argument, a bad --limit, exclusive flags', async () => {
    await refused(['emit', 'spawn', 'wake', '--bogus'], 'E_USAGE', /^trace: unknown flag --bogus \(see trace emit --help\)$/, 2);
    await refused(['emit', 'spawn'], 'E_USAGE', /^trace: missing <type>; usage: trace emit <primitive> <type> \[FLAGS\]/, 2);
    await refused(['--agent', 'a', '--limit', '0'], 'E_USAGE', /^trace: .*--limit/, 2);
    await refused(['--agent', 'a', '--limit', 'ten'], 'E_USAGE', /^trace: .*--limit/, 2);
    await refused(['--causality', 'task-1', '--agent', 'a'], 'E_USAGE', /^trace: .*--causality/, 2);
    await refused(['task-1', '--task', 'task-2'], 'E_USAGE', /^trace: give either <id> or one of/, 2);
  });
});

describe('bad input against an existing store: nothing is written', () => {
  let cwd: string;
  let db: string;
  beforeAll(async () => {
    cwd = dirs.make();
    db = storePath(cwd);
    await emit(['spawn', 'wake', '--agent', 'zealot-1', '--ts', '2025-10-22T14:00:00Z'], { cwd });
  });
  const refusedWrite = async (args: string[], code: string, message: RegExp, env?: Record<string, string>) => {
    const result = await trace([...args, '--json'], { cwd, ...(env ? { env } : {}) });
    expect(result.code).toBe(1);
    expect(json(result).error.code).toBe(code);
    expect(errorLine(result)).toMatch(message);
    expect(countEvents(db)).toBe(1);
  };

  it('schema errors leave the store as it was', async () => {
    await refusedWrite(['emit', 'bridge', 'send', '--target', 'payments', '--meta', '{"content":""}'], 'E_SCHEMA', /^trace: metadata\.content: /);
    await refusedWrite(['emit', 'ops', 'claim_task', '--target', 't', '--meta', '{"attempt":0}'], 'E_SCHEMA', /^trace: metadata\.attempt: /);
    await refusedWrite(['emit', 'knowledge', 'add_discovery', '--meta', '{"domain":"x","confidence":3}'], 'E_SCHEMA', /^trace: metadata\.confidence: /);
  });

  it('an unparseable --since or --until names the flag', async () => {
    for (const flag of ['--since', '--until']) {
      const result = await trace(['--agent', 'zealot-1', flag, 'next tuesday-ish', '--json'], { cwd });
      expect(result.code).toBe(1);
      expect(json(result).error.code).toBe('E_INVALID_TIME');
      expect(errorLine(result)).toMatch(new RegExp(`^trace: ${flag}: could not parse "next tuesday-ish"`));
    }
  });

  it('an id shaped like a uuid but not a uuidv7 is an invalid id', async () => {
    const result = await trace(['123e4567-e89b-12d3-a456-426614174000', '--json'], { cwd });
    expect(result.code).toBe(1);
    expect(json(result).error.code).toBe('E_INVALID_ID');
    expect(errorLine(result)).toMatch(/expected a uuidv7 event id/);
  });
});

describe('stores that cannot be used', () => {
  it('a corrupt database file: clear error, file untouched, for reads and writes', async () => {
    const cwd = dirs.make();
    mkdirSync(join(cwd, '.trace'));
    const db = storePath(cwd);
    writeFileSync(db, Buffer.alloc(8192, 'this is not a database '));
    const before = fingerprint(db);
    const [read, write] = await Promise.all([
      trace(['--agent', 'a', '--json'], { cwd }),
      trace(['emit', 'spawn', 'wake', '--agent', 'a', '--json'], { cwd }),
    ]);
    for (const result of [read, write]) {
      expect(result.code).toBe(1);
      expect(json(result).error.code).toBe('E_CORRUPT_STORE');
      expect(errorLine(result)).toMatch(/^trace: .*trace\.db is corrupt or not a SQLite database/);
    }
    expect(fingerprint(db)).toBe(before);
  });

  it('a SQLite file that is not a trace store: clear error, nothing written into it', async () => {
    const cwd = dirs.make();
    const db = join(cwd, 'other.db');
    const other = new Database(db);
    other.exec("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('hello')");
    other.close();
    const [read, write] = await Promise.all([
      trace(['stats', '--db', db, '--json'], { cwd }),
      trace(['emit', 'spawn', 'wake', '--db', db, '--json'], { cwd }),
    ]);
    for (const result of [read, write]) {
      expect(result.code).toBe(1);
      expect(json(result).error.code).toBe('E_NOT_A_STORE');
      expect(errorLine(result)).toMatch(/other\.db is a SQLite database but not a trace store$/);
    }
    const check = new Database(db, { readonly: true });
    const tables = check.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all();
    check.close();
    expect(tables).toEqual(['notes']);
  });

  it('a SQLite file that is not a trace store is left byte for byte (not even switched to WAL)', async () => {
    const cwd = dirs.make();
    const db = join(cwd, 'other.db');
    const other = new Database(db);
    other.exec('CREATE TABLE notes (body TEXT)');
    other.close();
    const before = fingerprint(db);
    const result = await trace(['emit', 'spawn', 'wake', '--db', db], { cwd });
    expect(result.code).toBe(1);
    expect(fingerprint(db)).toBe(before);
  });

  it('a store from a newer schema version: refuses to write and says which version', async () => {
    const cwd = dirs.make();
    await emit(['spawn', 'wake', '--agent', 'a'], { cwd });
    const db = storePath(cwd);
    const newer = new Database(db);
    newer.pragma('user_version = 99');
    newer.close();
    const result = await trace(['emit', 'spawn', 'sleep', '--agent', 'a', '--json'], { cwd });
    expect(result.code).toBe(1);
    expect(json(result).error.code).toBe('E_STORE_VERSION');
    expect(errorLine(result)).toContain(`is a version 99 trace store; this tracekernel writes version ${LATEST_STORE_VERSION} and will not write to it`);
    expect(countEvents(db)).toBe(1);
  });
});
