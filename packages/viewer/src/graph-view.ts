import {
  EDGE_ABSENT, EDGE_CAUSE, EDGE_INFERRED, NODE_COMPACT, NODE_FOCUS, NODE_MISSING, NODE_OUTSIDE, NODE_PRIVATE, NODE_PRUNED,
  type GraphLayout,
} from './graph-layout.js';
import { indexOfString, stringAt, tableSize } from './string-table.js';
import { readTheme, type Theme } from './theme.js';

const COLUMN = 210;
const ROW = 30;
const NODE_WIDTH = 180;
const NODE_HEIGHT = 20;
/** Below this many visible nodes, labels are drawn; above, nodes are plain boxes. */
const LABEL_LIMIT = 1500;

export interface GraphCallbacks {
  onSelect(id: string | null): void;
  onOpen(id: string): void;
}

/**
 * The causality graph on one canvas: declared edges solid, further causes (fan-in) as extra edges
 * into the one node, inferred edges dashed, missing and pruned parents as marked placeholders.
 * Each frame culls nodes and edges to the viewport and batches them into a few paths.
 */
export class GraphView {
  private layout: GraphLayout | null = null;
  private theme: Theme = readTheme();
  private scale = 1;
  private offsetX = 0;
  private offsetY = 0;
  private width = 1;
  private height = 1;
  private pending = false;
  private selected = -1;
  private drag: { x: number; y: number; ox: number; oy: number; moved: boolean } | null = null;
  private pendingCenter: number | null = null;
  frames = 0;

  constructor(readonly canvas: HTMLCanvasElement, private readonly callbacks: GraphCallbacks) {
    new ResizeObserver(() => this.resize()).observe(canvas);
    canvas.addEventListener('wheel', (event) => {
      event.preventDefault();
      if (event.ctrlKey || event.metaKey) this.zoom(Math.exp(-event.deltaY / 300), event.offsetX, event.offsetY);
      else this.pan(event.shiftKey ? event.deltaY : event.deltaX, event.shiftKey ? 0 : event.deltaY);
    }, { passive: false });
    canvas.addEventListener('pointerdown', (event) => {
      canvas.setPointerCapture(event.pointerId);
      this.drag = { x: event.clientX, y: event.clientY, ox: this.offsetX, oy: this.offsetY, moved: false };
    });
    canvas.addEventListener('pointermove', (event) => {
      if (!this.drag) return;
      const dx = event.clientX - this.drag.x;
      const dy = event.clientY - this.drag.y;
      if (Math.abs(dx) + Math.abs(dy) > 3) this.drag.moved = true;
      if (!this.drag.moved) return;
      this.offsetX = this.drag.ox - dx / this.scale;
      this.offsetY = this.drag.oy - dy / this.scale;
      this.requestRender();
    });
    canvas.addEventListener('pointerup', (event) => {
      const drag = this.drag;
      this.drag = null;
      if (drag && !drag.moved) {
        this.selected = this.hitTest(event.offsetX, event.offsetY);
        this.requestRender();
        this.callbacks.onSelect(this.selected >= 0 ? stringAt(this.layout!.ids, this.selected)! : null);
      }
    });
    canvas.addEventListener('dblclick', (event) => {
      const node = this.hitTest(event.offsetX, event.offsetY);
      if (node >= 0 && !(this.layout!.nodeFlags[node]! & (NODE_MISSING | NODE_PRUNED))) this.callbacks.onOpen(stringAt(this.layout!.ids, node)!);
    });
    this.resize();
  }

  get graph(): GraphLayout | null {
    return this.layout;
  }

  setLayout(layout: GraphLayout): void {
    this.layout = layout;
    this.selected = indexOfString(layout.ids, layout.focus);
    this.scale = 1;
    this.center(this.selected >= 0 ? this.selected : 0);
  }

  /** Selects a node by event id (if it is in the graph) and brings it into view. */
  select(id: string | null): boolean {
    if (!this.layout) return false;
    const index = id === null ? -1 : indexOfString(this.layout.ids, id);
    this.selected = index;
    if (index >= 0 && !this.onScreen(index)) this.center(index);
    this.requestRender();
    return index >= 0;
  }

  /** Moves the selection along the edges: to the parent, the first effect, or the sibling above or below. */
  moveSelection(direction: 'previous' | 'next' | 'up' | 'down'): string | null {
    const layout = this.layout;
    if (!layout || tableSize(layout.ids) === 0) return null;
    const current = this.selected >= 0 ? this.selected : Math.max(0, indexOfString(layout.ids, layout.focus));
    let target = current;
    if (direction === 'previous') {
      for (let e = 0; e < layout.edgeTo.length; e++) if (layout.edgeTo[e] === current && layout.edgeKind[e] !== EDGE_CAUSE) { target = layout.edgeFrom[e]!; break; }
    } else if (direction === 'next') {
      for (let e = 0; e < layout.edgeFrom.length; e++) if (layout.edgeFrom[e] === current && layout.edgeKind[e] !== EDGE_CAUSE) { target = layout.edgeTo[e]!; break; }
    } else {
      // The nearest node in the same column, above or below.
      const x = layout.nodeX[current]!;
      const y = layout.nodeY[current]!;
      let best = -1;
      for (let n = 0; n < layout.nodeX.length; n++) {
        if (layout.nodeX[n] !== x) continue;
        const dy = layout.nodeY[n]! - y;
        if (direction === 'up' ? dy >= 0 : dy <= 0) continue;
        if (best < 0 || Math.abs(dy) < Math.abs(layout.nodeY[best]! - y)) best = n;
      }
      if (best >= 0) target = best;
    }
    this.selected = target;
    if (!this.onScreen(target)) this.center(target);
    this.requestRender();
    return stringAt(layout.ids, target)!;
  }

  pan(dx: number, dy: number): void {
    this.offsetX += dx / this.scale;
    this.offsetY += dy / this.scale;
    this.requestRender();
  }

  zoom(factor: number, atX = this.width / 2, atY = this.height / 2): void {
    const wx = this.offsetX + atX / this.scale;
    const wy = this.offsetY + atY / this.scale;
    this.scale = Math.min(Math.max(this.scale * factor, 0.005), 4);
    this.offsetX = wx - atX / this.scale;
    this.offsetY = wy - atY / this.scale;
    this.requestRender();
  }

  fit(): void {
    if (!this.layout) return;
    const w = this.layout.columns * COLUMN;
    const h = (this.layout.rows + 1) * ROW;
    this.scale = Math.min(1, Math.max(0.005, Math.min(this.width / w, this.height / h)));
    this.offsetX = -20 / this.scale;
    this.offsetY = -ROW / 2;
    this.requestRender();
  }

  /** A node's centre in client coordinates, or null when it is not in the graph. */
  pointOf(id: string): { x: number; y: number } | null {
    if (!this.layout) return null;
    const index = indexOfString(this.layout.ids, id);
    if (index < 0) return null;
    if (!this.onScreen(index)) { this.center(index); this.draw(); }
    const rect = this.canvas.getBoundingClientRect();
    return {
      x: rect.left + (this.layout.nodeX[index]! * COLUMN + NODE_WIDTH / 2 - this.offsetX) * this.scale,
      y: rect.top + (this.layout.nodeY[index]! * ROW - this.offsetY) * this.scale,
    };
  }

  refreshTheme(): void {
    this.theme = readTheme();
    this.requestRender();
  }

  requestRender(): void {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.draw();
    });
  }

  private center(index: number): void {
    if (!this.layout) return;
    // A hidden canvas has no size yet: centre once it is shown.
    if (this.width <= 1) {
      this.pendingCenter = index;
      return;
    }
    this.offsetX = this.layout.nodeX[index]! * COLUMN + NODE_WIDTH / 2 - this.width / 2 / this.scale;
    this.offsetY = this.layout.nodeY[index]! * ROW - this.height / 2 / this.scale;
    this.requestRender();
  }

  private onScreen(index: number): boolean {
    const layout = this.layout!;
    if (this.width <= 1) return false;
    const x = (layout.nodeX[index]! * COLUMN - this.offsetX) * this.scale;
    const y = (layout.nodeY[index]! * ROW - this.offsetY) * this.scale;
    return x >= 0 && x + NODE_WIDTH * this.scale <= this.width && y >= 0 && y <= this.height;
  }

  private resize(): void {
    const rect = this.canvas.getBoundingClientRect();
    const ratio = window.devicePixelRatio || 1;
    this.width = Math.max(1, Math.round(rect.width));
    this.height = Math.max(1, Math.round(rect.height));
    this.canvas.width = Math.round(this.width * ratio);
    this.canvas.height = Math.round(this.height * ratio);
    if (this.width > 1 && this.pendingCenter !== null) {
      const index = this.pendingCenter;
      this.pendingCenter = null;
      this.center(index);
    }
    this.requestRender();
  }

  private hitTest(sx: number, sy: number): number {
    const layout = this.layout;
    if (!layout) return -1;
    const wx = this.offsetX + sx / this.scale;
    const wy = this.offsetY + sy / this.scale;
    for (let n = layout.nodeX.length - 1; n >= 0; n--) {
      const x = layout.nodeX[n]! * COLUMN;
      const y = layout.nodeY[n]! * ROW - NODE_HEIGHT / 2;
      if (wx >= x && wx <= x + NODE_WIDTH && wy >= y && wy <= y + NODE_HEIGHT) return n;
    }
    return -1;
  }

  private draw(): void {
    const ctx = this.canvas.getContext('2d', { alpha: false })!;
    const ratio = this.canvas.width / this.width;
    const theme = this.theme;
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.fillStyle = theme.background;
    ctx.fillRect(0, 0, this.width, this.height);
    const layout = this.layout;
    if (!layout) return;
    this.frames += 1;
    const s = this.scale;
    ctx.setTransform(ratio * s, 0, 0, ratio * s, -this.offsetX * s * ratio, -this.offsetY * s * ratio);
    const left = this.offsetX - NODE_WIDTH;
    const right = this.offsetX + this.width / s;
    const top = this.offsetY - ROW;
    const bottom = this.offsetY + this.height / s + ROW;
    const visible = (x: number, y: number): boolean => x >= left && x <= right && y >= top && y <= bottom;

    // Zoomed out, nodes and edges are drawn in screen space, one per pixel at most: a frame then
    // costs the canvas's pixels, not the graph's 100,000 nodes.
    const detailedZoom = s >= 0.35;
    const paths = [new Path2D(), new Path2D(), new Path2D(), new Path2D()];
    const pixelW = Math.ceil(this.width) + 1;
    const seenEdge = detailedZoom ? null : new Uint8Array(pixelW * (Math.ceil(this.height) + 1));
    for (let e = 0; e < layout.edgeFrom.length; e++) {
      const a = layout.edgeFrom[e]!;
      const b = layout.edgeTo[e]!;
      const x1 = layout.nodeX[a]! * COLUMN + (layout.nodeFlags[a]! & NODE_COMPACT ? NODE_WIDTH / 2 : NODE_WIDTH);
      const y1 = layout.nodeY[a]! * ROW;
      const x2 = layout.nodeX[b]! * COLUMN;
      const y2 = layout.nodeY[b]! * ROW;
      if (Math.max(x1, x2) < left || Math.min(x1, x2) > right || Math.max(y1, y2) < top || Math.min(y1, y2) > bottom) continue;
      const kind = layout.edgeKind[e]!;
      const path = paths[kind]!;
      if (seenEdge) {
        // One short segment per target pixel: enough to see the structure at this size.
        const px = Math.floor((x2 - this.offsetX) * s);
        const py = Math.floor((y2 - this.offsetY) * s);
        if (px >= 0 && py >= 0 && px < pixelW && py * pixelW + px < seenEdge.length) {
          if (seenEdge[py * pixelW + px]) continue;
          seenEdge[py * pixelW + px] = 1;
        }
        path.moveTo(x1, y1);
        path.lineTo(x2, y2);
      } else if (kind === EDGE_CAUSE || x2 <= x1) {
        path.moveTo(x1, y1);
        path.bezierCurveTo(x1 + 40, y1, x2 - 40, y2, x2, y2);
      } else {
        const elbow = x2 - (COLUMN - NODE_WIDTH) / 2;
        path.moveTo(x1, y1);
        path.lineTo(elbow, y1);
        path.lineTo(elbow, y2);
        path.lineTo(x2, y2);
      }
    }
    ctx.lineWidth = 1.2 / Math.max(s, 0.4);
    const strokeKind = (kind: number, color: string, dash: number[]): void => {
      ctx.strokeStyle = color;
      ctx.setLineDash(dash);
      ctx.stroke(paths[kind]!);
    };
    strokeKind(0, theme.edge, []);
    strokeKind(EDGE_CAUSE, theme.cause, []);
    strokeKind(EDGE_INFERRED, theme.edge, detailedZoom ? [6, 4] : []);
    strokeKind(EDGE_ABSENT, theme.absent, detailedZoom ? [3, 3] : []);
    ctx.setLineDash([]);

    // Nodes.
    const shown: number[] = [];
    const seenNode = detailedZoom ? null : new Uint8Array(pixelW * (Math.ceil(this.height) + 1));
    const boxes = detailedZoom ? null : layout.primitives.map(() => new Path2D());
    const absentBoxes = new Path2D();
    for (let n = 0; n < layout.nodeX.length; n++) {
      const x = layout.nodeX[n]! * COLUMN;
      const y = layout.nodeY[n]! * ROW;
      if (!visible(x, y)) continue;
      if (seenNode && boxes) {
        const px = Math.floor((x - this.offsetX) * s);
        const py = Math.floor((y - this.offsetY) * s);
        const cell = py * pixelW + Math.max(0, px);
        if (cell >= 0 && cell < seenNode.length) {
          if (seenNode[cell]) continue;
          seenNode[cell] = 1;
        }
        const flags = layout.nodeFlags[n]!;
        (flags & (NODE_MISSING | NODE_PRUNED) ? absentBoxes : boxes[layout.nodePrimitive[n]!]!).rect(x, y - NODE_HEIGHT / 2, NODE_WIDTH, NODE_HEIGHT);
        if (flags & NODE_FOCUS) shown.push(n);
        continue;
      }
      shown.push(n);
    }
    if (boxes) {
      boxes.forEach((path, p) => {
        ctx.fillStyle = layout.primitives[p] === 'private' ? theme.muted : theme.primitive(layout.primitives[p]!);
        ctx.fill(path);
      });
      ctx.fillStyle = theme.absent;
      ctx.fill(absentBoxes);
    }
    const detailed = detailedZoom && shown.length <= LABEL_LIMIT;
    ctx.font = '11px system-ui, sans-serif';
    ctx.textBaseline = 'middle';
    for (const n of boxes ? [] : shown) {
      const x = layout.nodeX[n]! * COLUMN;
      const y = layout.nodeY[n]! * ROW - NODE_HEIGHT / 2;
      const flags = layout.nodeFlags[n]!;
      const color = flags & (NODE_MISSING | NODE_PRUNED) ? theme.absent : flags & NODE_PRIVATE ? theme.muted : theme.primitive(layout.primitives[layout.nodePrimitive[n]!]!);
      if (!detailed) {
        ctx.fillStyle = color;
        ctx.fillRect(x, y, NODE_WIDTH, NODE_HEIGHT);
        continue;
      }
      if (flags & NODE_COMPACT) {
        ctx.fillStyle = theme.node;
        ctx.fillRect(x, y + 4, NODE_WIDTH / 2, NODE_HEIGHT - 8);
        ctx.strokeStyle = color;
        ctx.setLineDash([3, 2]);
        ctx.strokeRect(x + 0.5, y + 4.5, NODE_WIDTH / 2 - 1, NODE_HEIGHT - 9);
        ctx.setLineDash([]);
        ctx.fillStyle = color;
        ctx.font = '9px system-ui, sans-serif';
        ctx.fillText(stringAt(layout.labels, n)!, x + 4, y + NODE_HEIGHT / 2, NODE_WIDTH / 2 - 6);
        ctx.font = '11px system-ui, sans-serif';
        continue;
      }
      ctx.fillStyle = theme.node;
      ctx.fillRect(x, y, NODE_WIDTH, NODE_HEIGHT);
      ctx.fillStyle = color;
      ctx.fillRect(x, y, 4, NODE_HEIGHT);
      ctx.strokeStyle = color;
      ctx.lineWidth = 1;
      ctx.setLineDash(flags & (NODE_MISSING | NODE_PRUNED | NODE_OUTSIDE) ? [3, 2] : []);
      ctx.strokeRect(x + 0.5, y + 0.5, NODE_WIDTH - 1, NODE_HEIGHT - 1);
      ctx.setLineDash([]);
      ctx.fillStyle = flags & (NODE_MISSING | NODE_PRUNED) ? theme.absent : theme.text;
      const label = stringAt(layout.labels, n)!;
      ctx.fillText(label.length > 30 ? `${label.slice(0, 29)}…` : label, x + 8, y + NODE_HEIGHT / 2, NODE_WIDTH - 12);
    }
    // The focus and the selection on top.
    const ring = (n: number, color: string, width: number): void => {
      if (n < 0) return;
      ctx.strokeStyle = color;
      ctx.lineWidth = width / Math.max(s, 0.25);
      ctx.strokeRect(layout.nodeX[n]! * COLUMN - 2, layout.nodeY[n]! * ROW - NODE_HEIGHT / 2 - 2, NODE_WIDTH + 4, NODE_HEIGHT + 4);
    };
    for (const n of shown) if (layout.nodeFlags[n]! & NODE_FOCUS) ring(n, theme.accent, 2.5);
    if (this.selected >= 0) ring(this.selected, theme.text, 1.5);
  }
}
