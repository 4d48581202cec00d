import { createHash } from 'node:crypto';
import { EventCatalog, MAX_CAUSES, TraceError, isTraceError, type EventInput, type OtelSpan, type PreparedEvent } from '@tracekernel/schema';
import type { TraceStore } from '@tracekernel/store';
import { fromAttributes, nanosToMs, readEnum, readId, readNanos, SPAN_KINDS, STATUS_CODES } from './otlp-json.js';
import { KERNEL_ATTRIBUTE } from './kernel-attributes.js';

/** The idempotency key of an imported span: posting the same span again stores nothing new. */
export const spanKey = (traceId: string, spanId: string) => `otel:${traceId}:${spanId}`;

/**
 * The event id of an imported span, derived from its trace and span ids alone: a child names its
 * parent's event before the parent arrives, which is the usual order, since a span is exported
 * when it ends and children end first. It has the shape of a uuidv7, but its first 48 bits are
 * hash, not time: readers order by `ts`, never by id.
 */
export function spanEventId(traceId: string, spanId: string): string {
  const bytes = createHash('sha256').update(spanKey(traceId, spanId)).digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x70;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const MEMORY_WRITES = new Set(['create_memory', 'update_memory', 'add_memory', 'store_memory', 'save_memory']);
const MEMORY_DELETES = new Set(['delete_memory', 'archive_memory']);

interface DecodedSpan {
  path: string;
  span: OtelSpan;
  /** Set on spans that `trace export otlp` wrote: the kernel event they carry, restored as it was. */
  kernel: EventInput | undefined;
}

/**
 * The events of an OTLP/HTTP JSON `ExportTraceServiceRequest`, one per span, validated whole
 * (errors name the span's path in the request, e.g. `resourceSpans[0].scopeSpans[0].spans[3].spanId`).
 * A parent span or a link is resolved to an event of the same request or to one imported before;
 * see docs/otel.md for the mapping.
 */
export async function otlpToEvents(request: unknown, store: TraceStore, catalog: EventCatalog = new EventCatalog()): Promise<PreparedEvent[]> {
  const spans = decodeRequest(request);
  const idsByKey = new Map<string, string>();
  const agentsByKey = new Map<string, string | null>();
  for (const { span, kernel } of spans) idsByKey.set(spanKey(span.trace_id, span.span_id), kernel?.id ?? spanEventId(span.trace_id, span.span_id));
  const stored = await storedSpans(store, spans, idsByKey);
  const resolve = (traceId: string, spanId: string) => idsByKey.get(spanKey(traceId, spanId)) ?? stored.get(spanKey(traceId, spanId))?.id;
  // A span not received yet is still named: its event will have the derived id.
  const eventOf = (traceId: string, spanId: string) => resolve(traceId, spanId) ?? spanEventId(traceId, spanId);
  const ordered = parentsFirst(spans);
  const agentOf = (traceId: string, spanId: string | null): string | null => {
    if (spanId === null) return null;
    const key = spanKey(traceId, spanId);
    return agentsByKey.get(key) ?? stored.get(key)?.agent ?? null;
  };
  const prepared: PreparedEvent[] = [];
  for (const { path, span, kernel } of ordered) {
    const key = spanKey(span.trace_id, span.span_id);
    const input = kernel ?? mapSpan(span, {
      id: idsByKey.get(key)!,
      parent: span.parent_span_id === null ? undefined : eventOf(span.trace_id, span.parent_span_id),
      causes: span.links.slice(0, MAX_CAUSES).map((link) => eventOf(link.trace_id, link.span_id)),
      inheritedAgent: agentOf(span.trace_id, span.parent_span_id),
    });
    agentsByKey.set(key, input.agent_id ?? null);
    try {
      prepared.push(catalog.prepare(input));
    } catch (error) {
      if (isTraceError(error)) throw new TraceError(error.code, `${path}: ${error.message}`);
      throw error;
    }
  }
  return prepared;
}

/**
 * The spans in start order, each after its parent when both are in the request (a parent may
 * start in the same microsecond as its child), so that a span without an agent takes the agent
 * of the span it runs inside.
 */
function parentsFirst(spans: readonly DecodedSpan[]): DecodedSpan[] {
  const byKey = new Map(spans.map((decoded) => [spanKey(decoded.span.trace_id, decoded.span.span_id), decoded]));
  const started = [...spans].sort((a, b) => compareNanos(a.span.start_time_unix_nano, b.span.start_time_unix_nano));
  const placed = new Set<DecodedSpan>();
  const ordered: DecodedSpan[] = [];
  for (const first of started) {
    // Climb to the topmost unplaced ancestor in the request, then place the chain down from it.
    const chain = new Set<DecodedSpan>();
    let current: DecodedSpan | undefined = first;
    while (current !== undefined && !placed.has(current) && !chain.has(current)) {
      chain.add(current);
      const parent: string | null = current.span.parent_span_id;
      current = parent === null ? undefined : byKey.get(spanKey(current.span.trace_id, parent));
    }
    for (const decoded of [...chain].reverse()) {
      placed.add(decoded);
      ordered.push(decoded);
    }
  }
  return ordered;
}

function compareNanos(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

async function storedSpans(store: TraceStore, spans: readonly DecodedSpan[], inBatch: ReadonlyMap<string, string>) {
  const wanted = new Set<string>();
  for (const { span } of spans) {
    if (span.parent_span_id !== null) wanted.add(spanKey(span.trace_id, span.parent_span_id));
    for (const link of span.links) wanted.add(spanKey(link.trace_id, link.span_id));
  }
  const found = new Map<string, { id: string; agent: string | null }>();
  for (const key of wanted) {
    if (inBatch.has(key)) continue;
    const event = await store.getByIdempotencyKey(key);
    if (event) found.set(key, { id: event.id, agent: event.agent_id });
  }
  return found;
}

interface Resolved {
  id: string;
  parent: string | undefined;
  causes: string[];
  inheritedAgent: string | null;
}

/** A span from another system onto a kernel event, by the GenAI semantic conventions where they apply. */
function mapSpan(span: OtelSpan, resolved: Resolved): EventInput {
  const attributes = span.attributes;
  const text = (name: string) => (typeof attributes[name] === 'string' && attributes[name] !== '' ? (attributes[name] as string) : undefined);
  const operation = text('gen_ai.operation.name');
  const agentName = text('gen_ai.agent.name') ?? text('gen_ai.agent.id');
  const common = {
    id: resolved.id,
    ts: nanosToMs(span.start_time_unix_nano),
    session_id: text('gen_ai.conversation.id') ?? null,
    parent_event_id: resolved.parent ?? null,
    causes: resolved.causes,
    idempotency_key: spanKey(span.trace_id, span.span_id),
  };
  if (operation === 'invoke_agent' && agentName !== undefined) {
    return { ...common, primitive: 'spawn', type: 'wake', agent_id: agentName, metadata: { otel: span } };
  }
  if (operation === 'create_agent' && agentName !== undefined) {
    return { ...common, primitive: 'spawn', type: 'spawn', agent_id: resolved.inheritedAgent, target_id: agentName, metadata: { otel: span } };
  }
  const agent = agentName ?? resolved.inheritedAgent;
  const memory = text('gen_ai.memory.id') ?? null;
  if (operation !== undefined && MEMORY_WRITES.has(operation)) {
    const topic = text('gen_ai.memory.topic') ?? text('gen_ai.memory.store.name') ?? text('gen_ai.memory.store.id') ?? span.name;
    const content = text('gen_ai.memory.content');
    return { ...common, primitive: 'memory', type: 'add_entry', agent_id: agent, target_id: memory, metadata: { topic, ...(content ? { content } : {}), otel: span } };
  }
  if (operation !== undefined && MEMORY_DELETES.has(operation)) {
    return { ...common, primitive: 'memory', type: 'archive_entry', agent_id: agent, target_id: memory, metadata: { otel: span } };
  }
  const status = span.status.code === 'error' ? `error${span.status.message ? `: ${span.status.message}` : ''}` : undefined;
  return {
    ...common,
    primitive: 'otel',
    type: 'span',
    agent_id: agent,
    target_id: operation ?? null,
    metadata: { name: span.name === '' ? '(unnamed)' : span.name, ...(status ? { status } : {}), otel: span },
  };
}

function record(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TraceError('E_SCHEMA', `${path}: expected an object`);
  return value as Record<string, unknown>;
}

function list(value: unknown, path: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new TraceError('E_SCHEMA', `${path}: expected an array`);
  return value;
}

function optionalString(value: unknown, path: string): string | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string') throw new TraceError('E_SCHEMA', `${path}: expected a string`);
  return value;
}

function requiredId(value: unknown, bytes: 8 | 16, path: string): string {
  const id = readId(value, bytes, path);
  if (id === undefined) throw new TraceError('E_SCHEMA', `${path}: expected ${bytes * 2} hex digits, not all zero`);
  return id;
}

function decodeRequest(request: unknown): DecodedSpan[] {
  const body = record(request, 'body');
  if (!Array.isArray(body.resourceSpans)) throw new TraceError('E_SCHEMA', 'resourceSpans: expected an array (an OTLP ExportTraceServiceRequest)');
  const spans: DecodedSpan[] = [];
  body.resourceSpans.forEach((resourceSpans, r) => {
    const resourcePath = `resourceSpans[${r}]`;
    const resource = fromAttributes(record(record(resourceSpans, resourcePath).resource ?? {}, `${resourcePath}.resource`).attributes, `${resourcePath}.resource.attributes`);
    list((resourceSpans as Record<string, unknown>).scopeSpans, `${resourcePath}.scopeSpans`).forEach((scopeSpans, s) => {
      const scopePath = `${resourcePath}.scopeSpans[${s}]`;
      const scopeRecord = record(record(scopeSpans, scopePath).scope ?? {}, `${scopePath}.scope`);
      const scope = {
        name: optionalString(scopeRecord.name, `${scopePath}.scope.name`),
        version: optionalString(scopeRecord.version, `${scopePath}.scope.version`),
        attributes: fromAttributes(scopeRecord.attributes, `${scopePath}.scope.attributes`),
      };
      list((scopeSpans as Record<string, unknown>).spans, `${scopePath}.spans`).forEach((item, i) => {
        const path = `${scopePath}.spans[${i}]`;
        spans.push(decodeSpan(record(item, path), path, resource, scope));
      });
    });
  });
  // OTLP exporters send requests with no spans (an idle flush); they are answered, not refused.
  return spans;
}

function decodeSpan(raw: Record<string, unknown>, path: string, resource: Record<string, unknown>, scope: OtelSpan['scope']): DecodedSpan {
  const start = readNanos(raw.startTimeUnixNano, `${path}.startTimeUnixNano`);
  const end = readNanos(raw.endTimeUnixNano ?? start, `${path}.endTimeUnixNano`);
  if (compareNanos(end, start) < 0) throw new TraceError('E_SCHEMA', `${path}.endTimeUnixNano: before startTimeUnixNano`);
  if (typeof raw.name !== 'string') throw new TraceError('E_SCHEMA', `${path}.name: expected a string`);
  const status = record(raw.status ?? {}, `${path}.status`);
  const attributes = fromAttributes(raw.attributes, `${path}.attributes`);
  const span: OtelSpan = {
    trace_id: requiredId(raw.traceId, 16, `${path}.traceId`),
    span_id: requiredId(raw.spanId, 8, `${path}.spanId`),
    parent_span_id: readId(raw.parentSpanId, 8, `${path}.parentSpanId`) ?? null,
    trace_state: optionalString(raw.traceState, `${path}.traceState`),
    name: raw.name,
    kind: readEnum(raw.kind, SPAN_KINDS, 'span_kind_', `${path}.kind`, 'unspecified'),
    start_time_unix_nano: start,
    end_time_unix_nano: end,
    // To the microsecond: a time sent as a JSON number past 2^53 (senders should send strings, as
    // OTLP/JSON says) is off by up to a few hundred nanoseconds, which must not make 10 ms 9.999872 ms.
    duration_ms: Math.round(Number(BigInt(end) - BigInt(start)) / 1e3) / 1e3,
    status: {
      code: readEnum(status.code, STATUS_CODES, 'status_code_', `${path}.status.code`, 'unset'),
      message: optionalString(status.message, `${path}.status.message`),
    },
    attributes,
    events: list(raw.events, `${path}.events`).map((item, e) => {
      const event = record(item, `${path}.events[${e}]`);
      return {
        name: typeof event.name === 'string' ? event.name : '',
        time_unix_nano: readNanos(event.timeUnixNano ?? start, `${path}.events[${e}].timeUnixNano`),
        attributes: fromAttributes(event.attributes, `${path}.events[${e}].attributes`),
        ...counters(event, ['droppedAttributesCount']),
      };
    }),
    links: list(raw.links, `${path}.links`).map((item, l) => {
      const link = record(item, `${path}.links[${l}]`);
      return {
        trace_id: requiredId(link.traceId, 16, `${path}.links[${l}].traceId`),
        span_id: requiredId(link.spanId, 8, `${path}.links[${l}].spanId`),
        trace_state: optionalString(link.traceState, `${path}.links[${l}].traceState`),
        attributes: fromAttributes(link.attributes, `${path}.links[${l}].attributes`),
        ...counters(link, ['droppedAttributesCount', 'flags']),
      };
    }),
    resource,
    scope,
    ...counters(raw, ['droppedAttributesCount', 'droppedEventsCount', 'droppedLinksCount', 'flags']),
  };
  return { path, span, kernel: kernelEvent(attributes, path) };
}

/** The dropped-item counts and W3C flags that are set (OTLP leaves zero out), in snake_case. */
function counters(raw: Record<string, unknown>, names: readonly string[]): Record<string, number> {
  const kept: Record<string, number> = {};
  for (const name of names) {
    const value = raw[name];
    if (typeof value === 'number' && Number.isInteger(value) && value !== 0) kept[name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`)] = value;
  }
  return kept;
}

/** The kernel event a span of `trace export otlp` carries in its tracekernel.* attributes. */
function kernelEvent(attributes: Record<string, unknown>, path: string): EventInput | undefined {
  const id = attributes[KERNEL_ATTRIBUTE.id];
  if (id === undefined) return undefined;
  const field = (name: keyof typeof KERNEL_ATTRIBUTE) => attributes[KERNEL_ATTRIBUTE[name]];
  const nullable = (name: keyof typeof KERNEL_ATTRIBUTE) => (field(name) === undefined || field(name) === '' ? null : (field(name) as string));
  let metadata: unknown;
  try {
    metadata = JSON.parse(String(field('metadata') ?? '{}'));
  } catch {
    throw new TraceError('E_SCHEMA', `${path}.attributes.${KERNEL_ATTRIBUTE.metadata}: not valid JSON`);
  }
  const causes = field('causes') ?? [];
  if (!Array.isArray(causes)) throw new TraceError('E_SCHEMA', `${path}.attributes.${KERNEL_ATTRIBUTE.causes}: expected an array of event ids`);
  return {
    id: String(id),
    ts: field('ts') as number,
    primitive: String(field('primitive')),
    type: String(field('type')),
    agent_id: nullable('agent'),
    target_id: nullable('target'),
    session_id: nullable('session'),
    parent_event_id: nullable('parent'),
    causes: causes as string[],
    idempotency_key: nullable('idempotencyKey'),
    metadata,
    private: field('private') === true,
  };
}
