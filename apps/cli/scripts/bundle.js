// Bundles each command (and the demo) with what it imports into a few ESM files in dist/.
// Loading kysely, zod and the workspace packages as hundreds of separate modules cost most of the
// CLI's start-up; as bundles they load in a fraction of that. oclif is bundled too (src/main.ts):
// it is CommonJS spread over a hundred files. better-sqlite3 (native) stays external, and so does
// the SDK: its writer thread is a file it locates next to itself. The server, otel and import packages
// are bundled too, into chunks that only `trace serve`, `trace export`, `trace import`, `trace infer`
// and `--space` load. The web viewer's built assets (@tracekernel/viewer) are copied into
// dist/viewer/, where `trace serve` serves them from.
import { createHash } from 'node:crypto';
import { cpSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const MANIFEST = 'oclif.manifest.json';
const sources = (dir) =>
  readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );

// zod re-exports every one of its ~60 locales (z.locales, core.locales): a third of the zod the CLI
// loads, parsed on each start. The CLI speaks English only, which zod imports from its own file.
const englishOnlyZod = {
  name: 'english-only-zod',
  setup(plugin) {
    plugin.onResolve({ filter: /\/locales\/index\.js$/ }, (args) =>
      /[\\/]zod[\\/]/.test(args.importer) ? { path: join(args.resolveDir, args.path), namespace: 'english-only-zod' } : undefined,
    );
    plugin.onLoad({ filter: /.*/, namespace: 'english-only-zod' }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(join(dirname(args.path), 'en.js'))};`,
      resolveDir: dirname(args.path),
    }));
  },
};

rmSync(join(root, 'dist'), { recursive: true, force: true });
rmSync(join(root, MANIFEST), { force: true });
await build({
  absWorkingDir: root,
  entryPoints: ['src/main.ts', ...sources('src/commands'), 'src/demo/run-demo.ts'],
  outdir: 'dist',
  outbase: 'src',
  entryNames: '[dir]/[name]',
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // oclif requires typescript and ts-node only to run TypeScript commands in development: 9 MB
  // that a built CLI never loads.
  external: ['better-sqlite3', 'pg', 'pg-native', '@tracekernel/sdk', 'typescript', 'ts-node'],
  // oclif is CommonJS: its require() calls of Node's modules need a real require in an ESM bundle.
  banner: { js: "import { createRequire as __traceCreateRequire } from 'node:module'; const require = __traceCreateRequire(import.meta.url);" },
  // oclif's check of its own engines field loads semver on every start, then cannot find oclif's
  // package.json from inside the bundle and gives up: skipped, as its switch allows.
  define: { 'process.env.OCLIF_DISABLE_ENGINE_WARNING': '"1"' },
  plugins: [englishOnlyZod],
  sourcemap: 'linked',
  logLevel: 'warning',
});
// `trace <name> --json` without oclif (src/show-json-fast.ts), as one CommonJS file: bin/run.js
// compiles it through V8's code cache, which Node 20 offers for scripts but not for modules. Its
// sha256 names the cache, since V8 checks only a source's length.
const fastShow = join(root, 'dist/show-json-fast.cjs');
await build({
  absWorkingDir: root,
  entryPoints: ['src/show-json-fast.ts'],
  outfile: fastShow,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  external: ['better-sqlite3', 'pg', 'pg-native'],
  plugins: [englishOnlyZod],
  logLevel: 'warning',
});
writeFileSync(`${fastShow}.json`, `${JSON.stringify({ sha256: createHash('sha256').update(readFileSync(fastShow)).digest('hex') })}\n`);
// Without a manifest oclif imports every command module on each start to learn their flags; with
// it, a start imports only the command it runs. It is written from the bundled commands, so it
// cannot disagree with them.
const { Config } = await import('@oclif/core');
const config = await Config.load(root);
const cli = config.getPluginsList().find((plugin) => plugin.isRoot);
writeFileSync(join(root, MANIFEST), `${JSON.stringify(cli.manifest)}\n`);
const viewer = join(dirname(createRequire(import.meta.url).resolve('@tracekernel/viewer/package.json')), 'dist');
cpSync(viewer, join(root, 'dist/viewer'), { recursive: true });
process.stdout.write(`bundled ${relative(process.cwd(), join(root, 'dist'))}\n`);
