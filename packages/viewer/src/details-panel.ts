import { copyText, h, routeLink } from './dom.js';
import type { EventDetail, Neighbour } from './worker-protocol.js';

/**
 * The details of the selected event: its fields and metadata, its id with a copy button, and its
 * neighbours (cause, further causes, effects, previous and next in its row), each a link.
 */
export class DetailsPanel {
  readonly element = h('aside', { class: 'details', 'aria-label': 'Event details', 'aria-live': 'polite' });
  /** The id the panel shows; the copy button copies it. */
  shown: string | null = null;

  constructor(private readonly onNeighbour: (neighbour: Neighbour) => void) {
    this.clear();
  }

  clear(): void {
    this.shown = null;
    this.element.replaceChildren(h('p', { class: 'muted' }, 'Click an event (or press Enter on one) to see its details.'));
  }

  show(detail: EventDetail): void {
    const { event } = detail;
    this.shown = event.id;
    const copy = h('button', { type: 'button', class: 'copy', 'data-copy': event.id, title: 'Copy the event id (c)' }, 'Copy');
    copy.addEventListener('click', () => void this.copyId(copy));
    const field = (name: string, value: Node | string | null): HTMLElement[] => [h('dt', {}, name), h('dd', {}, value ?? h('span', { class: 'muted' }, 'null'))];
    const targetLink = (): Node | string | null => {
      if (!event.target_id) return null;
      if (event.primitive === 'ops' || event.primitive === 'run') return routeLink(`/task/${encodeURIComponent(event.target_id)}`, event.target_id);
      if (event.primitive === 'bridge') return routeLink(`/channel/${encodeURIComponent(event.target_id)}`, `#${event.target_id}`);
      if (event.primitive === 'spawn') return routeLink(`/agent/${encodeURIComponent(event.target_id)}`, event.target_id);
      return event.target_id;
    };
    this.element.replaceChildren(
      h('h2', {}, `${event.primitive}.${event.type}`, event.private ? h('span', { class: 'badge' }, 'private') : null),
      h('div', { class: 'event-id' }, h('code', { 'data-event-id': event.id }, event.id), copy),
      h('dl', {},
        ...field('ts', event.ts),
        ...field('agent', event.agent_id ? routeLink(`/agent/${encodeURIComponent(event.agent_id)}`, event.agent_id) : null),
        ...field('target', targetLink()),
        ...field('session', event.session_id),
      ),
      h('div', { class: 'actions' }, routeLink(`/event/${event.id}`, 'Causality graph of this event')),
      this.neighbours('Cause (parent)', detail.parent ? [detail.parent] : [], event.parent_event_id ? 'missing' : 'none: a root'),
      this.neighbours('Further causes', detail.causes, 'none'),
      this.neighbours('Effects', detail.effects, 'none'),
      this.neighbours('Previous in row', detail.previousInRow ? [detail.previousInRow] : [], 'none'),
      this.neighbours('Next in row', detail.nextInRow ? [detail.nextInRow] : [], 'none'),
      h('h3', {}, 'Metadata'),
      h('pre', { class: 'metadata' }, JSON.stringify(event.metadata, null, 2)),
    );
  }

  async copyId(button?: HTMLElement): Promise<void> {
    if (!this.shown) return;
    const done = await copyText(this.shown);
    const target = button ?? this.element.querySelector<HTMLElement>('button.copy');
    if (target) {
      target.textContent = done ? 'Copied' : 'Copy failed';
      window.setTimeout(() => (target.textContent = 'Copy'), 1500);
    }
  }

  private neighbours(title: string, list: Neighbour[], empty: string): HTMLElement {
    const section = h('section', { class: 'neighbours' }, h('h3', {}, title));
    if (list.length === 0) section.append(h('p', { class: 'muted' }, empty));
    else {
      const items = h('ul', {});
      for (const neighbour of list) {
        const button = h('button', { type: 'button', class: 'neighbour', 'data-event-id': neighbour.id, title: neighbour.id }, neighbour.summary);
        button.addEventListener('click', () => this.onNeighbour(neighbour));
        items.append(h('li', {}, button));
      }
      section.append(items);
    }
    return section;
  }
}
