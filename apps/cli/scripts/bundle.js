// Bundles each command (and the demo) with what it imports into a few ESM files in dist/.
// Loading kysely, zod and the workspace packages as hundreds of separate modules cost most of the
// CLI's start-up; as bundles they load in a fraction of that. oclif is bundled too (src/main.ts):
// it is CommonJS spread over a hundred files. better-sqlite3 (native) stays external, and so does
// the SDK: its writer thread is a file it locates next to itself. The server, otel and import packages
// are bundled too, into chunks that only `trace serve`, `trace export`, `trace import`, `trace infer`
// and `--space` load.
import { readdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const sources = (dir) =>
  readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );

rmSync(join(root, 'dist'), { recursive: true, force: true });
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
  sourcemap: 'linked',
  logLevel: 'warning',
});
process.stdout.write(`bundled ${relative(process.cwd(), join(root, 'dist'))}\n`);
