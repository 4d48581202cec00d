// Builds the viewer into dist/: index.html, viewer.js and viewer.css, self-contained (no CDN, no
// runtime dependency), so `trace serve` works offline. viewer.js is one classic script that is
// also the layout worker: the page starts `new Worker(<its own URL>)`, which keeps to one JS file.
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
await build({
  absWorkingDir: root,
  entryPoints: { viewer: 'src/main.ts' },
  outdir: 'dist',
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: ['chrome110', 'firefox110', 'safari16'],
  minify: true,
  sourcemap: 'linked',
  logLevel: 'warning',
});
await build({
  absWorkingDir: root,
  entryPoints: { viewer: 'src/viewer.css' },
  outdir: 'dist',
  bundle: true,
  minify: true,
  logLevel: 'warning',
});
copyFileSync(join(root, 'src/index.html'), join(dist, 'index.html'));
process.stdout.write('built packages/viewer/dist\n');
