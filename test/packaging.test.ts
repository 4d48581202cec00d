import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanEnv, tempDirs } from './helpers/trace-cli.js';

// Issue 15, section 4: the packages as a user who never clones the repository gets them. Every
// workspace package is packed with `npm pack`, the tarballs are installed into an empty project
// (third-party dependencies come from the registry), the SDK is imported there (in JavaScript and
// type-checked TypeScript) to emit, and the installed `trace` binary reads what it wrote.

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '..');
const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8'));
// Every workspace, so that a package added later is held to the same rules; the CLI is listed last.
// A private workspace is build input only (the viewer's assets are copied into the CLI's dist/), so
// it is never published and no published package may depend on it at run time.
const ALL_WORKSPACES: string[] = readJson(join(ROOT, 'package.json')).workspaces;
const WORKSPACES = ALL_WORKSPACES.filter((dir) => !readJson(join(ROOT, dir, 'package.json')).private);
const PRIVATE_NAMES = ALL_WORKSPACES.filter((dir) => !WORKSPACES.includes(dir)).map((dir) => readJson(join(ROOT, dir, 'package.json')).name);

const dirs = tempDirs();
afterAll(() => dirs.cleanup());

describe('the packages outside the clone', () => {
  it('are publishable: public, one version, files, exports with types, and a `trace` bin', () => {
    const manifests = WORKSPACES.map((dir) => readJson(join(ROOT, dir, 'package.json')));
    const version = readJson(join(ROOT, 'package.json')).version;
    expect(PRIVATE_NAMES).toEqual(['@tracekernel/viewer']);
    for (const manifest of manifests) {
      expect(manifest.private, manifest.name).toBeUndefined();
      for (const name of PRIVATE_NAMES) expect(Object.keys(manifest.dependencies ?? {}), manifest.name).not.toContain(name);
      expect(manifest.version, manifest.name).toBe(version);
      expect(manifest.files, manifest.name).toContain('dist');
      expect(manifest.engines?.node, manifest.name).toBe('>=20');
      for (const [name, range] of Object.entries({ ...manifest.dependencies, ...manifest.devDependencies })) {
        if (name.startsWith('@tracekernel/')) expect(range, `${manifest.name} -> ${name}`).toBe(version);
      }
    }
    for (const manifest of manifests.slice(0, -1)) expect(manifest.exports['.'], manifest.name).toEqual({ types: './dist/index.d.ts', default: './dist/index.js' });
    expect(manifests.at(-1).bin).toEqual({ trace: './bin/run.js' });
  });

  it('install from their tarballs into an empty project, where the SDK emits and `trace` reads', { timeout: 180_000 }, async () => {
    const work = dirs.make('trace-pack-');
    const tarballs = join(work, 'tarballs');
    const project = join(work, 'project');
    mkdirSync(tarballs);
    mkdirSync(project);
    const env = cleanEnv({ npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' });

    const packed = JSON.parse((await run('npm', ['pack', ...WORKSPACES.map((dir) => `--workspace=${dir}`), '--ignore-scripts', '--json', '--pack-destination', tarballs], { cwd: ROOT, env })).stdout) as Array<{ name: string; filename: string; files: Array<{ path: string }> }>;
    expect(packed.map((pack) => pack.name).sort()).toEqual(['@tracekernel/cli', '@tracekernel/import', '@tracekernel/ledger', '@tracekernel/otel', '@tracekernel/projector', '@tracekernel/schema', '@tracekernel/sdk', '@tracekernel/server', '@tracekernel/store']);
    // trace serve's viewer travels inside the CLI's tarball.
    expect(packed.find((pack) => pack.name === '@tracekernel/cli')!.files.map((file) => file.path)).toContain('dist/viewer/index.html');
    for (const pack of packed) {
      const files = pack.files.map((file) => file.path);
      expect(files.some((file) => file.startsWith('src/') || file.startsWith('test/')), pack.name).toBe(false);
      if (pack.name !== '@tracekernel/cli') expect(files, pack.name).toContain('dist/index.d.ts');
    }

    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module' }));
    // better-sqlite3 compiles or downloads its native addon in an install script, from GitHub:
    // beyond the registry. Scripts stay off, and the addon this checkout built for this Node is
    // put in place, for the same better-sqlite3 version.
    const sqliteVersion = readJson(join(ROOT, 'node_modules/better-sqlite3/package.json')).version;
    await run('npm', ['install', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund', ...packed.map((pack) => join(tarballs, pack.filename)), `better-sqlite3@${sqliteVersion}`], { cwd: project, env });
    const addon = 'node_modules/better-sqlite3/build/Release/better_sqlite3.node';
    mkdirSync(join(project, 'node_modules/better-sqlite3/build/Release'), { recursive: true });
    copyFileSync(join(ROOT, addon), join(project, addon));

    const consumer = [
      "import { createTracer } from '@tracekernel/sdk';",
      "import type { Tracer } from '@tracekernel/sdk';",
      "const tracer: Tracer = createTracer({ agentId: 'outside-1', db: 'trace.db' });",
      "const task: string = tracer.ops.createTask({ target: 'task-outside', title: 'Installed from tarballs' });",
      "tracer.within(task, () => tracer.bridge.send({ target: 'outside', content: 'hello from node_modules' }));",
      'await tracer.close();',
      '',
    ].join('\n');
    writeFileSync(join(project, 'consumer.ts'), consumer);
    writeFileSync(join(project, 'consumer.mjs'), consumer.replace(/^import type .*\n/m, '').replace(/: (Tracer|string) =/g, ' ='));
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'nodenext', target: 'es2022', strict: true, noEmit: true, skipLibCheck: true, types: [] }, files: ['consumer.ts'] }));

    const [typecheck] = await Promise.all([
      run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', project], { cwd: project, env }).then(() => 'ok', (error) => String(error.stdout)),
      run(process.execPath, ['consumer.mjs'], { cwd: project, env }),
    ]);
    expect(typecheck).toBe('ok');

    const bin = join(project, 'node_modules/.bin/trace');
    const [version, timeline] = await Promise.all([
      run(bin, ['--version'], { cwd: project, env }),
      run(bin, ['--task', 'task-outside', '--db', 'trace.db'], { cwd: project, env }),
    ]);
    expect(version.stdout).toMatch(/^@tracekernel\/cli\/0\.1\.0 /);
    expect(timeline.stdout).toContain('Timeline for task-outside (Installed from tarballs):');
    expect(timeline.stdout).toContain('outside-1 posted to #outside: "hello from node_modules"');
  });
});
