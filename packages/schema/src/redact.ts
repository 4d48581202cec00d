import type { PreparedEvent } from './catalog.js';
import type { JsonObject } from './envelope.js';
import { TraceError } from './trace-error.js';

/** What a redacted metadata value is replaced with. */
export const REDACTED = '[redacted]';

/**
 * Replaces metadata values whose key is one of a set of names with {@link REDACTED}. Keys match
 * at any depth (inside nested objects and objects in arrays), because a secret such as `api_key`
 * is as secret in `{"request":{"headers":{"api_key":…}}}` as at the top. Keys match
 * case-insensitively (`api_key` also redacts `API_KEY` and `Api_Key`), and otherwise exactly:
 * `api_key` does not redact `apiKey` or `api_key_id`. A matched key's whole value is replaced,
 * whatever it holds. Pure.
 */
export class Redactor {
  readonly keys: readonly string[];
  readonly #lowerKeys: ReadonlySet<string>;

  constructor(keys: Iterable<string>) {
    const unique = new Map<string, string>();
    for (const key of keys) {
      if (typeof key !== 'string' || key.trim() === '') {
        throw new TraceError('E_SCHEMA', `redact: expected non-empty key names, got ${JSON.stringify(key)}`);
      }
      const trimmed = key.trim();
      if (!unique.has(trimmed.toLowerCase())) unique.set(trimmed.toLowerCase(), trimmed);
    }
    this.keys = [...unique.values()];
    this.#lowerKeys = new Set(unique.keys());
  }

  /** True when no key is named, so redaction can be skipped altogether. */
  get empty(): boolean {
    return this.#lowerKeys.size === 0;
  }

  matches(key: string): boolean {
    return this.#lowerKeys.has(key.toLowerCase());
  }

  /** The metadata with matching keys redacted; the same object when nothing matched. */
  redact(metadata: JsonObject): JsonObject {
    if (this.empty) return metadata;
    return this.#value(metadata) as JsonObject;
  }

  /** The prepared event with its metadata (and the encoded JSON) redacted; the same object when nothing matched. */
  redactPrepared(prepared: PreparedEvent): PreparedEvent {
    const metadata = this.redact(prepared.event.metadata);
    if (metadata === prepared.event.metadata) return prepared;
    return { event: { ...prepared.event, metadata }, metadataJson: JSON.stringify(metadata) };
  }

  #value(value: unknown): unknown {
    if (value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) {
      let copy: unknown[] | undefined;
      value.forEach((item, i) => {
        const redacted = this.#value(item);
        if (redacted !== item) (copy ??= [...value])[i] = redacted;
      });
      return copy ?? value;
    }
    let copy: Record<string, unknown> | undefined;
    for (const [key, item] of Object.entries(value)) {
      const redacted = this.matches(key) ? REDACTED : this.#value(item);
      if (redacted !== item) (copy ??= { ...value })[key] = redacted;
    }
    return copy ?? value;
  }
}

/** Parses a comma-separated list of keys (`TRACE_REDACT=api_key,password`); blanks are ignored. */
export function parseRedactList(text: string | undefined): string[] {
  if (text === undefined) return [];
  return text.split(',').map((key) => key.trim()).filter((key) => key !== '');
}
