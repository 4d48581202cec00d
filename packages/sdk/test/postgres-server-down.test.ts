import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// A tracer pointed at a PostgreSQL port where nothing listens keeps its events in the spool; the
// next tracer that reaches the server (the same URL, once something answers there) replays them
// exactly once. Real processes, a real server behind a real TCP port.
const PG_SERVER = process.env.TRACE_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432';
const fixtures = join(import.meta.dirname, 'fixtures');
const EVENTS = 5_000;

async function onServer<T>(database: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: `${PG_SERVER}/${database}` });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A TCP port nothing listens on (bound once by the OS, then released). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

interface ChildStats { spooled: number; written: number; replayed: number; lost: number; errorMessages?: string[] }

function run(fixture: string, args: string[], env: NodeJS.ProcessEnv): ChildStats {
  const result = spawnSync(process.execPath, [join(fixtures, fixture), ...args], { env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`${fixture} exited ${result.status}: ${result.stderr}`);
  return JSON.parse(result.stdout) as ChildStats;
}

function startProxy(listenPort: number, targetPort: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [join(fixtures, 'tcp-proxy.mjs'), String(listenPort), String(targetPort)], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`tcp-proxy exited with ${code}`)));
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      if (chunk.includes('listening')) resolve(child);
    });
  });
}

describe('PostgreSQL server down', () => {
  const database = `tk_sdk_down_${randomBytes(5).toString('hex')}`;
  const state = mkdtempSync(join(tmpdir(), 'tracekernel-state-'));
  const env: NodeJS.ProcessEnv = { ...process.env, XDG_STATE_HOME: state };
  delete env.TRACE_DB;
  delete env.TRACE_PARENT;
  let proxy: ChildProcess | undefined;
  beforeAll(() => onServer('test', (client) => client.query(`CREATE DATABASE ${database}`)));
  afterAll(async () => {
    proxy?.kill('SIGTERM');
    await onServer('test', (client) => client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`));
    rmSync(state, { recursive: true, force: true });
  });

  it("spools an agent's events while nothing listens, and the next tracer to reach the server replays them exactly once", async () => {
    const port = await freePort();
    const server = new URL(PG_SERVER);
    const url = `postgres://${server.username}@127.0.0.1:${port}/${database}`;
    const idsFile = join(state, 'ids.txt');

    const down = run('spool-events.mjs', [url, String(EVENTS), idsFile], env);
    expect(down).toMatchObject({ spooled: EVENTS, written: 0, lost: 0 });
    const acknowledged = readFileSync(idsFile, 'utf8').split('\n');
    expect(acknowledged).toHaveLength(EVENTS);

    // The server is back at the same address.
    proxy = await startProxy(port, Number(server.port || 5432));
    const back = run('replay-spool.mjs', [url], env);
    expect(back.errorMessages).toEqual([]);
    expect(back).toMatchObject({ replayed: EVENTS, lost: 0 });
    const stored = async () => onServer(database, async (client) => (await client.query<{ id: string }>('SELECT id::text AS id FROM events')).rows.map((row) => row.id));
    const once = await stored();
    expect(once).toHaveLength(EVENTS);
    expect(new Set(once)).toEqual(new Set(acknowledged));

    // Another tracer finds nothing left to replay, and nothing is stored twice.
    const again = run('replay-spool.mjs', [url], env);
    expect(again).toMatchObject({ replayed: 0, lost: 0 });
    expect(again.errorMessages).toEqual([]);
    expect((await stored()).length).toBe(EVENTS);
  });
});
