import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { emit, tempDirs, trace } from './helpers/trace-cli.js';

// issue 15 §2: a primitive registered through the SDK (tracer.register) works from the CLI too,
// because the registration is in the store: emit validates it, catalog lists it, timelines describe it.

const PACKAGES = resolve(import.meta.dirname, '../packages');
const moduleUrl = (pkg: string) => pathToFileURL(join(PACKAGES, pkg, 'dist/index.js')).href;
const zodUrl = pathToFileURL(createRequire(join(PACKAGES, 'sdk', 'package.json')).resolve('zod')).href;
const dirs = tempDirs();
afterAll(() => dirs.cleanup());

function node(script: string, cwd: string): Promise<void> {
  return new Promise((done, fail) => {
    execFile(process.execPath, [script], { cwd }, (error, _stdout, stderr) => (error ? fail(new Error(`${script}: ${stderr}`)) : done()));
  });
}

describe('registered primitives from the CLI', () => {
  it('emit accepts and validates a registered type, catalog lists it, the timeline describes it', async () => {
    const cwd = dirs.make();
    const agent = join(cwd, 'agent.mjs');
    writeFileSync(agent, `
import { z } from '${zodUrl}';
import { createTracer } from '${moduleUrl('sdk')}';
const tracer = createTracer({ agentId: 'ci', db: ${JSON.stringify(join(cwd, '.trace', 'trace.db'))} });
tracer.register('deploy', {
  summary: 'Deployments', target: 'service',
  types: { ship: { summary: 'A service ships', description: '{agent} shipped {target} v{meta.version}', requiresTarget: true,
    metadata: z.object({ version: z.string(), replicas: z.number().int().min(1).optional() }) } },
});
tracer.emit('deploy', 'ship', { target: 'api', metadata: { version: '1.2.0' } });
await tracer.close();
`);
    await node(agent, cwd);

    await emit(['deploy', 'ship', '--agent', 'cli', '--target', 'web', '--meta', '{"version":"2.0.0","replicas":3}'], { cwd });
    const [bad, noTarget, catalog, timeline] = await Promise.all([
      trace(['emit', 'deploy', 'ship', '--agent', 'cli', '--target', 'web', '--meta', '{"version":"3","replicas":0}'], { cwd }),
      trace(['emit', 'deploy', 'ship', '--agent', 'cli', '--meta', '{"version":"3"}'], { cwd }),
      trace(['catalog', 'deploy', '--json'], { cwd }),
      trace(['--primitive', 'deploy', '--no-pager'], { cwd }),
    ]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/metadata\.replicas/);
    expect(noTarget.code).not.toBe(0);
    expect(noTarget.stderr).toMatch(/target_id: deploy\.ship needs a target \(the service\)/);
    expect(catalog.code).toBe(0);
    expect(JSON.parse(catalog.stdout).primitives).toEqual([
      expect.objectContaining({
        primitive: 'deploy',
        target: 'service',
        types: [expect.objectContaining({ type: 'ship', description: '{agent} shipped {target} v{meta.version}', requires_target: true, required_metadata: ['version'] })],
      }),
    ]);
    expect(timeline.code).toBe(0);
    expect(timeline.stdout).toContain('ci shipped api v1.2.0');
    expect(timeline.stdout).toContain('cli shipped web v2.0.0');
  });
});
