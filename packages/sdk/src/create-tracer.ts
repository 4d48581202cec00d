import { Tracer, type TracerOptions } from './tracer.js';

/**
 * Starts a tracer for one agent.
 *
 * @example
 * const tracer = createTracer({ agentId: 'zealot-1' });
 * const task = tracer.ops.createTask({ target: 'task-abc123', title: 'Build payment system' });
 * tracer.within(task, () => tracer.bridge.send({ target: 'payments', content: 'starting' }));
 * await tracer.close();
 */
export function createTracer(options: TracerOptions): Tracer {
  return new Tracer(options);
}
