import { z } from 'zod';
import type { PrimitiveDefinition } from './catalog.js';

const hex = (digits: number) => z.string().regex(new RegExp(`^[0-9a-f]{${digits}}$`), `expected ${digits} lower-case hex digits`);
const nanos = z.string().regex(/^\d{1,20}$/, 'expected epoch nanoseconds as a decimal string');
const attributes = z.record(z.string(), z.unknown());

/**
 * An OpenTelemetry span as `POST /v1/traces` stores it, under `metadata.otel` of the event it maps
 * to: every field of the span is kept, so that `trace export otlp` gives it back as it came.
 * Attribute values are plain JSON (strings, numbers, booleans, arrays, objects).
 */
export const otelSpanSchema = z.looseObject({
  trace_id: hex(32),
  span_id: hex(16),
  parent_span_id: hex(16).nullable().default(null),
  trace_state: z.string().nullable().default(null),
  name: z.string(),
  kind: z.enum(['unspecified', 'internal', 'server', 'client', 'producer', 'consumer']).default('internal'),
  start_time_unix_nano: nanos,
  end_time_unix_nano: nanos,
  duration_ms: z.number().min(0),
  status: z.looseObject({ code: z.enum(['unset', 'ok', 'error']).default('unset'), message: z.string().nullable().default(null) }),
  attributes: attributes.default({}),
  events: z.array(z.looseObject({ name: z.string(), time_unix_nano: nanos, attributes: attributes.default({}) })).default([]),
  links: z.array(z.looseObject({ trace_id: hex(32), span_id: hex(16), trace_state: z.string().nullable().default(null), attributes: attributes.default({}) })).default([]),
  resource: attributes.default({}),
  scope: z.looseObject({ name: z.string().nullable().default(null), version: z.string().nullable().default(null), attributes: attributes.default({}) }).default({ name: null, version: null, attributes: {} }),
});

export type OtelSpan = z.infer<typeof otelSpanSchema>;

/**
 * `otel`: spans from OpenTelemetry that have no kernel counterpart (a tool call, a model call, a
 * workflow step). Spans that do (an agent invoked, created, a memory written) map onto spawn and
 * memory events instead, and carry the same `otel` block. See docs/otel.md.
 */
export const otelPrimitive = {
  summary: 'OpenTelemetry spans with no kernel counterpart, kept whole; the target is the operation (gen_ai.operation.name).',
  target: 'operation',
  types: {
    span: {
      summary: 'A span: a tool call, a model call or any other operation, with its duration, status and attributes under metadata.otel.',
      description: '[{agent} ]span "{meta.name}"[ ({target})][: {meta.status}]',
      metadata: z.looseObject({ name: z.string().min(1).max(64 * 1024), status: z.string().optional(), otel: otelSpanSchema }),
    },
  },
} as const satisfies PrimitiveDefinition;
