import { afterAll, describe, expect, it } from 'vitest';
import { countEvents, storePath } from './helpers/store-files.js';
import { emit, shell, tempDirs, trace } from './helpers/trace-cli.js';

const dirs = tempDirs();
afterAll(() => dirs.cleanup());

describe('two processes emitting to one store at once', () => {
  it('keeps every event from two parallel shell loops of `trace emit`', async () => {
    const cwd = dirs.make();
    // Create the store first, then race two writers (a fresh store's migration race is covered too: see below).
    await emit(['spawn', 'wake', '--agent', 'setup'], { cwd });
    const perLoop = 6;
    const loop = (agent: string) =>
      shell(`set -e; for i in $(seq 1 ${perLoop}); do trace emit ops claim_task --agent ${agent} --target task-$i --meta "{\\"attempt\\":$i}" > /dev/null; done`, { cwd });
    const [a, b] = await Promise.all([loop('writer-a'), loop('writer-b')]);
    expect(a.stderr).toBe('');
    expect(b.stderr).toBe('');
    expect([a.code, b.code]).toEqual([0, 0]);
    expect(countEvents(storePath(cwd))).toBe(1 + 2 * perLoop);
    const [left, right] = await Promise.all([
      trace(['--agent', 'writer-a', '--json'], { cwd }),
      trace(['--agent', 'writer-b', '--json'], { cwd }),
    ]);
    const attempts = (stdout: string) => JSON.parse(stdout).events.map((event: { metadata: { attempt: number } }) => event.metadata.attempt).sort((x: number, y: number) => x - y);
    const expected = Array.from({ length: perLoop }, (_, i) => i + 1);
    expect(attempts(left.stdout)).toEqual(expected);
    expect(attempts(right.stdout)).toEqual(expected);
  });

  it('two writers that both find no store create one store between them and lose nothing', async () => {
    const cwd = dirs.make();
    const writers = Array.from({ length: 4 }, (_, i) => trace(['emit', 'spawn', 'wake', '--agent', `first-${i}`], { cwd }));
    const results = await Promise.all(writers);
    expect(results.map((result) => [result.code, result.stderr])).toEqual(results.map(() => [0, '']));
    expect(new Set(results.map((result) => result.stdout.trim())).size).toBe(4);
    expect(countEvents(storePath(cwd))).toBe(4);
  });
});
