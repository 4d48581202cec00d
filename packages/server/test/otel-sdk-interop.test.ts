import { afterEach, describe, expect, it } from 'vitest';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, SimpleSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
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
});
