import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { TraceError, parseRedactList } from '@tracekernel/schema';

export const CONFIG_FILE = 'config.json';

/** `.trace/config.json`: settings shared by everything that records into or reads a checkout's store. */
export interface TraceConfig {
  /** Where the store is, e.g. `postgres://host/db`; a file path otherwise. */
  store?: string;
  /** Metadata keys replaced with "[redacted]" before an event leaves the emitting process. */
  redact?: string[];
}

/**
 * Reads `config.json` in a `.trace` directory; `{}` when there is none. A file that is not a JSON
 * object, or whose fields have the wrong types, is an error naming the file and the field: a
 * redaction list that cannot be read must not silently record the secrets it names.
 */
export function readTraceConfig(traceDir: string): TraceConfig {
  const path = join(traceDir, CONFIG_FILE);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return {};
    throw new TraceError('E_SCHEMA', `${path}: could not read (${(error as Error).message})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new TraceError('E_SCHEMA', `${path}: not valid JSON (${(error as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new TraceError('E_SCHEMA', `${path}: expected a JSON object, e.g. {"redact": ["api_key"]}`);
  }
  const { store, redact } = parsed as Record<string, unknown>;
  const config: TraceConfig = {};
  if (store !== undefined) {
    if (typeof store !== 'string' || store === '') throw new TraceError('E_SCHEMA', `${path}: store: expected a non-empty string`);
    config.store = store;
  }
  if (redact !== undefined) {
    if (!Array.isArray(redact) || !redact.every((key) => typeof key === 'string' && key.trim() !== '')) {
      throw new TraceError('E_SCHEMA', `${path}: redact: expected an array of metadata key names, e.g. ["api_key", "password"]`);
    }
    config.redact = redact as string[];
  }
  return config;
}

/** The config that applies to a store file: the `config.json` in the same `.trace` directory. */
export function readStoreConfig(storePath: string): TraceConfig {
  return readTraceConfig(dirname(storePath));
}

export interface RedactKeysOptions {
  /** Keys the caller names itself (`createTracer({ redact })`). */
  redact?: readonly string[] | undefined;
  /** Where TRACE_REDACT is read from; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** The store file whose `.trace/config.json` is read. */
  storePath: string;
}

/**
 * Every metadata key to redact: the caller's, TRACE_REDACT's (comma-separated) and the config's.
 * The sources add up, so no one of them can switch off a redaction another asks for.
 */
export function redactKeys(options: RedactKeysOptions): string[] {
  const env = options.env ?? process.env;
  return [...(options.redact ?? []), ...parseRedactList(env.TRACE_REDACT), ...(readStoreConfig(options.storePath).redact ?? [])];
}
