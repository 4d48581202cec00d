import { execFile } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TRACE_BIN, cleanEnv, tempDirs } from './helpers/trace-cli.js';

// Most of the suite's time is `trace` starting. What a start loads is checked here, as modules,
// never as a time: the speed itself is measured in bench/.

const dirs = tempDirs();
afterAll(() => dirs.cleanup());

/** Runs the built CLI with a probe that prints, at exit, the packages it loaded from node_modules. */
function loadedPackages(args: string[], cwd: string): Promise<{ code: number; stdout: string; loaded: string[] }> {
  const probe = join(cwd, 'probe.cjs');
  writeFileSync(probe, `process.on('exit', () => {
  const names = new Set(Object.keys(require.cache).map((path) => /node_modules\\/((?:@[^/]+\\/)?[^/]+)/.exec(path)?.[1]).filter(Boolean));
  require('node:fs').writeSync(2, '\\nLOADED ' + JSON.stringify([...names]) + '\\n');
});
`);
  return new Promise((done) => {
    execFile(process.execPath, ['--require', probe, TRACE_BIN, ...args], { cwd, env: cleanEnv() }, (error, stdout, stderr) => {
      const line = stderr.split('\n').find((text) => text.startsWith('LOADED ')) ?? 'LOADED []';
      done({ code: error ? Number(error.code ?? 1) : 0, stdout, loaded: JSON.parse(line.slice(7)) as string[] });
    });
  });
}

describe('start-up', () => {
  it('a SQLite store never loads pg (nor the fetch implementation pg loads to detect Cloudflare)', async () => {
    const cwd = dirs.make();
    const written = await loadedPackages(['emit', 'ops', 'create_task', '--agent', 'a', '--target', 't', '--meta', '{"title":"T"}'], cwd);
    expect(written.code).toBe(0);
    const read = await loadedPackages(['--task', 't'], cwd);
    expect(read.code).toBe(0);
    expect(read.stdout).toContain('t (T) created by a');
    for (const { loaded } of [written, read]) {
      expect(loaded).toContain('better-sqlite3');
      expect(loaded).not.toContain('pg');
    }
  });

  it('never loads the TypeScript compiler, though vitest starts it with NODE_ENV=test (oclif looks for sources then)', async () => {
    const cwd = dirs.make();
    const version = await loadedPackages(['--version'], cwd);
    expect(process.env.NODE_ENV).toBe('test');
    expect(version.code).toBe(0);
    expect(version.loaded).not.toContain('typescript');
  });

  // Issue 12: zod's ~60 locales were a third of the zod every start parsed; its messages stay English.
  it('bundles zod with its English messages only', () => {
    const chunks = join(dirname(dirname(TRACE_BIN)), 'dist/chunks');
    const bundled = readdirSync(chunks).filter((name) => name.endsWith('.js')).map((name) => readFileSync(join(chunks, name), 'utf8'));
    expect(bundled.some((source) => source.includes('Invalid input: expected'))).toBe(true);
    expect(bundled.some((source) => source.includes('Ung\\xFCltige Eingabe') || source.includes('Ungültige Eingabe'))).toBe(false);
  });

  it('ships an oclif manifest of exactly the built commands, so that a start imports only the command it runs', () => {
    const cli = dirname(dirname(TRACE_BIN));
    const files = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory() ? files(join(dir, entry.name)) : entry.name.endsWith('.js') ? [join(dir, entry.name)] : []);
    const built = files(join(cli, 'dist/commands')).map((file) => relative(join(cli, 'dist/commands'), file).replace(/(\/index)?\.js$/, '').replace(/\//g, ':'));
    const manifest = JSON.parse(readFileSync(join(cli, 'oclif.manifest.json'), 'utf8'));
    expect(Object.keys(manifest.commands).sort()).toEqual(built.sort());
    expect(manifest.version).toBe(JSON.parse(readFileSync(join(cli, 'package.json'), 'utf8')).version);
    expect(JSON.parse(readFileSync(join(cli, 'package.json'), 'utf8')).files).toContain('oclif.manifest.json');
  });
});
