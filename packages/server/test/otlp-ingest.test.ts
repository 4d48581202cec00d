import { afterEach, describe, expect, it } from 'vitest';
import { eventsToOtlp, KERNEL_ATTRIBUTE, spanEventId, type OtlpSpan, type OtlpTraceRequest } from '@tracekernel/otel';
import { causality, causalityJson, timeline, timelineJson } from '@tracekernel/projector';
import { postStory, servers, type Served } from './server-fixture.js';

const serve = servers('sqlite');
const open: Served[] = [];
afterEach(async () => {
  for (const served of open.splice(0)) await served.close();
});
async function server() {
  const served = await serve();
  open.push(served);
  return served;
}

const postTraces = (served: Served, body: unknown, status = 200) =>
  served.json('/v1/traces', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), status });

const TRACE = '5b8efff798038103d269b633813fc60c';
const OTHER_TRACE = '0af7651916cd43dd8448eb211c80319c';
const ns = (ms: number) => String(BigInt(Date.UTC(2025, 9, 22, 14, 0, 0) + ms) * 1_000_000n + 123n);
const str = (key: string, value: string) => ({ key, value: { stringValue: value } });

/** What an agent framework instrumented with the GenAI conventions sends. */
function genAiRequest(): OtlpTraceRequest {
  const spans: OtlpSpan[] = [
    { traceId: TRACE, spanId: 'a000000000000001', name: 'invoke_agent planner', kind: 1, startTimeUnixNano: ns(0), endTimeUnixNano: ns(9000),
      attributes: [str('gen_ai.operation.name', 'invoke_agent'), str('gen_ai.agent.name', 'planner'), str('gen_ai.conversation.id', 'conv-1'), { key: 'app.retries', value: { intValue: '2' } }],
      status: { code: 1 } },
    { traceId: TRACE, spanId: 'a000000000000002', parentSpanId: 'a000000000000001', name: 'chat gpt-5', kind: 3, startTimeUnixNano: ns(100), endTimeUnixNano: ns(2100),
      attributes: [str('gen_ai.operation.name', 'chat'), str('gen_ai.request.model', 'gpt-5'), { key: 'gen_ai.usage.input_tokens', value: { intValue: 1200 } }, { key: 'gen_ai.request.temperature', value: { doubleValue: 0.2 } }],
      events: [{ name: 'gen_ai.choice', timeUnixNano: ns(2000), attributes: [str('finish_reason', 'stop')] }] },
    { traceId: TRACE, spanId: 'a000000000000003', parentSpanId: 'a000000000000001', name: 'execute_tool search', startTimeUnixNano: ns(2200), endTimeUnixNano: ns(2700),
      attributes: [str('gen_ai.operation.name', 'execute_tool'), str('gen_ai.tool.name', 'search'), { key: 'tags', value: { arrayValue: { values: [{ stringValue: 'a' }, { boolValue: true }] } } }],
      status: { code: 2, message: 'rate limited' },
      links: [{ traceId: OTHER_TRACE, spanId: 'b000000000000001', attributes: [str('why', 'retry of')] }] },
    { traceId: TRACE, spanId: 'a000000000000004', parentSpanId: 'a000000000000001', name: 'create_agent coder', startTimeUnixNano: ns(3000), endTimeUnixNano: ns(3100),
      attributes: [str('gen_ai.operation.name', 'create_agent'), str('gen_ai.agent.name', 'coder')],
      links: [{ traceId: TRACE, spanId: 'a000000000000003' }] },
    { traceId: TRACE, spanId: 'a000000000000005', parentSpanId: 'a000000000000001', name: 'remember', startTimeUnixNano: ns(4000), endTimeUnixNano: ns(4000),
      attributes: [str('gen_ai.operation.name', 'create_memory'), str('gen_ai.memory.id', 'mem-1'), str('gen_ai.memory.content', 'search is rate limited')] },
    { traceId: TRACE, spanId: 'a000000000000006', parentSpanId: 'a000000000000001', name: 'GET /weather', kind: 'SPAN_KIND_CLIENT' as unknown as number, startTimeUnixNano: ns(0), endTimeUnixNano: ns(5500),
      attributes: [str('http.request.method', 'GET')] },
  ];
  return {
    resourceSpans: [{
      resource: { attributes: [str('service.name', 'agents'), str('telemetry.sdk.language', 'python')] },
      scopeSpans: [{ scope: { name: 'opentelemetry.instrumentation.openai', version: '0.40.0' }, spans: spans.slice(3) },
        { scope: { name: 'agent-framework' }, spans: spans.slice(0, 3) }],
    }],
  };
}

describe('POST /v1/traces', () => {
  it('maps GenAI spans onto kernel events, keeping every field, and gives them back unchanged on export', async () => {
    const served = await server();
    const request = genAiRequest();
    const answer = await postTraces(served, request);
    expect(answer).toMatchObject({ partialSuccess: {}, inserted: 6, duplicates: 0 });
    const events = (await timeline(served.store, {})).entries.map((entry) => entry.event);
    const bySpan = new Map(events.map((event) => [(event.metadata.otel as { span_id: string }).span_id, event]));
    const invoke = bySpan.get('a000000000000001')!;
    const chat = bySpan.get('a000000000000002')!;
    const tool = bySpan.get('a000000000000003')!;
    const create = bySpan.get('a000000000000004')!;
    const memory = bySpan.get('a000000000000005')!;
    const http = bySpan.get('a000000000000006')!;

    expect(invoke).toMatchObject({ primitive: 'spawn', type: 'wake', agent_id: 'planner', session_id: 'conv-1', parent_event_id: null, ts: Date.UTC(2025, 9, 22, 14, 0, 0) });
    expect(chat).toMatchObject({ primitive: 'otel', type: 'span', agent_id: 'planner', target_id: 'chat', parent_event_id: invoke.id });
    // A link to a span not received is a cause all the same, by the id that span's event will have.
    expect(tool).toMatchObject({ primitive: 'otel', type: 'span', agent_id: 'planner', target_id: 'execute_tool', parent_event_id: invoke.id, causes: [spanEventId(OTHER_TRACE, 'b000000000000001')] });
    expect(tool.metadata.status).toBe('error: rate limited');
    expect(create).toMatchObject({ primitive: 'spawn', type: 'spawn', agent_id: 'planner', target_id: 'coder', causes: [tool.id] });
    expect(memory).toMatchObject({ primitive: 'memory', type: 'add_entry', target_id: 'mem-1', metadata: { content: 'search is rate limited' } });
    // It starts in the same nanosecond as its parent and comes before it in the request: it still takes the parent's agent.
    expect(http).toMatchObject({ primitive: 'otel', type: 'span', agent_id: 'planner', target_id: null, metadata: { name: 'GET /weather' } });
    expect(chat.metadata.otel).toMatchObject({
      trace_id: TRACE, parent_span_id: 'a000000000000001', kind: 'client', duration_ms: 2000,
      start_time_unix_nano: ns(100), end_time_unix_nano: ns(2100), status: { code: 'unset', message: null },
      attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-5', 'gen_ai.usage.input_tokens': 1200, 'gen_ai.request.temperature': 0.2 },
      events: [{ name: 'gen_ai.choice', time_unix_nano: ns(2000), attributes: { finish_reason: 'stop' } }],
      resource: { 'service.name': 'agents', 'telemetry.sdk.language': 'python' },
      scope: { name: 'agent-framework', version: null },
    });
    expect(tool.metadata.otel).toMatchObject({ status: { code: 'error', message: 'rate limited' }, links: [{ trace_id: OTHER_TRACE, span_id: 'b000000000000001', attributes: { why: 'retry of' } }] });
    expect(http.metadata.otel).toMatchObject({ kind: 'client' });

    expect(await postTraces(served, request)).toMatchObject({ inserted: 0, duplicates: 6, ids: answer.ids });

    // Out again: every span as it came, plus the tracekernel.event.* attributes.
    const exported = eventsToOtlp(events);
    const original = new Map(request.resourceSpans.flatMap((r) => r.scopeSpans!.flatMap((s) => s.spans!)).map((span) => [span.spanId, span]));
    const spans = exported.resourceSpans.flatMap((r) => r.scopeSpans!.flatMap((s) => s.spans!));
    expect(spans).toHaveLength(6);
    for (const span of spans) {
      const source = original.get(span.spanId)!;
      expect(span).toMatchObject({ traceId: source.traceId, name: source.name, startTimeUnixNano: source.startTimeUnixNano, endTimeUnixNano: source.endTimeUnixNano });
      expect(span.parentSpanId).toBe(source.parentSpanId);
      expect(span.status?.code ?? 0).toBe(source.status?.code ?? 0);
      const foreign = span.attributes!.filter((attribute) => !attribute.key.startsWith('tracekernel.'));
      expect(foreign.map((attribute) => attribute.key)).toEqual(source.attributes!.map((attribute) => attribute.key));
      expect(span.events?.length ?? 0).toBe(source.events?.length ?? 0);
      expect(span.links?.map((link) => link.spanId)).toEqual(source.links?.map((link) => link.spanId) ?? []);
    }
    const resource = exported.resourceSpans[0]!.resource!.attributes!;
    expect(resource).toContainEqual(str('service.name', 'agents'));
  });

  it('links a child to its parent whichever arrives first', async () => {
    const served = await server();
    const lateChild = { traceId: TRACE, spanId: 'd000000000000002', parentSpanId: 'd000000000000001', name: 'child', startTimeUnixNano: ns(10), endTimeUnixNano: ns(20) };
    const lateParent = { traceId: TRACE, spanId: 'd000000000000001', name: 'parent', startTimeUnixNano: ns(0), endTimeUnixNano: ns(30) };
    const [child] = (await postTraces(served, { resourceSpans: [{ scopeSpans: [{ spans: [lateChild] }] }] })).ids;
    const before = await causality(served.store, child);
    expect(before.root.missingParent).toBe(spanEventId(TRACE, 'd000000000000001'));
    const [parent] = (await postTraces(served, { resourceSpans: [{ scopeSpans: [{ spans: [lateParent] }] }] })).ids;
    const after = await causality(served.store, child);
    expect(after.root.event.id).toBe(parent);
    expect(after.root.children.map((node) => node.event.id)).toEqual([child]);
  });

  it('resolves a parent span posted in an earlier request', async () => {
    const served = await server();
    const [root] = (await postTraces(served, { resourceSpans: [{ scopeSpans: [{ spans: [genAiRequest().resourceSpans[0]!.scopeSpans![1]!.spans![0]] }] }] })).ids;
    const child = { traceId: TRACE, spanId: 'c000000000000001', parentSpanId: 'a000000000000001', name: 'later', startTimeUnixNano: ns(6000), endTimeUnixNano: ns(6001) };
    const [id] = (await postTraces(served, { resourceSpans: [{ scopeSpans: [{ spans: [child] }] }] })).ids;
    const [event] = await served.store.get([id]);
    expect(event).toMatchObject({ parent_event_id: root, agent_id: 'planner', primitive: 'otel' });
  });

  it('exports the kernel as OTLP and imports it back into the same causality tree', async () => {
    const source = await server();
    const story = await postStory(source);
    const events = (await timeline(source.store, {})).entries.map((entry) => entry.event);
    const otlp = eventsToOtlp(events);
    const spans = otlp.resourceSpans.flatMap((r) => r.scopeSpans!.flatMap((s) => s.spans!));
    const claim = spans.find((span) => span.attributes!.some((a) => a.key === KERNEL_ATTRIBUTE.id && a.value?.stringValue === story.claim2))!;
    expect(BigInt(claim.endTimeUnixNano) - BigInt(claim.startTimeUnixNano)).toBe(3n * 60_000n * 1_000_000n); // claim → complete
    const run = spans.find((span) => span.attributes!.some((a) => a.key === KERNEL_ATTRIBUTE.id && a.value?.stringValue === story.runStart))!;
    expect(run.status).toEqual({ code: 2, message: 'disk full' });
    expect(run.name).toBe('run.start nightly-backup');
    const services = otlp.resourceSpans.map((r) => r.resource!.attributes!.find((a) => a.key === 'service.name')!.value!.stringValue).sort();
    expect(services).toEqual(['cron', 'haiku-1', 'zealot-1']);

    const target = await server();
    const answer = await postTraces(target, JSON.parse(JSON.stringify(otlp)));
    expect(answer.inserted).toBe(events.length);
    for (const focus of ['task-pay', story.claim2, story.runEnd]) {
      expect(causalityJson(await causality(target.store, focus))).toEqual(causalityJson(await causality(source.store, focus)));
    }
    expect(timelineJson(await timeline(target.store, {}))).toEqual(timelineJson(await timeline(source.store, {})));
    expect((await target.json('/v1/runs/backup-1')).run).toEqual((await source.json('/v1/runs/backup-1')).run);
  });

  it('gives a span timed by JSON numbers (not exact past 2^53) its duration to the microsecond', async () => {
    const served = await server();
    const start = Number(ns(0));
    const body = `{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"${TRACE}","spanId":"c000000000000001","name":"numeric","startTimeUnixNano":${start},"endTimeUnixNano":${start + 10_000_000}}]}]}]}`;
    const answer = await served.json('/v1/traces', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const [event] = await served.store.get(answer.ids);
    expect(event!.metadata.otel).toMatchObject({ duration_ms: 10 });
  });

  it('answers an empty export (exporters send them) with zero counts, and writes nothing', async () => {
    const served = await server();
    for (const body of [{ resourceSpans: [] }, { resourceSpans: [{ scopeSpans: [] }] }, { resourceSpans: [{ scopeSpans: [{ spans: [] }] }] }]) {
      expect(await postTraces(served, body)).toEqual({ partialSuccess: {}, ids: [], inserted: 0, duplicates: 0 });
    }
    expect(await served.store.query({})).toEqual([]);
  });

  it('refuses a bad request whole, naming the span and field, and writes nothing', async () => {
    const served = await server();
    const good = genAiRequest();
    const spanPath = (mutate: (span: Record<string, unknown>) => void) => {
      const request = JSON.parse(JSON.stringify(good));
      mutate(request.resourceSpans[0].scopeSpans[1].spans[2]);
      return request;
    };
    const cases: Array<[unknown, RegExp]> = [
      [{}, /^resourceSpans: expected an array/],
      [{ resourceSpans: [{ scopeSpans: 'x' }] }, /^resourceSpans\[0\]\.scopeSpans: expected an array/],
      [spanPath((span) => (span.spanId = 'xyz')), /^resourceSpans\[0\]\.scopeSpans\[1\]\.spans\[2\]\.spanId: expected 16 hex digits/],
      [spanPath((span) => (span.traceId = '00000000000000000000000000000000')), /spans\[2\]\.traceId: expected 32 hex digits, not all zero/],
      [spanPath((span) => (span.endTimeUnixNano = '5')), /spans\[2\]\.endTimeUnixNano: before startTimeUnixNano/],
      [spanPath((span) => (span.startTimeUnixNano = 'soon')), /spans\[2\]\.startTimeUnixNano: expected epoch nanoseconds/],
      [spanPath((span) => (span.kind = 99)), /spans\[2\]\.kind: expected one of/],
      [spanPath((span) => (span.attributes = [{ key: '', value: {} }])), /spans\[2\]\.attributes\[0\]\.key: expected a non-empty string/],
    ];
    for (const [body, message] of cases) {
      const answer = await postTraces(served, body, 400);
      expect(answer.error.code).toBe('E_SCHEMA');
      expect(answer.error.message).toMatch(message);
    }
    const protobuf = await served.request('/v1/traces', { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: new Uint8Array([1, 2, 3]) });
    expect(protobuf.status).toBe(415);
    expect((await protobuf.json()).error.message).toMatch(/OTEL_EXPORTER_OTLP_PROTOCOL=http\/json/);
    const badJson = await served.request('/v1/traces', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"resourceSpans":' });
    expect(badJson.status).toBe(400);
    expect((await badJson.json()).error.code).toBe('E_BAD_JSON');
    expect((await served.store.stats()).events).toBe(0);
  });
});
