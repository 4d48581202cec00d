import { createHash } from 'node:crypto';
import { otelSpanSchema, type OtelSpan, type TraceEvent } from '@tracekernel/schema';
import { KERNEL_ATTRIBUTE } from './kernel-attributes.js';
import { msToNanos, SPAN_KINDS, STATUS_CODES, toAttributes, type OtlpSpan, type OtlpTraceRequest } from './otlp-json.js';
import { spanIntervals } from './span-intervals.js';

/** The operation names of the GenAI semantic conventions that kernel events stand for. */
const GEN_AI_OPERATION: Record<string, string> = {
  'spawn.wake': 'invoke_agent',
  'spawn.spawn': 'create_agent',
  'memory.add_entry': 'create_memory',
  'memory.archive_entry': 'delete_memory',
};

const hash = (text: string) => createHash('sha256').update(text).digest('hex');

/** The span an event was imported from, when it was. */
function importedSpan(event: TraceEvent): OtelSpan | undefined {
  const parsed = otelSpanSchema.safeParse(event.metadata.otel);
  return parsed.success ? parsed.data : undefined;
}

/** The counts and flags an imported span kept (snake_case), back in OTLP's camelCase. */
function counters(kept: Record<string, unknown>, names: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of names) {
    if (typeof kept[name] === 'number') out[name.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase())] = kept[name] as number;
  }
  return out;
}

export interface OtlpExportOptions {
  /** Written as the instrumentation scope's version. */
  version?: string;
}

/**
 * Kernel events as an OTLP/HTTP JSON `ExportTraceServiceRequest`, which Jaeger and Tempo accept.
 * A task's claim becomes a span that lasts until the task's completion, a run's start one that
 * lasts until its end; every other event is a zero-length span. A span imported from
 * OpenTelemetry is given back with its own ids, times, status, attributes, events and links.
 * Each agent is a resource with `service.name` set to the agent.
 */
export function eventsToOtlp(events: readonly TraceEvent[], options: OtlpExportOptions = {}): OtlpTraceRequest {
  const byId = new Map(events.map((event) => [event.id, event]));
  const imported = new Map(events.map((event) => [event.id, importedSpan(event)]));
  const spanId = (event: TraceEvent) => imported.get(event.id)?.span_id ?? hash(event.id).slice(0, 16);
  const traceIds = new Map<string, string>();
  const traceId = (event: TraceEvent): string => {
    const known = traceIds.get(event.id);
    if (known !== undefined) return known;
    // Walk up to the topmost ancestor in the export (iteratively: chains can be long).
    const chain: TraceEvent[] = [];
    let current: TraceEvent | undefined = event;
    let found: string | undefined;
    const seen = new Set<string>();
    while (current && found === undefined && !seen.has(current.id)) {
      seen.add(current.id);
      found = traceIds.get(current.id) ?? imported.get(current.id)?.trace_id;
      chain.push(current);
      if (found === undefined) current = current.parent_event_id === null ? undefined : byId.get(current.parent_event_id);
    }
    const id = found ?? hash(chain[chain.length - 1]!.id).slice(0, 32);
    for (const link of chain) if (!traceIds.has(link.id)) traceIds.set(link.id, imported.get(link.id)?.trace_id ?? id);
    return traceIds.get(event.id)!;
  };
  const intervals = spanIntervals(events);

  const resources = new Map<string, { attributes: Record<string, unknown>; scopes: Map<string, { scope: OtelSpan['scope']; spans: OtlpSpan[] }> }>();
  for (const event of events) {
    const span = imported.get(event.id);
    const resourceAttributes = span?.resource ?? { 'service.name': event.agent_id ?? 'tracekernel' };
    const resourceKey = JSON.stringify(resourceAttributes);
    let resource = resources.get(resourceKey);
    if (!resource) resources.set(resourceKey, (resource = { attributes: resourceAttributes, scopes: new Map() }));
    const scope = span?.scope ?? { name: 'tracekernel', version: options.version ?? null, attributes: {} };
    const scopeKey = JSON.stringify(scope);
    let scoped = resource.scopes.get(scopeKey);
    if (!scoped) resource.scopes.set(scopeKey, (scoped = { scope, spans: [] }));
    scoped.spans.push(toSpan(event, span));
  }

  function toSpan(event: TraceEvent, span: OtelSpan | undefined): OtlpSpan {
    const ownTrace = traceId(event);
    const parent = event.parent_event_id === null ? undefined : byId.get(event.parent_event_id);
    const parentSpanId = parent && traceId(parent) === ownTrace ? spanId(parent) : span?.parent_span_id ?? undefined;
    const interval = intervals.get(event.id);
    const start = span?.start_time_unix_nano ?? msToNanos(event.ts);
    const end = span?.end_time_unix_nano ?? msToNanos(interval?.end ?? event.ts);
    const attributes: Record<string, unknown> = { ...(span?.attributes ?? {}) };
    const operation = GEN_AI_OPERATION[`${event.primitive}.${event.type}`];
    if (span === undefined) {
      if (operation !== undefined) attributes['gen_ai.operation.name'] = operation;
      if (event.agent_id !== null) attributes['gen_ai.agent.name'] = event.agent_id;
      if (event.session_id !== null) attributes['gen_ai.conversation.id'] = event.session_id;
      if (event.target_id !== null) attributes[`tracekernel.${event.primitive}.target`] = event.target_id;
    }
    if (interval?.runStatus !== undefined) attributes['tracekernel.run.status'] = interval.runStatus;
    attributes[KERNEL_ATTRIBUTE.id] = event.id;
    attributes[KERNEL_ATTRIBUTE.ts] = event.ts;
    attributes[KERNEL_ATTRIBUTE.primitive] = event.primitive;
    attributes[KERNEL_ATTRIBUTE.type] = event.type;
    if (event.agent_id !== null) attributes[KERNEL_ATTRIBUTE.agent] = event.agent_id;
    if (event.target_id !== null) attributes[KERNEL_ATTRIBUTE.target] = event.target_id;
    if (event.session_id !== null) attributes[KERNEL_ATTRIBUTE.session] = event.session_id;
    if (event.parent_event_id !== null) attributes[KERNEL_ATTRIBUTE.parent] = event.parent_event_id;
    if (event.causes.length > 0) attributes[KERNEL_ATTRIBUTE.causes] = [...event.causes];
    if (event.idempotency_key !== null) attributes[KERNEL_ATTRIBUTE.idempotencyKey] = event.idempotency_key;
    if (event.private === true) attributes[KERNEL_ATTRIBUTE.private] = true;
    attributes[KERNEL_ATTRIBUTE.metadata] = JSON.stringify(event.metadata);

    const links = span
      ? span.links.map((link) => ({
          traceId: link.trace_id,
          spanId: link.span_id,
          ...(link.trace_state ? { traceState: link.trace_state } : {}),
          attributes: toAttributes(link.attributes),
          ...counters(link, ['dropped_attributes_count', 'flags']),
        }))
      : event.causes.flatMap((cause) => {
          const linked = byId.get(cause);
          return linked ? [{ traceId: traceId(linked), spanId: spanId(linked), attributes: [] }] : [];
        });
    const status = span?.status ?? interval?.status ?? { code: 'unset' as const, message: null };
    return {
      traceId: ownTrace,
      spanId: spanId(event),
      ...(parentSpanId === undefined ? {} : { parentSpanId }),
      ...(span?.trace_state ? { traceState: span.trace_state } : {}),
      name: span?.name ?? `${event.primitive}.${event.type}${event.target_id === null ? '' : ` ${event.target_id}`}`,
      kind: SPAN_KINDS.indexOf(span?.kind ?? 'internal'),
      startTimeUnixNano: start,
      endTimeUnixNano: end,
      attributes: toAttributes(attributes),
      events: (span?.events ?? []).map((item) => ({
        name: item.name,
        timeUnixNano: item.time_unix_nano,
        attributes: toAttributes(item.attributes),
        ...counters(item, ['dropped_attributes_count']),
      })),
      links,
      status: { code: STATUS_CODES.indexOf(status.code), ...(status.message ? { message: status.message } : {}) },
      ...(span ? counters(span, ['dropped_attributes_count', 'dropped_events_count', 'dropped_links_count', 'flags']) : {}),
    };
  }

  return {
    resourceSpans: [...resources.values()].map((resource) => ({
      resource: { attributes: toAttributes(resource.attributes) },
      scopeSpans: [...resource.scopes.values()].map(({ scope, spans }) => ({
        scope: { ...(scope.name ? { name: scope.name } : {}), ...(scope.version ? { version: scope.version } : {}), attributes: toAttributes(scope.attributes) },
        spans,
      })),
    })),
  };
}
