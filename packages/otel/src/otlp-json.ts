import { TraceError } from '@tracekernel/schema';

/** An attribute value in OTLP/JSON (the protobuf JSON mapping of `AnyValue`). */
export interface OtlpAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string | number;
  doubleValue?: number | string;
  bytesValue?: string;
  arrayValue?: { values?: OtlpAnyValue[] };
  kvlistValue?: { values?: OtlpKeyValue[] };
}

export interface OtlpKeyValue {
  key: string;
  value?: OtlpAnyValue;
}

export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  traceState?: string;
  name: string;
  kind?: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes?: OtlpKeyValue[];
  events?: Array<{ name: string; timeUnixNano: string; attributes?: OtlpKeyValue[]; droppedAttributesCount?: number }>;
  links?: Array<{ traceId: string; spanId: string; traceState?: string; attributes?: OtlpKeyValue[]; droppedAttributesCount?: number; flags?: number }>;
  status?: { code?: number; message?: string };
  droppedAttributesCount?: number;
  droppedEventsCount?: number;
  droppedLinksCount?: number;
  flags?: number;
}

/** `ExportTraceServiceRequest` as OTLP/HTTP JSON carries it. */
export interface OtlpTraceRequest {
  resourceSpans: Array<{
    resource?: { attributes?: OtlpKeyValue[] };
    scopeSpans?: Array<{
      scope?: { name?: string; version?: string; attributes?: OtlpKeyValue[] };
      spans?: OtlpSpan[];
    }>;
  }>;
}

export const SPAN_KINDS = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'] as const;
export const STATUS_CODES = ['unset', 'ok', 'error'] as const;

const invalid = (path: string, expected: string, got: unknown) =>
  new TraceError('E_SCHEMA', `${path}: expected ${expected}, got ${JSON.stringify(got)?.slice(0, 80)}`);

/** An AnyValue as plain JSON: strings, numbers, booleans, arrays and objects; bytes as base64 text. */
export function fromAnyValue(value: unknown, path: string): unknown {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value)) throw invalid(path, 'an AnyValue object such as {"stringValue":"x"}', value);
  const any = value as Record<string, unknown>;
  if ('stringValue' in any) return String(any.stringValue);
  if ('boolValue' in any) return any.boolValue === true || any.boolValue === 'true';
  if ('intValue' in any) {
    const text = String(any.intValue);
    if (!/^-?\d+$/.test(text)) throw invalid(`${path}.intValue`, 'an integer', any.intValue);
    const number = Number(text);
    return Number.isSafeInteger(number) ? number : text;
  }
  if ('doubleValue' in any) {
    const number = Number(any.doubleValue);
    if (!Number.isFinite(number)) return String(any.doubleValue); // NaN and Infinity have no JSON number
    return number;
  }
  if ('bytesValue' in any) return String(any.bytesValue);
  if ('arrayValue' in any) {
    const values = (any.arrayValue as { values?: unknown } | null)?.values ?? [];
    if (!Array.isArray(values)) throw invalid(`${path}.arrayValue.values`, 'an array', values);
    return values.map((item, index) => fromAnyValue(item, `${path}.arrayValue.values[${index}]`));
  }
  if ('kvlistValue' in any) return fromAttributes((any.kvlistValue as { values?: unknown } | null)?.values, `${path}.kvlistValue.values`);
  return null; // an empty AnyValue is OTLP's way of saying "no value"
}

/** OTLP attributes (a list of key-value pairs) as a JSON object. */
export function fromAttributes(list: unknown, path: string): Record<string, unknown> {
  if (list === undefined || list === null) return {};
  if (!Array.isArray(list)) throw invalid(path, 'an array of {"key","value"}', list);
  const attributes: Record<string, unknown> = {};
  list.forEach((item, index) => {
    const key = (item as { key?: unknown } | null)?.key;
    if (typeof key !== 'string' || key === '') throw invalid(`${path}[${index}].key`, 'a non-empty string', key);
    if (key === '__proto__') throw invalid(`${path}[${index}].key`, 'a key other than "__proto__"', key);
    attributes[key] = fromAnyValue((item as { value?: unknown }).value, `${path}[${index}].value`);
  });
  return attributes;
}

export function toAnyValue(value: unknown): OtlpAnyValue {
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  if (typeof value === 'number') return Number.isSafeInteger(value) ? { intValue: String(value) } : { doubleValue: value };
  if (Array.isArray(value)) return { arrayValue: { values: value.map(toAnyValue) } };
  if (typeof value === 'object' && value !== null) return { kvlistValue: { values: toAttributes(value as Record<string, unknown>) } };
  return {};
}

export function toAttributes(attributes: Record<string, unknown>): OtlpKeyValue[] {
  return Object.entries(attributes).map(([key, value]) => ({ key, value: toAnyValue(value) }));
}

/**
 * A trace or span id: hex as OTLP/JSON specifies, or base64 as some older exporters send it.
 * Returns lower-case hex; undefined for an absent or empty (all-zero) id.
 */
export function readId(value: unknown, bytes: 8 | 16, path: string): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw invalid(path, `${bytes * 2} hex digits`, value);
  let hex = value.toLowerCase();
  if (!new RegExp(`^[0-9a-f]{${bytes * 2}}$`).test(hex)) {
    const decoded = /^[A-Za-z0-9+/]+={0,2}$/.test(value) ? Buffer.from(value, 'base64') : undefined;
    if (decoded?.length !== bytes) throw invalid(path, `${bytes * 2} hex digits`, value);
    hex = decoded.toString('hex');
  }
  return /^0+$/.test(hex) ? undefined : hex;
}

/**
 * A time in epoch nanoseconds as a decimal string. OTLP/JSON writes 64-bit integers as strings, and
 * the proto3 JSON mapping has readers accept numbers too: a number past 2^53 has lost its last
 * digits, which the kernel's millisecond times do not keep anyway.
 */
export function readNanos(value: unknown, path: string): string {
  const text = typeof value === 'number' && Number.isInteger(value) && value >= 0 ? BigInt(value).toString() : value;
  if (typeof text !== 'string' || !/^\d{1,20}$/.test(text)) throw invalid(path, 'epoch nanoseconds as a decimal string', value);
  return text.replace(/^0+(?=\d)/, '');
}

/** An enum in OTLP/JSON: its number, or (from lenient senders) its name such as SPAN_KIND_SERVER. */
export function readEnum<T extends string>(value: unknown, names: readonly T[], prefix: string, path: string, fallback: T): T {
  if (value === undefined || value === null) return fallback;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < names.length) return names[value]!;
  if (typeof value === 'string') {
    const name = value.toLowerCase().replace(prefix, '') as T;
    if (names.includes(name)) return name;
  }
  throw invalid(path, `one of ${names.map((name, index) => `${index} (${name})`).join(', ')}`, value);
}

export const nanosToMs = (nanos: string) => Number(BigInt(nanos) / 1_000_000n);
export const msToNanos = (ms: number) => (BigInt(ms) * 1_000_000n).toString();
