#!/usr/bin/env node
import { readdirSync } from 'node:fs';
import module from 'node:module';

// Node 22.1+ keeps V8's compiled code of the bundle on disk (NODE_COMPILE_CACHE, else the OS temp
// dir), so that each start does not compile 2 MB of JavaScript again. Node 20 has no such cache.
module.enableCompileCache?.();

/**
 * oclif has no default command (since core 3.21), so `trace <id>` and flag-only invocations such
 * as `trace --agent zealot-1` are rewritten to the hidden `show` command. A first word that names a
 * command file (or topic directory) in dist/commands is left alone, as are --help and --version.
 */
const DEFAULT_COMMAND = 'show';
const UNTOUCHED = new Set(['--help', '--version']);

function commandIds() {
  try {
    const dir = new URL('../dist/commands/', import.meta.url);
    return new Set(readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() || entry.name.endsWith('.js'))
      .map((entry) => entry.name.replace(/\.js$/, '')));
  } catch {
    return new Set();
  }
}

let argv = process.argv.slice(2);
// `-h` anywhere (before a `--` that starts a command's own arguments) and `-v` at the root, as git
// and gh take them; oclif knows only --help and --version.
const end = argv.includes('--') ? argv.indexOf('--') : argv.length;
argv = argv.map((arg, i) => (i < end && arg === '-h' ? '--help' : arg));
if (argv[0] === '-v') argv[0] = '--version';
const first = argv[0];
if (first === 'help') {
  // No help plugin: `trace help [command]` is `trace [command] --help`.
  argv = [...argv.slice(1), '--help'];
} else if (first !== undefined && !UNTOUCHED.has(first) && (first.startsWith('-') || !commandIds().has(first))) {
  argv.unshift(DEFAULT_COMMAND);
}

const { main } = await import('../dist/main.js');
await main(argv, import.meta.url);
