import { afterEach, describe, expect, it } from 'vitest';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, InMemorySpanExporter, SimpleSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { eventsToOtlp } from '@tracekernel/otel';
import { causality } from '@tracekernel/projector';
import { servers, type Served } from './server-fixture.js';

const serve = servers('sqlite');
let served: Served;
afterEach(() => served?.close());

describe('POST /v1/traces from the OpenTelemetry SDK', () => {
  // Batched, the spans arrive in one request; one by one, each child arrives before its parent.
  const processors: Array<[string, (exporter: OTLPTraceExporter) => SpanProcessor]> = [
    ['batched', (exporter) => new BatchSpanProcessor(exporter)],
    ['one span per request', (exporter) => new SimpleSpanProcessor(exporter)],
  ];
  it.each(processors)('takes what the official OTLP/HTTP JSON exporter sends (%s): parents, links, status and events', async (mode, processor) => {
    served = await serve();
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'agents' }),
      spanProcessors: [processor(new OTLPTraceExporter({ url: `${served.server.url}v1/traces` }))],
    });
    const tracer = provider.getTracer('agent-framework', '1.2.3');
    const agent = tracer.startSpan('invoke_agent planner', { attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'planner', 'gen_ai.conversation.id': 'conv-9' } });
    const inside = trace.setSpan(context.active(), agent);
    const model = tracer.startSpan('chat gpt-5', { kind: SpanKind.CLIENT, attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.usage.output_tokens': 321 } }, inside);
    model.end();
    const tool = tracer.startSpan('execute_tool search', {
      attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'search' },
      links: [{ context: model.spanContext() }],
    }, inside);
    tool.addEvent('retry', { attempt: 2 });
    tool.setStatus({ code: SpanStatusCode.ERROR, message: 'timeout' });
    tool.end();
    agent.end();
    await provider.forceFlush();
    await provider.shutdown();

    const events = await served.store.query({});
    expect(events).toHaveLength(3);
    const byName = new Map(events.map((event) => [(event.metadata.otel as { name: string }).name, event]));
    const root = byName.get('invoke_agent planner')!;
    const chat = byName.get('chat gpt-5')!;
    const search = byName.get('execute_tool search')!;
    expect(root).toMatchObject({ primitive: 'spawn', type: 'wake', agent_id: 'planner', session_id: 'conv-9' });
    // A span without an agent takes its parent's, when the parent came first or with it.
    expect(chat).toMatchObject({ primitive: 'otel', type: 'span', agent_id: mode === 'batched' ? 'planner' : null, parent_event_id: root.id });
    expect(search).toMatchObject({ parent_event_id: root.id, causes: [chat.id], metadata: { status: 'error: timeout' } });
    expect(chat.metadata.otel).toMatchObject({
      trace_id: agent.spanContext().traceId, span_id: model.spanContext().spanId, kind: 'client',
      attributes: { 'gen_ai.usage.output_tokens': 321 }, resource: { 'service.name': 'agents' }, scope: { name: 'agent-framework', version: '1.2.3' },
    });
    expect(search.metadata.otel).toMatchObject({ status: { code: 'error', message: 'timeout' }, events: [{ name: 'retry', attributes: { attempt: 2 } }] });
    const tree = await causality(served.store, root.id);
    expect(tree.root.children.map((node) => node.event.id).sort()).toEqual([chat.id, search.id].sort());
  });

  it('exports imported spans as the official serializer wrote them', async () => {
    served = await serve();
    const memory = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ resource: resourceFromAttributes({ 'service.name': 'agents' }), spanProcessors: [new SimpleSpanProcessor(memory)] });
    const tracer = provider.getTracer('agent-framework', '1.2.3');
    const agent = tracer.startSpan('invoke_agent planner', { attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'planner', retries: 2, ratio: 0.5, tags: ['a', 'b'] } });
    const tool = tracer.startSpan('execute_tool search', { kind: SpanKind.CLIENT, links: [{ context: agent.spanContext(), attributes: { why: 'x' } }] }, trace.setSpan(context.active(), agent));
    tool.addEvent('retry', { attempt: 2 });
    tool.setStatus({ code: SpanStatusCode.ERROR, message: 'timeout' });
    tool.end();
    agent.end();
    const official = JSON.parse(new TextDecoder().decode(JsonTraceSerializer.serializeRequest(memory.getFinishedSpans())));
    await served.json('/v1/traces', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(official) });
    const exported = eventsToOtlp(await served.store.query({}));

    // Protobuf JSON writes an int64 as a number or a string, and leaves a zero count out: compare past that.
    const normal = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(normal);
      if (typeof value !== 'object' || value === null) return value;
      const entries = Object.entries(value)
        .filter(([key, item]) => !(key.startsWith('dropped') && item === 0))
        .filter(([key, item]) => !(key === 'attributes' && Array.isArray(item) && item.length === 0))
        .map(([key, item]) => [key, key === 'intValue' ? String(item) : normal(item)]);
      return Object.fromEntries(entries);
    };
    const spans = (request: any) => request.resourceSpans.flatMap((r: any) => r.scopeSpans.flatMap((s: any) => s.spans.map((span: any) => ({
      ...span,
      resource: normal(r.resource.attributes),
      scope: { name: s.scope.name, version: s.scope.version },
      attributes: span.attributes.filter((attribute: { key: string }) => !attribute.key.startsWith('tracekernel.')),
    }))));
    const ours = new Map(spans(exported).map((span: any) => [span.spanId, normal(span)]));
    for (const span of spans(official)) expect(ours.get(span.spanId)).toEqual(normal(span));
  });
});
