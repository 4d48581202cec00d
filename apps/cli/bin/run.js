#!/usr/bin/env node
import { mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import module from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

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

// `trace <name> --json`, without oclif when it can (src/show-json-fast.ts says when).
if (!(argv[0] === DEFAULT_COMMAND && first !== DEFAULT_COMMAND && (await showJsonFast(argv.slice(1))))) {
  const { main } = await import('../dist/main.js');
  await main(argv, import.meta.url);
}

/**
 * Runs dist/show-json-fast.cjs, one CommonJS bundle, through V8's code cache: on Node 20, which
 * has no compile cache for modules, compiling the megabyte of JavaScript it needs was a quarter of
 * the command's time. The cache lives in the user's cache directory (XDG_CACHE_HOME, else
 * ~/.cache), under tracekernel/, named by the bundle's sha256 (V8 itself checks only the source's
 * length) and the node version; it is written once, after a run, so that it holds the functions
 * that run compiled too. Any trouble with the cache only costs the compile; any trouble with the
 * bundle answers false, and oclif runs the command.
 */
async function showJsonFast(args) {
  let exports;
  let cache = null;
  try {
    const { createRequire } = module;
    const { readFileSync } = await import('node:fs');
    const vm = await import('node:vm');
    const file = fileURLToPath(new URL('../dist/show-json-fast.cjs', import.meta.url));
    const { sha256 } = JSON.parse(readFileSync(`${file}.json`, 'utf8'));
    const source = readFileSync(file, 'utf8');
    cache = codeCachePath(sha256);
    let cachedData;
    try {
      if (cache !== null) cachedData = readFileSync(cache);
    } catch {
      // Not cached yet.
    }
    const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: file, cachedData });
    if (cachedData !== undefined && !script.cachedDataRejected) cache = null;
    const loaded = { exports: {} };
    script.runInThisContext()(loaded.exports, createRequire(file), loaded, file, dirname(file));
    exports = loaded.exports;
    if (!(await exports.showJsonFast(args))) return false;
    if (cache !== null) writeCodeCache(cache, script.createCachedData());
    return true;
  } catch {
    return false;
  }
}

function codeCachePath(sha256) {
  const base = process.env.XDG_CACHE_HOME || (homedir() ? join(homedir(), '.cache') : '');
  if (!base || !/^[0-9a-f]{64}$/.test(sha256)) return null;
  return join(base, 'tracekernel', `show-json-fast-${sha256.slice(0, 16)}-${process.version}-${process.arch}.v8`);
}

function writeCodeCache(path, data) {
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    // Another `trace` may write the same file at the same time: each writes its own, then renames.
    const temporary = `${path}.${process.pid}.tmp`;
    writeFileSync(temporary, data, { mode: 0o600 });
    renameSync(temporary, path);
  } catch {
    // A read-only or full disk: the next run compiles again.
  }
}
