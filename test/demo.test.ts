import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { cleanEnv, trace } from './helpers/trace-cli.js';

const DEMO = resolve(import.meta.dirname, '../apps/cli/dist/demo/run-demo.js');
const run = promisify(execFile);

describe('npm run demo: the payment-system story', () => {
  it('records the story through the SDK and prints its timeline and causality tree', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'tracekernel-demo-'));
    const { stdout } = await run(process.execPath, [DEMO], { cwd, env: cleanEnv() });

    expect(stdout).toContain(`Recorded the payment-system story in ${join(cwd, '.trace', 'trace.db')}`);
    expect(stdout).toContain('Timeline for task-abc123 (Build payment system):');
    expect(stdout).toMatch(/^2025-10-22 14:15:00Z \| [0-9a-f]{8} \| ops       \| task-sub1 blocked by haiku-1 \(reason: need API key\)$/m);
    expect(stdout).toMatch(/^2025-10-22 14:25:00Z \| [0-9a-f]{8} \| ops       \| task-sub1 claimed by haiku-1 \(attempt 2\)$/m);
    expect(stdout).toContain('Causality chain for task-abc123:');
    expect(stdout).toMatch(/^\[root\] [0-9a-f]{8} bridge human posted to #payments: "We need payments for the marketplace"$/m);
    expect(stdout).toMatch(/^ {18}├─> [0-9a-f]{8} ops task-sub1 \(Adyen sandbox client\) created by zealot-1/m);
    expect(stdout).toMatch(/^ {18}└─> [0-9a-f]{8} ops task-abc123 reduced by zealot-1 .* \(also caused by \w{8}, \w{8}, \w{8}\)$/m);

    // The tree is the story's own causes: the worker's block leads to the answer and the retry.
    const causality = JSON.parse((await trace(['--causality', 'task-abc123', '--json'], { cwd })).stdout);
    const find = (node: any, predicate: (event: any) => boolean): any =>
      predicate(node.event) ? node : node.children.map((child: any) => find(child, predicate)).find(Boolean);
    const blocked = find(causality.root, (event) => event.type === 'send' && event.agent_id === 'haiku-1');
    expect(blocked.children.map((child: any) => `${child.event.agent_id} ${child.event.type}`)).toEqual([
      'haiku-1 add_entry', 'haiku-1 block_task', 'zealot-1 send',
    ]);
    const retry = find(causality.root, (event) => event.type === 'claim_task' && event.metadata.attempt === 2);
    const block = find(causality.root, (event) => event.type === 'block_task');
    expect(retry.links).toEqual([block.event.id]);

    // Telling the story again into the same store changes nothing: every event has an idempotency key.
    const before = JSON.parse((await trace(['stats', '--json'], { cwd })).stdout).events;
    await run(process.execPath, [DEMO], { cwd, env: cleanEnv() });
    expect(JSON.parse((await trace(['stats', '--json'], { cwd })).stdout).events).toBe(before);
    expect(before).toBe(30);
  });
});
