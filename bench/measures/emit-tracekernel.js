// Emit overhead on the agent's thread: tracer.emit() with a parent and 3 metadata fields, in bursts
// of 1000 calls between which the agent yields to its event loop (as an agent awaiting I/O does).
import { rmSync } from 'node:fs';
import { createTracer } from '@tracekernel/sdk';
import { SqliteTraceStore } from '@tracekernel/store';
import { args, report, round } from '../lib/child.js';

const { db: path, calls, burst = '1000', warmup = '0' } = args();
const n = Number(calls);
const BURST = Number(burst);
for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });

const tracer = createTracer({ agentId: 'agent-07', db: path });
const root = tracer.emit('spawn', 'wake', { metadata: { reason: 'benchmark' } });
const yieldToLoop = () => new Promise((resolve) => setImmediate(resolve));
let total = 0;
/** Calls in bursts of `burstSize`, yielding to the event loop between bursts; returns ns spent in the bursts. */
async function run(count, burstSize) {
  let ns = 0n;
  for (let done = 0; done < count; ) {
    const size = Math.min(burstSize, count - done);
    const started = process.hrtime.bigint();
    for (let i = 0; i < size; i++, done++) {
      tracer.emit('ops', 'claim_task', { target: 'task-00123', metadata: { attempt: 1, note: 'retry after api key fix', n: total++ } }, { parent: root });
    }
    ns += process.hrtime.bigint() - started;
    await yieldToLoop();
  }
  return ns;
}
await run(Number(warmup), BURST); // JIT warm-up; these are stored (and counted) too
const onThreadNs = await run(n, BURST);
const closeStarted = performance.now();
await tracer.close();
const closeMs = performance.now() - closeStarted;

const store = SqliteTraceStore.open({ path, mode: 'read' });
const stored = (await store.stats()).events - 1; // minus the root
await store.close();
const stats = tracer.stats();
const seconds = Number(onThreadNs) / 1e9;
report({
  calls: n,
  total,
  calls_per_s: round(n / seconds),
  ns_per_call: round(Number(onThreadNs) / n),
  stored,
  lost: total - stored,
  spooled: stats.spooled,
  close_ms: round(closeMs),
});
