// The same loop with OpenTelemetry: BasicTracerProvider + BatchSpanProcessor (default settings)
// and an exporter that only counts. Each span has a parent and 3 attributes.
import { context, trace } from '@opentelemetry/api';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { args, report, round } from '../lib/child.js';

const { calls, burst = '1000', warmup = '0' } = args();
const n = Number(calls);
const BURST = Number(burst);
let exported = 0;
const exporter = {
  export(spans, done) {
    exported += spans.length;
    done({ code: 0 });
  },
  shutdown: () => Promise.resolve(),
};
const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter)] });
const tracer = provider.getTracer('bench');
const root = tracer.startSpan('wake');
const parent = trace.setSpan(context.active(), root);
const yieldToLoop = () => new Promise((resolve) => setImmediate(resolve));
let total = 0;
/** Calls in bursts of `burstSize`, yielding to the event loop between bursts; returns ns spent in the bursts. */
async function run(count, burstSize) {
  let ns = 0n;
  for (let done = 0; done < count; ) {
    const size = Math.min(burstSize, count - done);
    const started = process.hrtime.bigint();
    for (let i = 0; i < size; i++, done++) {
      const span = tracer.startSpan('ops.claim_task', { attributes: { 'target.id': 'task-00123', attempt: 1, n: total++ } }, parent);
      span.end();
    }
    ns += process.hrtime.bigint() - started;
    await yieldToLoop();
  }
  return ns;
}
await run(Number(warmup), BURST); // JIT warm-up; these are stored (and counted) too
const onThreadNs = await run(n, BURST);
const closeStarted = performance.now();
await provider.forceFlush();
const closeMs = performance.now() - closeStarted;
await provider.shutdown();
const seconds = Number(onThreadNs) / 1e9;
report({
  calls: n,
  total,
  calls_per_s: round(n / seconds),
  ns_per_call: round(Number(onThreadNs) / n),
  exported,
  lost: total - exported,
  close_ms: round(closeMs),
});
