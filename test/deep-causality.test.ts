import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanEnv, TRACE_BIN, tempDirs, trace } from './helpers/trace-cli.js';

const dirs = tempDirs();
afterAll(() => dirs.cleanup());

// An agent whose every event is caused by its previous one makes a causality tree as deep as the
// run is long. `trace --causality`, its --json and GET /v1/causality failed with "Maximum call
// stack size exceeded" on chains of a few thousand events.
describe('the causality tree of a chain of 20,000 events', () => {
  const LENGTH = 20_000;
  const id = (n: number) => `0190${n.toString(16).padStart(4, '0')}-0000-7000-8000-${n.toString(16).padStart(12, '0')}`;
  const store = async () => {
    const cwd = dirs.make();
    const db = join(cwd, 'chain.db');
    const lines = Array.from({ length: LENGTH }, (_, n) => JSON.stringify({
      id: id(n), primitive: 'spawn', type: n === 0 ? 'wake' : 'sleep', agent_id: 'looper', ts: new Date(Date.UTC(2026, 0, 1) + n).toISOString(),
      ...(n === 0 ? {} : { parent_event_id: id(n - 1) }),
    }));
    writeFileSync(join(cwd, 'chain.ndjson'), `${lines.join('\n')}\n`);
    expect((await trace(['import', 'ndjson', join(cwd, 'chain.ndjson'), '--db', db], { cwd })).code).toBe(0);
    return { cwd, db };
  };
  /** The ids down the only path of a causality answer. */
  const pathOf = (answer: { root: { event: { id: string }; children: unknown[] } }) => {
    const ids: string[] = [];
    for (let node: any = answer.root; node; node = node.children[0]) {
      expect(node.children.length).toBeLessThanOrEqual(1);
      ids.push(node.event.id);
    }
    return ids;
  };

  it('prints as text, with the depth named past the indentation drawn, and as JSON', async () => {
    const { cwd, db } = await store();
    const text = await trace(['--causality', id(0), '--db', db], { cwd });
    expect(text.code).toBe(0);
    const lines = text.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(1 + LENGTH);
    expect(lines.at(-1)).toContain(`[depth ${LENGTH - 1}]`);
    // The indentation stops growing: the last line is no wider than one at depth 100.
    expect(lines.at(-1)!.length).toBeLessThan(lines[101]!.length + 20);

    const json = await trace(['--causality', id(0), '--json', '--db', db], { cwd });
    expect(json.code).toBe(0);
    const answer = JSON.parse(json.stdout);
    expect(answer.focus).toBe(id(0));
    expect(pathOf(answer)).toEqual(Array.from({ length: LENGTH }, (_, n) => id(n)));
  }, 120_000);

  it('answers GET /v1/causality with the same tree', async () => {
    const { cwd, db } = await store();
    const child = spawn(process.execPath, [TRACE_BIN, 'serve', '--db', db, '--port', '0'], { cwd, env: cleanEnv({}) });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let stdout = '';
        child.stdout.on('data', (chunk) => {
          stdout += chunk;
          const match = /listening on (http:\/\/\S+\/)/.exec(stdout);
          if (match) resolve(match[1]!);
        });
        child.on('close', (code) => reject(new Error(`trace serve exited ${code}`)));
      });
      const response = await fetch(`${url}v1/causality/${id(LENGTH - 1)}`);
      expect(response.status).toBe(200);
      const answer = await response.json();
      expect(answer.focus).toBe(id(LENGTH - 1));
      // Above the focus the chain goes up 10,000 links at most (docs/cli.md).
      expect(pathOf(answer)).toEqual(Array.from({ length: 10_001 }, (_, n) => id(LENGTH - 10_001 + n)));
      const fromRoot = await (await fetch(`${url}v1/causality/${id(0)}`)).json();
      expect(pathOf(fromRoot)).toEqual(Array.from({ length: LENGTH }, (_, n) => id(n)));
    } finally {
      child.kill('SIGTERM');
    }
  }, 120_000);
});
