import { getJson } from './api-client.js';
import type { RunRecordJson } from './contract.js';
import { h, routeLink } from './dom.js';
import { VirtualList } from './virtual-list.js';

const duration = (ms: number | null): string => (ms === null ? '—' : ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`);

/** The runs list: newest first, virtualised; Enter or a click opens a run. */
export async function renderRunsList(container: HTMLElement, open: (span: string) => void): Promise<RunRecordJson[]> {
  const { runs } = await getJson<{ runs: RunRecordJson[] }>('/v1/runs', { limit: 10_000 });
  const list = new VirtualList(26, (index, element) => {
    const run = runs[index]!;
    element.dataset.spanId = run.span_id;
    element.replaceChildren(
      h('span', { class: `status status-${run.status}` }, run.status),
      h('span', { class: 'run-task' }, run.task_name ?? run.task_id),
      h('span', { class: 'muted' }, `attempt ${run.attempt}`),
      h('span', { class: 'muted' }, run.started_at ?? ''),
      h('span', { class: 'muted' }, duration(run.duration_ms)),
    );
  }, (index) => open(runs[index]!.span_id), 'Runs');
  container.replaceChildren(h('h2', {}, `Runs (${runs.length})`), runs.length === 0 ? h('p', { class: 'muted' }, 'No runs recorded (trace run, tracer.run, trace runs backfill).') : list.element);
  list.setCount(runs.length);
  list.element.focus();
  return runs;
}

/** A run: its attempt chain (first attempt first), digests, error and provenance. */
export async function renderRunPage(container: HTMLElement, ref: string): Promise<{ run: RunRecordJson; attempts: RunRecordJson[] }> {
  const detail = await getJson<{ run: RunRecordJson; attempts: RunRecordJson[] }>(`/v1/runs/${encodeURIComponent(ref)}`);
  const { run, attempts } = detail;
  const chain = h('ol', { class: 'attempts', 'aria-label': 'Attempt chain' });
  for (const attempt of attempts) {
    const item = h('li', { class: attempt.span_id === run.span_id ? 'attempt current' : 'attempt', 'data-span-id': attempt.span_id },
      h('a', { href: `#/run/${encodeURIComponent(attempt.span_id)}` }, `attempt ${attempt.attempt}`),
      h('span', { class: `status status-${attempt.status}` }, attempt.status),
      h('span', { class: 'muted' }, duration(attempt.duration_ms)),
      attempt.error ? h('span', { class: 'error-line' }, `${attempt.error.type}: ${attempt.error.message.split('\n').at(-1) ?? ''}`) : null,
    );
    chain.append(item);
  }
  const row = (name: string, value: Node | string | null): HTMLElement[] => [h('dt', {}, name), h('dd', {}, value ?? h('span', { class: 'muted' }, 'null'))];
  container.replaceChildren(
    h('p', {}, routeLink('/runs', '← all runs')),
    h('h2', {}, run.task_name ?? run.task_id, ' ', h('span', { class: `status status-${run.status}` }, run.status)),
    h('h3', {}, 'Attempts'),
    chain,
    h('dl', { class: 'run-fields' },
      ...row('task', routeLink(`/task/${encodeURIComponent(run.task_id)}`, run.task_id)),
      ...row('trigger', run.trigger),
      ...row('started', run.started_at),
      ...row('ended', run.ended_at),
      ...row('duration', duration(run.duration_ms)),
      ...row('span_id', routeLink(`/event/${run.span_id}`, run.span_id, 'causality of the run')),
      ...row('trace_id', run.trace_id),
      ...row('retry_of', run.retry_of),
      ...row('idempotency_key', run.idempotency_key),
      ...row('config_digest', run.config_digest ? h('code', {}, run.config_digest) : null),
      ...row('input_digest', run.input_digest ? h('code', {}, run.input_digest) : null),
      ...row('runner', run.runner ? [run.runner.name, run.runner.version, run.runner.pid ? `pid ${run.runner.pid}` : null, run.runner.host ? `on ${run.runner.host}` : null].filter(Boolean).join(' ') : null),
      ...row('notes', run.notes),
    ),
    h('h3', {}, 'Error'),
    run.error
      ? h('div', { class: 'run-error' }, h('strong', {}, run.error.type), run.error.stack_hash ? h('span', { class: 'muted' }, ` stack ${run.error.stack_hash}`) : null, h('pre', {}, run.error.message))
      : h('p', { class: 'muted' }, 'none'),
  );
  return detail;
}
