import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countEvents, storePath } from './helpers/store-files.js';
import { emit, tempDirs, trace } from './helpers/trace-cli.js';

const dirs = tempDirs();
const SERVER = 'postgres://postgres@127.0.0.1:5432';
const database = `tk_${randomBytes(6).toString('hex')}`;

async function admin(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: `${SERVER}/test` });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

beforeAll(() => admin(`CREATE DATABASE ${database}`));
afterAll(async () => {
  dirs.cleanup();
  await admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
});

describe('trace init', () => {
  it('without --store creates .trace/trace.db and a config.json naming it', async () => {
    const cwd = dirs.make();
    const result = await trace(['init', '--json'], { cwd });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ dialect: 'sqlite', location: storePath(cwd) });
    expect(JSON.parse(readFileSync(join(cwd, '.trace', 'config.json'), 'utf8'))).toEqual({ store: join('.trace', 'trace.db') });
    expect(existsSync(storePath(cwd))).toBe(true);
    await emit(['spawn', 'wake', '--agent', 'a'], { cwd });
    expect(countEvents(storePath(cwd))).toBe(1);
  });

  it('--store postgres://… points the whole checkout at the server; the password is never printed', async () => {
    const cwd = dirs.make();
    const url = `postgres://postgres:hunter2-secret@127.0.0.1:5432/${database}`;
    const init = await trace(['init', '--store', url], { cwd });
    expect(init.code).toBe(0);
    expect(init.stdout).toContain(`postgres://127.0.0.1:5432/${database}`);
    expect(init.stdout + init.stderr).not.toContain('hunter2');
    expect(JSON.parse(readFileSync(join(cwd, '.trace', 'config.json'), 'utf8'))).toEqual({ store: url });

    // A nested directory finds the config by walking up, as git finds .git.
    const nested = join(cwd, 'src', 'deep');
    mkdirSync(nested, { recursive: true });
    const id = await emit(['spawn', 'wake', '--agent', 'remote-agent'], { cwd: nested });
    const stats = await trace(['stats', '--json'], { cwd: nested });
    expect(stats.code).toBe(0);
    expect(stats.stdout).not.toContain('hunter2');
    expect(JSON.parse(stats.stdout)).toMatchObject({ events: 1 });
    const shown = await trace([id, '--json'], { cwd: nested });
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('remote-agent');
    expect(existsSync(storePath(cwd))).toBe(false);
  });

  it('an unreachable server: one line naming the host, never the password, and nothing written', async () => {
    const cwd = dirs.make();
    const result = await trace(['init', '--store', 'postgres://u:hunter2-secret@127.0.0.1:1/trace'], { cwd });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^trace: cannot reach PostgreSQL at 127\.0\.0\.1:1\/trace: .*\n$/);
    expect(result.stderr).not.toContain('hunter2');
    expect(existsSync(join(cwd, '.trace'))).toBe(false);
  });

  it('keeps the other keys of an existing config.json', async () => {
    const cwd = dirs.make();
    mkdirSync(join(cwd, '.trace'));
    writeFileSync(join(cwd, '.trace', 'config.json'), JSON.stringify({ redact: ['api_key'] }));
    expect((await trace(['init'], { cwd })).code).toBe(0);
    expect(JSON.parse(readFileSync(join(cwd, '.trace', 'config.json'), 'utf8'))).toEqual({ redact: ['api_key'], store: join('.trace', 'trace.db') });
  });
});
