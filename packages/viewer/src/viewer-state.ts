import { BAR_STATES } from './waterfall-layout.js';
import { NODE_FOCUS, NODE_MISSING, NODE_OUTSIDE, NODE_PRIVATE, NODE_PRUNED } from './graph-layout.js';
import { stringAt, tableSize, tableToArray } from './string-table.js';
import type { ViewerApp } from './viewer-app.js';

/** By edge kind value (EDGE_DECLARED, EDGE_CAUSE, EDGE_INFERRED, EDGE_ABSENT). */
const EDGE_NAMES = ['declared', 'cause', 'inferred', 'absent'] as const;

/**
 * `window.__traceViewer`: a read-only view of what the page shows, for tests and the bench. It
 * reads the same layouts the canvases draw; nothing in it changes the page.
 */
export function exposeViewerState(app: ViewerApp): void {
  const state = {
    get version() { return app.version; },
    get route() { return app.route; },
    get tab() { return app.tab; },
    get loading() { return app.loading; },
    get error() { return app.error; },
    get subject() { return app.subject; },
    get selected() { return app.selected; },
    get detail() { return app.detail; },
    get live() { return { ...app.live.status }; },
    get firstRenderAt() { return app.waterfall.firstRenderAt; },
    get loadTimings() { return app.loadTimings; },
    /** Sizes only: cheap to read while a 100k-event trace is on screen. */
    get counts() {
      return { events: tableSize(app.eventIds), rows: app.layout?.rows.length ?? 0, graphNodes: app.graphLayout ? tableSize(app.graphLayout.ids) : 0, graphEdges: app.graphLayout?.edgeFrom.length ?? 0 };
    },
    get frames() { return { waterfall: app.waterfall.frames, graph: app.graph.frames }; },
    waterfall() {
      const layout = app.layout;
      if (!layout) return null;
      const rows = layout.rows.map((row, r) => ({
        ...row,
        eventIds: Array.from(layout.markEvent.subarray(layout.rowStart[r]!, layout.rowStart[r + 1]!), (index) => app.idAt(index)),
      }));
      const bars = Array.from(layout.barRow, (row, b) => ({ row: layout.rows[row]!.key, state: BAR_STATES[layout.barState[b]!]!, start: layout.barStart[b]!, end: layout.barEnd[b]! }));
      return { grouping: layout.grouping, rows, bars, eventIds: tableToArray(app.eventIds), minTs: layout.minTs, maxTs: layout.maxTs };
    },
    graph() {
      const graph = app.graphLayout;
      if (!graph) return null;
      const flagNames = (flags: number): string[] => [
        flags & NODE_FOCUS ? 'focus' : '', flags & NODE_PRIVATE ? 'private' : '', flags & NODE_MISSING ? 'missing' : '',
        flags & NODE_PRUNED ? 'pruned' : '', flags & NODE_OUTSIDE ? 'outside' : '',
      ].filter(Boolean);
      return {
        focus: graph.focus,
        nodes: tableToArray(graph.ids).map((id, n) => ({ id, label: stringAt(graph.labels, n)!, flags: flagNames(graph.nodeFlags[n]!) })),
        edges: Array.from(graph.edgeFrom, (from, e) => ({ from: stringAt(graph.ids, from)!, to: stringAt(graph.ids, graph.edgeTo[e]!)!, kind: EDGE_NAMES[graph.edgeKind[e]!]! })),
      };
    },
    /** Where an event is drawn, in client coordinates: the waterfall mark or the graph node on the current tab. */
    pointOf(id: string) {
      if (app.tab === 'graph') return app.graph.pointOf(id);
      const index = app.indexOf(id);
      if (index < 0) return null;
      app.waterfall.reveal(index);
      return app.waterfall.pointOf(index);
    },
  };
  Object.defineProperty(window, '__traceViewer', { value: Object.freeze(state), configurable: false, writable: false });
}
