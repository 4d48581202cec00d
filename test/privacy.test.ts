import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countEvents, storePath } from './helpers/store-files.js';
import { emit, errorLine, tempDirs, trace, withoutShortIds } from './helpers/trace-cli.js';

const dirs = tempDirs();
afterAll(() => dirs.cleanup());

/** Every byte of the store on disk: the file and its write-ahead log. */
function storeBytes(dir: string): string {
  const path = storePath(dir);
  return [path, `${path}-wal`].filter(existsSync).map((file) => readFileSync(file).toString('latin1')).join('');
}

describe('trace emit redacts', () => {
  it('the keys in TRACE_REDACT, at any depth and any case, before anything is stored', async () => {
    const cwd = dirs.make();
    const meta = JSON.stringify({ content: 'deploying', api_key: 'sk-env-secret-1', headers: [{ Password: 'env-secret-2' }] });
    const result = await trace(['emit', 'bridge', 'send', '--agent', 'a', '--target', 'ops', '--meta', meta, '--json'], { cwd, env: { TRACE_REDACT: 'api_key, password' } });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).metadata).toEqual({ content: 'deploying', api_key: '[redacted]', headers: [{ Password: '[redacted]' }] });
    const bytes = storeBytes(cwd);
    expect(bytes).toContain('deploying');
    expect(bytes).not.toContain('sk-env-secret-1');
    expect(bytes).not.toContain('env-secret-2');
  });

  it('the keys in .trace/config.json beside the store, found from a subdirectory like the store', async () => {
    const root = dirs.make();
    await emit(['spawn', 'wake', '--agent', 'a'], { cwd: root });
    writeFileSync(join(root, '.trace', 'config.json'), JSON.stringify({ redact: ['token'] }));
    const cwd = join(root, 'src', 'deep');
    mkdirSync(cwd, { recursive: true });
    const id = await emit(['ops', 'create_task', '--agent', 'a', '--target', 'task-1', '--meta', '{"title":"Rotate keys","auth":{"TOKEN":"cfg-secret-3"}}'], { cwd });
    const read = await trace(['--causality', id, '--json'], { cwd });
    expect(JSON.parse(read.stdout).root.event.metadata).toEqual({ title: 'Rotate keys', auth: { TOKEN: '[redacted]' } });
    expect(storeBytes(root)).not.toContain('cfg-secret-3');
  });

  it('refuses to record with a config.json it cannot read, in one line, writing nothing', async () => {
    const cwd = dirs.make();
    await emit(['spawn', 'wake', '--agent', 'a'], { cwd });
    writeFileSync(join(cwd, '.trace', 'config.json'), '{"redact": "api_key"}');
    const result = await trace(['emit', 'spawn', 'wake', '--agent', 'b'], { cwd });
    expect(result.code).not.toBe(0);
    expect(errorLine(result)).toMatch(/^trace: .*config\.json: redact: expected an array of metadata key names/);
    expect(countEvents(storePath(cwd))).toBe(1);
  });
});

describe('private events', () => {
  let cwd: string;
  let create: string;
  let secret: string;
  let effect: string;
  beforeAll(async () => {
    cwd = dirs.make();
    create = await emit(['ops', 'create_task', '--agent', 'zealot-1', '--target', 'task-1', '--meta', '{"title":"Build payments"}'], { cwd });
    secret = await emit(['bridge', 'send', '--agent', 'ghost', '--target', 'payments', '--parent', create, '--private', '--meta', '{"content":"the vault code is 4711"}'], { cwd });
    effect = await emit(['ops', 'claim_task', '--agent', 'haiku-1', '--target', 'task-1', '--parent', secret], { cwd });
  });

  it('are stored but left out of timelines unless --include-private', async () => {
    expect(countEvents(storePath(cwd))).toBe(3);
    const hidden = await trace(['task-1'], { cwd });
    expect(hidden.stdout).not.toContain('4711');
    expect(hidden.stdout.split('\n').filter((line) => line.includes(' | '))).toHaveLength(2);
    const shown = await trace(['task-1', '--include-private'], { cwd });
    expect(shown.stdout).toMatch(/bridge {4}\| ghost posted to #payments: "the vault code is 4711" \(private\)/);
    const json = JSON.parse((await trace(['--channel', 'payments', '--include-private', '--json'], { cwd })).stdout);
    expect(json.events.map((event: { id: string; private?: boolean }) => [event.id, event.private])).toEqual([[secret, true]]);
    expect(JSON.parse((await trace(['--channel', 'payments', '--json'], { cwd })).stdout).events).toEqual([]);
  });

  it('are a [private event] placeholder in a tree, keeping their effects under their cause', async () => {
    const text = await trace(['--causality', 'task-1'], { cwd });
    expect(text.code).toBe(0);
    expect(withoutShortIds(text.stdout).split('\n').slice(1, 4)).toEqual([
      '[root] ops task-1 (Build payments) created by zealot-1 (focus)',
      '  └─> [private event]',
      '      └─> ops task-1 claimed by haiku-1',
    ]);
    const json = JSON.parse((await trace(['--causality', 'task-1', '--json'], { cwd })).stdout);
    const placeholder = json.root.children[0];
    expect(placeholder.event).toEqual({ id: secret, private: true });
    expect(placeholder.children[0].event.id).toBe(effect);
    expect(JSON.stringify(json)).not.toContain('ghost');
  });

  it('trace <private id> shows the tree around it with the event as a placeholder, and in full with --include-private', async () => {
    const hidden = JSON.parse((await trace([secret, '--json'], { cwd })).stdout);
    expect(hidden.focus).toBe(secret);
    expect(hidden.root.children[0].event).toEqual({ id: secret, private: true });
    const shown = JSON.parse((await trace([secret, '--json', '--include-private'], { cwd })).stdout);
    expect(shown.root.children[0].event).toMatchObject({ id: secret, private: true, agent_id: 'ghost', metadata: { content: 'the vault code is 4711' } });
  });

  it('count in trace stats as a number only, unless --include-private', async () => {
    const stats = JSON.parse((await trace(['stats', '--json'], { cwd })).stdout);
    expect(stats).toMatchObject({ events: 2, private_events: 1, private_included: false });
    expect(stats.by_agent.map((row: { agent: string }) => row.agent)).not.toContain('ghost');
    const all = JSON.parse((await trace(['stats', '--json', '--include-private'], { cwd })).stdout);
    expect(all).toMatchObject({ events: 3, private_events: 1, private_included: true });
    const text = await trace(['stats'], { cwd });
    expect(text.stdout).toContain('1 private event, not counted below (--include-private counts them)');
  });
});
