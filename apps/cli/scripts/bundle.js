// Bundles each command (and the demo) with what it imports into a few ESM files in dist/.
// Loading kysely, zod and the workspace packages as hundreds of separate modules cost most of the
// CLI's start-up; as bundles they load in a fraction of that. oclif and better-sqlite3 (native) stay
// external, and so does the SDK: its writer thread is a file it locates next to itself.
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
  entryPoints: [...sources('src/commands'), 'src/demo/run-demo.ts'],
  outdir: 'dist',
  outbase: 'src',
  entryNames: '[dir]/[name]',
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['@oclif/core', 'better-sqlite3', '@tracekernel/sdk'],
  sourcemap: 'linked',
  logLevel: 'warning',
});
process.stdout.write(`bundled ${relative(process.cwd(), join(root, 'dist'))}\n`);
