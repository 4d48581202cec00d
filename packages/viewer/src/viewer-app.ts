import { apiUrl } from './api-client.js';
import type { TraceEventJson } from './contract.js';
import { DetailsPanel } from './details-panel.js';
import { h } from './dom.js';
import { FindResults, findEventsByIdPrefix, findInDirectory, loadDirectory, looksLikeEventIdPrefix, renderHome, type Directory, type FindResult } from './find-panel.js';
import type { GraphLayout } from './graph-layout.js';
import { GraphView } from './graph-view.js';
import { LayoutClient } from './layout-client.js';
import { LiveStream, type LiveStatus } from './live-stream.js';
import { renderRunPage, renderRunsList } from './runs-page.js';
import { indexOfString, stringAt, tableSize, toStringTable, type StringTable } from './string-table.js';
import { watchColorScheme } from './theme.js';
import { VirtualList } from './virtual-list.js';
import type { Grouping, WaterfallLayout } from './waterfall-layout.js';
import { WaterfallView } from './waterfall-view.js';
import type { EventDetail, LoadTimings, Neighbour } from './worker-protocol.js';

export type Route =
  | { page: 'home' }
  | { page: 'subject'; kind: 'task' | 'agent' | 'channel'; id: string }
  | { page: 'event'; id: string }
  | { page: 'runs' }
  | { page: 'run'; id: string };

export type Tab = 'waterfall' | 'graph';

/** The events of a subject page, as the page asks the worker for them (and the worker fetches early). */
export function subjectEventsUrl(kind: 'task' | 'agent' | 'channel', id: string): string {
  return apiUrl('/v1/events', { [kind]: id });
}

export function parseRoute(hash: string): Route {
  const [, page, ...rest] = hash.replace(/^#/, '').split('/');
  const id = rest.length > 0 ? decodeURIComponent(rest.join('/')) : '';
  if ((page === 'task' || page === 'agent' || page === 'channel') && id) return { page: 'subject', kind: page, id };
  if (page === 'event' && id) return { page: 'event', id: id.toLowerCase() };
  if (page === 'runs') return { page: 'runs' };
  if (page === 'run' && id) return { page: 'run', id };
  return { page: 'home' };
}

const byId = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

/** The viewer: routes, the two canvases, the lists, the details panel, the live stream and the keys. */
export class ViewerApp {
  readonly layoutClient: LayoutClient;
  readonly waterfall: WaterfallView;
  readonly graph: GraphView;
  readonly details: DetailsPanel;
  readonly eventList: VirtualList;
  readonly findResults: FindResults;
  readonly live: LiveStream;
  route: Route = { page: 'home' };
  tab: Tab = 'waterfall';
  grouping: Grouping = 'task';
  /** What the waterfall shows: a task, an agent or a channel. */
  subject: { kind: 'task' | 'agent' | 'channel'; id: string } | null = null;
  layout: WaterfallLayout | null = null;
  /** The waterfall's event ids, in time order. */
  eventIds: StringTable = toStringTable([]);
  /** Where the last load's time went (server, body, layout), for the bench. */
  loadTimings: LoadTimings | null = null;
  graphLayout: GraphLayout | null = null;
  selected: string | null = null;
  detail: EventDetail | null = null;
  loading = false;
  error: string | null = null;
  directory: Directory | null = null;
  /** Incremented on each completed load or update, so a reader can wait for the next one. */
  version = 0;
  private readonly summaries = new Map<number, string>();
  private readonly askedSummaries = new Set<number>();
  private loadSeq = 0;
  private graphSeq = 0;
  /** What the graph shows (a task, or the event Enter opened), so that a live refresh keeps it. */
  private graphSubject: string | null = null;
  private graphRefresh: number | null = null;

  constructor(layoutClient: LayoutClient) {
    this.layoutClient = layoutClient;
    this.waterfall = new WaterfallView(byId('waterfall'), {
      onSelect: (index) => this.selectEvent(index >= 0 ? this.idAt(index) : null, 'waterfall'),
      onOpen: (index) => this.openGraph(this.idAt(index)),
    });
    this.graph = new GraphView(byId('graph'), {
      onSelect: (id) => this.selectEvent(id, 'graph'),
      onOpen: (id) => this.openGraph(id),
    });
    this.details = new DetailsPanel((neighbour) => this.goToNeighbour(neighbour));
    byId('details').replaceWith(this.details.element);
    this.details.element.id = 'details';
    this.eventList = new VirtualList(22, (index, element) => this.eventRow(index, element), (index) => this.selectEvent(this.idAt(index), 'list'), 'Events in time order');
    byId('event-list').append(this.eventList.element);
    this.findResults = new FindResults((result) => this.go(result));
    byId('find-box').append(this.findResults.list.element);
    this.findResults.list.element.hidden = true;
    this.live = new LiveStream((events) => void this.appendLive(events), (status) => this.showLive(status));
    this.wireControls();
    watchColorScheme(() => {
      this.waterfall.refreshTheme();
      this.graph.refreshTheme();
    });
    window.addEventListener('hashchange', () => void this.navigate());
    document.addEventListener('keydown', (event) => this.onKey(event));
  }

  async start(): Promise<void> {
    await this.navigate();
  }

  async navigate(): Promise<void> {
    const route = parseRoute(window.location.hash);
    this.route = route;
    this.error = null;
    this.hideFind();
    try {
      switch (route.page) {
        case 'home':
          this.showPage('home');
          this.live.close();
          await renderHome(byId('home'), await this.getDirectory());
          break;
        case 'runs':
          this.showPage('runs');
          await renderRunsList(byId('runs'), (span) => (window.location.hash = `#/run/${encodeURIComponent(span)}`));
          break;
        case 'run':
          this.showPage('runs');
          await renderRunPage(byId('runs'), route.id);
          break;
        case 'subject':
          this.showPage('subject');
          if (this.subject?.kind !== route.kind || this.subject.id !== route.id) await this.loadSubject(route.kind, route.id);
          this.setTab(this.tab);
          break;
        case 'event':
          this.showPage('subject');
          if (!this.subject) byId('subject-title').textContent = `event ${route.id}`;
          await this.loadGraph(route.id);
          this.setTab('graph');
          void this.selectEvent(route.id, 'route');
          break;
      }
    } catch (error) {
      this.showError((error as Error).message);
    }
    this.version += 1;
  }

  /** Loads the waterfall of a task, agent or channel, its event list, its graph (tasks) and its live stream. */
  async loadSubject(kind: 'task' | 'agent' | 'channel', id: string): Promise<void> {
    this.subject = { kind, id };
    this.selected = null;
    this.detail = null;
    this.details.clear();
    this.graphLayout = null;
    this.grouping = kind === 'agent' ? 'task' : this.grouping;
    byId('subject-title').textContent = `${kind} ${kind === 'channel' ? '#' : ''}${id}`;
    this.loading = true;
    this.setStatus('Loading…');
    const seq = (this.loadSeq = this.layoutClient.nextSeq);
    const filters = { [kind]: id };
    this.live.close();
    const askedAt = performance.now();
    const answer = await this.layoutClient.ask({ op: 'load', url: subjectEventsUrl(kind, id), headers: {}, grouping: this.grouping, subjectTask: kind === 'task' ? id : null }, 'waterfall');
    if (seq !== this.loadSeq) return;
    this.loadTimings = answer.timings && { ...answer.timings, askedAt, answeredAt: performance.now() };
    this.applyWaterfall(answer.layout, answer.ids, false);
    this.loading = false;
    this.setStatus('');
    // The stream opens after the first render (its set-up costs the server a walk of the task, as
    // the load does), resuming at the store's cursor from before the load: it sends no backlog
    // (which would be another walk), what landed meanwhile still arrives, and the worker drops
    // what it already has.
    this.live.open(answer.cursor ? { ...filters, last_event_id: answer.cursor } : filters);
    if (kind === 'task') void this.loadGraph(id).catch((error: Error) => this.showError(error.message));
    else if (tableSize(answer.ids) > 0) void this.loadGraph(stringAt(answer.ids, 0)!).catch((error: Error) => this.showError(error.message));
  }

  async loadGraph(id: string): Promise<void> {
    const seq = ++this.graphSeq;
    this.graphSubject = id;
    const answer = await this.layoutClient.ask({ op: 'causality', url: apiUrl(`/v1/causality/${encodeURIComponent(id)}`), headers: {} }, 'graph');
    if (seq !== this.graphSeq) return;
    this.graphLayout = answer.layout;
    this.graph.setLayout(answer.layout);
    if (this.selected) this.graph.select(this.selected);
    this.version += 1;
  }

  setTab(tab: Tab): void {
    this.tab = tab;
    byId('waterfall').hidden = tab !== 'waterfall';
    byId('graph').hidden = tab !== 'graph';
    for (const button of document.querySelectorAll<HTMLElement>('[data-tab]')) button.setAttribute('aria-pressed', String(button.dataset.tab === tab));
    (tab === 'waterfall' ? this.waterfall : this.graph).requestRender();
  }

  async setGrouping(grouping: Grouping): Promise<void> {
    if (!this.layout) return;
    this.grouping = grouping;
    const answer = await this.layoutClient.ask({ op: 'regroup', grouping }, 'waterfall');
    this.applyWaterfall(answer.layout, answer.ids, false);
  }

  /** Selects an event everywhere it is shown, and shows its details. */
  async selectEvent(id: string | null, from: 'waterfall' | 'graph' | 'list' | 'route' | 'key'): Promise<void> {
    this.selected = id;
    const index = id === null ? -1 : this.indexOf(id);
    if (from !== 'waterfall') this.waterfall.selectEvent(index, true);
    if (from !== 'list') this.eventList.setActive(index);
    if (from !== 'graph') this.graph.select(id);
    if (id === null) {
      this.detail = null;
      this.details.clear();
      return;
    }
    let answer;
    try {
      answer = await this.layoutClient.ask({ op: 'event', id }, 'event');
    } catch (error) {
      if (this.selected === id) this.showError(`event ${id}: ${(error as Error).message}`);
      return;
    }
    if (this.selected !== id) return;
    this.detail = answer.detail;
    if (answer.detail) this.details.show(answer.detail);
    else this.details.clear();
    this.version += 1;
  }

  openGraph(id: string): void {
    window.location.hash = `#/event/${id}`;
  }

  indexOf(id: string): number {
    // The ids are in time order and uuidv7 ids mostly sort by time, but not across processes: a scan it is.
    return indexOfString(this.eventIds, id);
  }

  idAt(index: number): string {
    return stringAt(this.eventIds, index) ?? '';
  }

  private applyWaterfall(layout: WaterfallLayout, ids: StringTable, keepViewport: boolean): void {
    this.layout = layout;
    this.eventIds = ids;
    this.summaries.clear();
    this.askedSummaries.clear();
    this.waterfall.setLayout(layout, keepViewport);
    this.eventList.setCount(tableSize(ids));
    if (this.selected) {
      const index = this.indexOf(this.selected);
      this.waterfall.selectEvent(index, false);
      this.eventList.setActive(index);
    }
    byId('grouping').textContent = `Rows: by ${this.grouping}`;
    this.version += 1;
  }

  private async appendLive(events: TraceEventJson[]): Promise<void> {
    if (!this.subject) return;
    const known = tableSize(this.eventIds);
    const answer = await this.layoutClient.ask({ op: 'append', events }, 'waterfall');
    this.applyWaterfall(answer.layout, answer.ids, true);
    // Nothing new (the stream starts at the newest loaded event, which it sends again): the graph stands.
    if (tableSize(answer.ids) === known) return;
    // The graph is one request for the whole tree: refresh it at most once a second, for what it
    // shows when the refresh runs (Enter may have opened another event's graph meanwhile).
    if (this.graphLayout && this.graphRefresh === null) {
      this.graphRefresh = window.setTimeout(() => {
        this.graphRefresh = null;
        const focus = this.graphSubject ?? this.graphLayout?.focus;
        if (focus) void this.loadGraph(focus).catch(() => undefined);
      }, 1000);
    }
  }

  private eventRow(index: number, element: HTMLElement): void {
    element.dataset.eventId = this.idAt(index);
    const line = this.summaries.get(index);
    element.textContent = line ?? '…';
    if (line !== undefined) return;
    const chunk = Math.floor(index / 200) * 200;
    if (this.askedSummaries.has(chunk)) return;
    this.askedSummaries.add(chunk);
    const ids = this.eventIds;
    void this.layoutClient.ask({ op: 'summaries', from: chunk, to: chunk + 200 }, 'summaries').then((answer) => {
      if (ids !== this.eventIds) return;
      answer.lines.forEach((text, i) => this.summaries.set(answer.from + i, text));
      this.eventList.update();
    });
  }

  private goToNeighbour(neighbour: Neighbour): void {
    if (neighbour.index >= 0 || (this.graphLayout && indexOfString(this.graphLayout.ids, neighbour.id) >= 0)) void this.selectEvent(neighbour.id, 'key');
    else this.openGraph(neighbour.id);
  }

  private async getDirectory(): Promise<Directory> {
    this.directory ??= await loadDirectory();
    return this.directory;
  }

  private async find(query: string): Promise<void> {
    const directory = await this.getDirectory();
    const results = findInDirectory(directory, query);
    if (looksLikeEventIdPrefix(query)) {
      const stored = await findEventsByIdPrefix(query).catch(() => [] as FindResult[]);
      for (const match of stored) if (!results.some((result) => result.id === match.id)) results.push(match);
    }
    if (looksLikeEventIdPrefix(query) && tableSize(this.eventIds) > 0) {
      const answer = await this.layoutClient.ask({ op: 'find', prefix: query.trim(), limit: 50 }, 'find');
      for (const match of answer.matches) {
        if (!results.some((result) => result.id === match.id)) results.push({ kind: 'event', id: match.id, label: `event ${match.summary}`, route: `/event/${match.id}` });
      }
    }
    if ((byId<HTMLInputElement>('find').value) === query) this.findResults.set(results);
  }

  private go(result: FindResult): void {
    this.hideFind();
    byId<HTMLInputElement>('find').blur();
    window.location.hash = `#${result.route}`;
  }

  private hideFind(): void {
    this.findResults.list.element.hidden = true;
  }

  private showPage(page: 'home' | 'subject' | 'runs'): void {
    for (const id of ['home', 'subject', 'runs']) byId(id).hidden = id !== page;
    for (const link of document.querySelectorAll<HTMLElement>('[data-page]')) link.setAttribute('aria-current', String(link.dataset.page === page));
  }

  private showError(message: string): void {
    this.error = message;
    this.loading = false;
    this.setStatus(message, true);
  }

  private setStatus(message: string, isError = false): void {
    const status = byId('status');
    status.textContent = message;
    status.classList.toggle('error', isError);
  }

  private showLive(status: LiveStatus): void {
    const element = byId('live');
    element.dataset.state = status.state;
    element.textContent = status.state === 'live' ? `● live${status.received ? ` · ${status.received} new` : ''}` : status.state === 'connecting' ? '○ connecting' : '○ live unavailable';
  }

  private wireControls(): void {
    const input = byId<HTMLInputElement>('find');
    let timer: number | null = null;
    input.addEventListener('input', () => {
      if (timer !== null) window.clearTimeout(timer);
      timer = window.setTimeout(() => void this.find(input.value), 120);
    });
    input.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') {
        event.preventDefault();
        void this.find(input.value).then(() => {
          const first = this.findResults.current[0];
          if (first) this.go(first);
        });
      } else if (event.key === 'ArrowDown') {
        event.preventDefault();
        this.findResults.list.element.focus();
      } else if (event.key === 'Escape') {
        this.hideFind();
        input.blur();
      }
    });
    for (const button of document.querySelectorAll<HTMLElement>('[data-tab]')) button.addEventListener('click', () => this.setTab(button.dataset.tab as Tab));
    byId('grouping').addEventListener('click', () => void this.setGrouping(this.grouping === 'task' ? 'agent' : 'task'));
    byId('fit').addEventListener('click', () => (this.tab === 'waterfall' ? this.waterfall.fit() : this.graph.fit()));
    byId('help-toggle').addEventListener('click', () => this.toggleHelp());
  }

  private toggleHelp(): void {
    const help = byId('help');
    help.hidden = !help.hidden;
  }

  private onKey(event: KeyboardEvent): void {
    const target = event.target as HTMLElement;
    const typing = target.tagName === 'INPUT' || target.tagName === 'TEXTAREA';
    if (typing || event.altKey || event.ctrlKey || event.metaKey) return;
    if (target.closest('.virtual-list') && ['ArrowUp', 'ArrowDown', 'j', 'k', 'Enter', 'PageUp', 'PageDown'].includes(event.key)) return;
    const onSubject = this.route.page === 'subject' || this.route.page === 'event';
    const view = this.tab === 'waterfall' ? this.waterfall : this.graph;
    const move = (direction: 'previous' | 'next' | 'up' | 'down'): void => {
      if (this.tab === 'waterfall') {
        const index = this.waterfall.moveSelection(direction);
        if (index >= 0) void this.selectEvent(this.idAt(index), 'waterfall');
      } else {
        const id = this.graph.moveSelection(direction);
        if (id) void this.selectEvent(id, 'graph');
      }
    };
    const handled = ((): boolean => {
      switch (event.key) {
        case '/': byId<HTMLInputElement>('find').focus(); return true;
        case '?': this.toggleHelp(); return true;
        case 'Escape':
          if (!byId('help').hidden) this.toggleHelp();
          else void this.selectEvent(null, 'key');
          return true;
        case 'r': window.location.hash = '#/runs'; return true;
        case 'H': window.location.hash = '#/'; return true;
      }
      if (!onSubject) return false;
      switch (event.key) {
        case 'w': this.setTab('waterfall'); return true;
        case 'g': this.setTab('graph'); return true;
        case 't': void this.setGrouping(this.grouping === 'task' ? 'agent' : 'task'); return true;
        case 'ArrowLeft': if (event.shiftKey) view === this.waterfall ? this.waterfall.pan(-100) : this.graph.pan(-100, 0); else move('previous'); return true;
        case 'ArrowRight': if (event.shiftKey) view === this.waterfall ? this.waterfall.pan(100) : this.graph.pan(100, 0); else move('next'); return true;
        case 'ArrowUp': move('up'); return true;
        case 'ArrowDown': move('down'); return true;
        case 'a': view === this.waterfall ? this.waterfall.pan(-100) : this.graph.pan(-100, 0); return true;
        case 'd': view === this.waterfall ? this.waterfall.pan(100) : this.graph.pan(100, 0); return true;
        case 'PageUp': view === this.waterfall ? this.waterfall.scrollRows(-300) : this.graph.pan(0, -300); return true;
        case 'PageDown': view === this.waterfall ? this.waterfall.scrollRows(300) : this.graph.pan(0, 300); return true;
        case '+': case '=': view.zoom(1.5); return true;
        case '-': case '_': view.zoom(1 / 1.5); return true;
        case '0': view.fit(); return true;
        case 'Enter': if (this.selected) this.openGraph(this.selected); return true;
        case 'c': void this.details.copyId(); return true;
        case 'l': this.eventList.element.focus(); return true;
      }
      return false;
    })();
    if (handled) event.preventDefault();
  }
}

/** The key list shown by `?`, kept beside the handler it documents. */
export const KEYS: Array<[string, string]> = [
  ['/', 'find a task, agent, channel or event id'],
  ['w / g', 'waterfall / causality graph'],
  ['← →', 'previous / next event in the row (graph: cause / effect)'],
  ['↑ ↓', 'nearest event in the row above / below (graph: sibling)'],
  ['Enter', 'causality graph of the selected event'],
  ['+ − 0', 'zoom in / out / fit'],
  ['a d, Shift+← →', 'pan in time'],
  ['PageUp PageDown', 'scroll rows'],
  ['t', 'rows by task (subtasks nested) or by agent'],
  ['c', 'copy the selected event id'],
  ['l', 'focus the event list (↑ ↓ Enter)'],
  ['r / H', 'runs / home'],
  ['Esc', 'clear the selection, close this help'],
];

export function renderKeys(): HTMLElement {
  return h('dl', { class: 'keys' }, ...KEYS.flatMap(([key, what]) => [h('dt', {}, h('kbd', {}, key)), h('dd', {}, what)]));
}
