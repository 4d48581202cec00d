import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { TraceError } from '@tracekernel/schema';

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

/**
 * JSON with object keys sorted at every level and no whitespace, so equal configs give equal
 * digests whatever order their keys were written in. Throws E_SCHEMA for values JSON cannot hold.
 */
export function canonicalJson(value: unknown): string {
  const visit = (item: unknown, path: string): string => {
    if (item === null) return 'null';
    if (typeof item === 'string' || typeof item === 'boolean') return JSON.stringify(item);
    if (typeof item === 'number') {
      if (!Number.isFinite(item)) throw new TraceError('E_SCHEMA', `config${path}: ${item} is not a JSON number`);
      return JSON.stringify(item);
    }
    if (Array.isArray(item)) return `[${item.map((entry, i) => visit(entry ?? null, `${path}[${i}]`)).join(',')}]`;
    if (typeof item === 'object') {
      const withJson = item as { toJSON?: () => unknown };
      if (typeof withJson.toJSON === 'function') return visit(withJson.toJSON(), path);
      const keys = Object.keys(item).filter((key) => (item as Record<string, unknown>)[key] !== undefined).sort();
      return `{${keys.map((key) => `${JSON.stringify(key)}:${visit((item as Record<string, unknown>)[key], `${path}.${key}`)}`).join(',')}}`;
    }
    throw new TraceError('E_SCHEMA', `config${path}: a ${typeof item} is not JSON`);
  };
  return visit(value, '');
}

/** `sha256:` of the canonical JSON of a task's config. */
export function configDigest(config: unknown): string {
  return `sha256:${sha256(canonicalJson(config))}`;
}

/** The commit checked out in the working tree at `cwd`, or null outside a repository (or without git). */
export function gitHead(cwd: string = process.cwd()): string | null {
  try {
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd, stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 })
      .toString()
      .trim();
    return /^[0-9a-f]{40,64}$/.test(head) ? head : null;
  } catch {
    return null;
  }
}

export interface InputDigestOptions {
  cwd?: string;
  /** The git HEAD to fold in; by default looked up in `cwd` (null: leave it out). */
  gitHead?: string | null;
}

/**
 * `sha256:` over the declared input files and the git HEAD of the working tree. Each file adds its
 * path (relative to cwd) and the sha256 of its contents, in path order, so the digest does not
 * depend on the order the inputs were declared in. Throws E_NOT_FOUND for an unreadable input.
 */
export function inputDigest(files: readonly string[], options: InputDigestOptions = {}): string {
  const cwd = options.cwd ?? process.cwd();
  const entries = [...new Set(files.map((file) => resolve(cwd, file)))]
    .map((path) => {
      let content: Buffer;
      try {
        content = readFileSync(path);
      } catch (error) {
        throw new TraceError('E_NOT_FOUND', `input ${relative(cwd, path) || path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
      }
      return { name: relative(cwd, path).split('\\').join('/'), digest: sha256(content) };
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const hash = createHash('sha256');
  for (const entry of entries) hash.update(`file ${entry.name}\0${entry.digest}\n`);
  const head = options.gitHead === undefined ? gitHead(cwd) : options.gitHead;
  if (head) hash.update(`git ${head}\n`);
  return `sha256:${hash.digest('hex')}`;
}

/** A short digest of a stack trace without its line and column numbers, to group equal failures. */
export function stackHash(stack: string | undefined): string | null {
  if (!stack) return null;
  const frames = stack.split('\n').slice(1).map((line) => line.trim().replace(/:\d+:\d+\)?$/, ''));
  return `sha256:${sha256(frames.join('\n')).slice(0, 16)}`;
}

/**
 * The config_digest of a config file: the canonical JSON of its contents when it is JSON, so
 * reformatting it changes nothing; otherwise `sha256:` of its bytes. Throws E_NOT_FOUND when unreadable.
 */
export function configFileDigest(path: string): string {
  let content: Buffer;
  try {
    content = readFileSync(path);
  } catch (error) {
    throw new TraceError('E_NOT_FOUND', `config ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(content.toString('utf8'));
  } catch {
    return `sha256:${sha256(content)}`;
  }
  return configDigest(parsed);
}
