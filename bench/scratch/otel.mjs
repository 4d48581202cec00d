import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { context, trace } from '@opentelemetry/api';
let exported = 0;
const exporter = { export(spans, cb) { exported += spans.length; cb({ code: 0 }); }, shutdown() { return Promise.resolve(); } };
const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter)] });
const tracer = provider.getTracer('bench');
const root = tracer.startSpan('root'); const ctx = trace.setSpan(context.active(), root);
const N = 300000; const t0 = performance.now();
for (let i = 0; i < N; i++) { const s = tracer.startSpan('op', { attributes: { 'agent.id': 'agent-7', 'target.id': 'task-123', n: i } }, ctx); s.end(); }
const el = performance.now() - t0;
await provider.forceFlush();
console.log('otel ns/span', (el / N * 1e6).toFixed(0), 'exported', exported, 'of', N);
