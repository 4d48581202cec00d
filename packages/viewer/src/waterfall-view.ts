import { readTheme, type Theme } from './theme.js';
import { tickLabel, tickStep } from './time-axis.js';
import { BAR_STATES, type WaterfallLayout } from './waterfall-layout.js';

const ROW_HEIGHT = 20;
const HEADER = 26;
const MARK_WIDTH = 3;

export interface WaterfallCallbacks {
  /** An event was selected (by click or key); -1 clears the selection. */
  onSelect(eventIndex: number): void;
  /** An event was opened (double click or Enter). */
  onOpen(eventIndex: number): void;
}

/**
 * The waterfall on one canvas. Each frame draws only what is visible: the rows in view, and in each
 * row the marks in the time window (a binary search), at most one per pixel column. That bounds a
 * frame by the canvas size, not by the number of events.
 */
export class WaterfallView {
  private layout: WaterfallLayout | null = null;
  private theme: Theme = readTheme();
  private t0 = 0;
  private msPerPx = 1;
  private scrollY = 0;
  private width = 0;
  private height = 0;
  private pending = false;
  private selectedMark = -1;
  private drag: { x: number; y: number; t0: number; scrollY: number; moved: boolean } | null = null;
  private pendingFit = false;
  /** Frames drawn, for the page's read-only state. */
  frames = 0;
  firstRenderAt: number | null = null;

  constructor(readonly canvas: HTMLCanvasElement, private readonly callbacks: WaterfallCallbacks) {
    new ResizeObserver(() => this.resize()).observe(canvas);
    canvas.addEventListener('wheel', (event) => this.onWheel(event), { passive: false });
    canvas.addEventListener('pointerdown', (event) => {
      canvas.setPointerCapture(event.pointerId);
      this.drag = { x: event.clientX, y: event.clientY, t0: this.t0, scrollY: this.scrollY, moved: false };
    });
    canvas.addEventListener('pointermove', (event) => {
      if (!this.drag) return;
      const dx = event.clientX - this.drag.x;
      const dy = event.clientY - this.drag.y;
      if (Math.abs(dx) + Math.abs(dy) > 3) this.drag.moved = true;
      if (!this.drag.moved) return;
      this.t0 = this.drag.t0 - dx * this.msPerPx;
      this.scrollY = this.clampScroll(this.drag.scrollY - dy);
      this.requestRender();
    });
    canvas.addEventListener('pointerup', (event) => {
      const drag = this.drag;
      this.drag = null;
      if (drag && !drag.moved) {
        const mark = this.hitTest(event.offsetX, event.offsetY);
        this.selectMark(mark, false);
        this.callbacks.onSelect(mark < 0 ? -1 : this.layout!.markEvent[mark]!);
      }
    });
    canvas.addEventListener('dblclick', (event) => {
      const mark = this.hitTest(event.offsetX, event.offsetY);
      if (mark >= 0) this.callbacks.onOpen(this.layout!.markEvent[mark]!);
    });
    this.resize();
  }

  get labelWidth(): number {
    return Math.min(260, Math.round(this.width * 0.32));
  }

  private get plotWidth(): number {
    return Math.max(1, this.width - this.labelWidth);
  }

  /** Shows a new layout; `keepViewport` keeps the time window and scroll (a live update). */
  setLayout(layout: WaterfallLayout, keepViewport: boolean): void {
    const selectedEvent = this.selectedEvent;
    this.layout = layout;
    if (!keepViewport) this.fit();
    this.selectedMark = selectedEvent >= 0 && selectedEvent < layout.eventMark.length ? layout.eventMark[selectedEvent]! : -1;
    this.scrollY = this.clampScroll(this.scrollY);
    this.requestRender();
  }

  get selectedEvent(): number {
    return this.layout && this.selectedMark >= 0 ? this.layout.markEvent[this.selectedMark]! : -1;
  }

  /** Selects an event and, with `reveal`, scrolls and pans it into view. */
  selectEvent(eventIndex: number, reveal: boolean): void {
    if (!this.layout || eventIndex < 0 || eventIndex >= this.layout.eventMark.length) this.selectMark(-1, false);
    else this.selectMark(this.layout.eventMark[eventIndex]!, reveal);
  }

  private selectMark(mark: number, reveal: boolean): void {
    this.selectedMark = mark;
    if (reveal && mark >= 0 && this.layout && this.width > 1) {
      const row = this.rowOfMark(mark);
      const y = row * ROW_HEIGHT;
      const visible = this.height - HEADER;
      if (y < this.scrollY || y + ROW_HEIGHT > this.scrollY + visible) this.scrollY = this.clampScroll(y - visible / 2);
      const x = (this.layout.markTs[mark]! - this.t0) / this.msPerPx;
      if (x < 10 || x > this.plotWidth - 10) this.t0 = this.layout.markTs[mark]! - (this.plotWidth / 2) * this.msPerPx;
    }
    this.requestRender();
  }

  /** Moves the selection: along its row (previous/next event) or to the row above or below. */
  moveSelection(direction: 'previous' | 'next' | 'up' | 'down'): number {
    const layout = this.layout;
    if (!layout || layout.markTs.length === 0) return -1;
    let mark = this.selectedMark;
    if (mark < 0) mark = this.firstVisibleMark();
    else {
      const row = this.rowOfMark(mark);
      if (direction === 'previous' && mark > layout.rowStart[row]!) mark -= 1;
      else if (direction === 'next' && mark < layout.rowStart[row + 1]! - 1) mark += 1;
      else if (direction === 'up' || direction === 'down') {
        const t = layout.markTs[mark]!;
        for (let r = direction === 'up' ? row - 1 : row + 1; r >= 0 && r < layout.rows.length; r += direction === 'up' ? -1 : 1) {
          const nearest = this.nearestInRow(r, t);
          if (nearest >= 0) { mark = nearest; break; }
        }
      }
    }
    this.selectMark(mark, true);
    return layout.markEvent[mark]!;
  }

  pan(px: number): void {
    this.t0 += px * this.msPerPx;
    this.requestRender();
  }

  scrollRows(px: number): void {
    this.scrollY = this.clampScroll(this.scrollY + px);
    this.requestRender();
  }

  /** Zooms the time axis by `factor` (> 1 zooms in) around canvas x `atX` (default: the middle). */
  zoom(factor: number, atX?: number): void {
    const x = (atX ?? this.labelWidth + this.plotWidth / 2) - this.labelWidth;
    const t = this.t0 + x * this.msPerPx;
    this.msPerPx = Math.min(Math.max(this.msPerPx / factor, 1e-3), 1e10);
    this.t0 = t - x * this.msPerPx;
    this.requestRender();
  }

  fit(): void {
    if (!this.layout) return;
    // A hidden canvas has no size yet: fit once it is shown.
    this.pendingFit = this.width <= 1;
    if (this.pendingFit) return;
    const span = Math.max(this.layout.maxTs - this.layout.minTs, 1);
    this.msPerPx = (span * 1.06) / this.plotWidth;
    this.t0 = this.layout.minTs - span * 0.03;
    this.scrollY = 0;
    this.requestRender();
  }

  /** Where an event's mark is, in client coordinates (after revealing it), or null. */
  pointOf(eventIndex: number): { x: number; y: number } | null {
    if (!this.layout || eventIndex < 0 || eventIndex >= this.layout.eventMark.length) return null;
    const mark = this.layout.eventMark[eventIndex]!;
    const row = this.rowOfMark(mark);
    const rect = this.canvas.getBoundingClientRect();
    return {
      x: rect.left + this.labelWidth + (this.layout.markTs[mark]! - this.t0) / this.msPerPx,
      y: rect.top + HEADER + row * ROW_HEIGHT - this.scrollY + ROW_HEIGHT / 2,
    };
  }

  /** Scrolls and pans so that an event's mark is on screen, without selecting it. */
  reveal(eventIndex: number): void {
    const keep = this.selectedMark;
    this.selectEvent(eventIndex, true);
    this.selectedMark = keep;
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

  private onWheel(event: WheelEvent): void {
    event.preventDefault();
    const scale = event.deltaMode === 1 ? 16 : event.deltaMode === 2 ? this.height : 1;
    if (event.ctrlKey || event.metaKey) this.zoom(Math.exp((-event.deltaY * scale) / 300), event.offsetX);
    else if (event.shiftKey) this.pan(event.deltaY * scale);
    else {
      if (event.deltaX) this.pan(event.deltaX * scale);
      if (event.deltaY) this.scrollRows(event.deltaY * scale);
    }
  }

  private resize(): void {
    const rect = this.canvas.getBoundingClientRect();
    const ratio = window.devicePixelRatio || 1;
    const wasPlot = this.plotWidth;
    this.width = Math.max(1, Math.round(rect.width));
    this.height = Math.max(1, Math.round(rect.height));
    this.canvas.width = Math.round(this.width * ratio);
    this.canvas.height = Math.round(this.height * ratio);
    if (this.pendingFit && this.width > 1) this.fit();
    else if (this.layout && wasPlot > 1) this.msPerPx *= wasPlot / this.plotWidth;
    this.requestRender();
  }

  private clampScroll(y: number): number {
    const content = (this.layout?.rows.length ?? 0) * ROW_HEIGHT;
    return Math.max(0, Math.min(y, content - (this.height - HEADER) + ROW_HEIGHT));
  }

  private rowOfMark(mark: number): number {
    const starts = this.layout!.rowStart;
    let lo = 0;
    let hi = this.layout!.rows.length - 1;
    let row = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid]! <= mark) { row = mid; lo = mid + 1; } else hi = mid - 1;
    }
    return row;
  }

  /** The first mark of row `row` at or after `t`. */
  private lowerBound(row: number, t: number): number {
    const { rowStart, markTs } = this.layout!;
    let lo = rowStart[row]!;
    let hi = rowStart[row + 1]!;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (markTs[mid]! < t) lo = mid + 1; else hi = mid;
    }
    return lo;
  }

  private nearestInRow(row: number, t: number): number {
    const { rowStart, markTs } = this.layout!;
    if (rowStart[row] === rowStart[row + 1]) return -1;
    const at = this.lowerBound(row, t);
    const candidates = [at - 1, at].filter((m) => m >= rowStart[row]! && m < rowStart[row + 1]!);
    return candidates.reduce((best, m) => (Math.abs(markTs[m]! - t) < Math.abs(markTs[best]! - t) ? m : best));
  }

  private firstVisibleMark(): number {
    const layout = this.layout!;
    const first = Math.floor(this.scrollY / ROW_HEIGHT);
    for (let r = Math.max(0, first); r < layout.rows.length; r++) {
      const m = this.lowerBound(r, this.t0);
      if (m < layout.rowStart[r + 1]!) return m;
      if (layout.rowStart[r + 1]! > layout.rowStart[r]!) return layout.rowStart[r]!;
    }
    return 0;
  }

  private hitTest(x: number, y: number): number {
    const layout = this.layout;
    if (!layout || x < this.labelWidth || y < HEADER) return -1;
    const row = Math.floor((y - HEADER + this.scrollY) / ROW_HEIGHT);
    if (row < 0 || row >= layout.rows.length) return -1;
    const nearest = this.nearestInRow(row, this.t0 + (x - this.labelWidth) * this.msPerPx);
    if (nearest < 0) return -1;
    const px = (layout.markTs[nearest]! - this.t0) / this.msPerPx + this.labelWidth;
    return Math.abs(px - x) <= 5 ? nearest : -1;
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
    const labelWidth = this.labelWidth;
    const plotWidth = this.plotWidth;
    const firstRow = Math.max(0, Math.floor(this.scrollY / ROW_HEIGHT));
    const lastRow = Math.min(layout.rows.length - 1, Math.floor((this.scrollY + this.height - HEADER) / ROW_HEIGHT));
    const rowY = (row: number): number => HEADER + row * ROW_HEIGHT - this.scrollY;
    const tLeft = this.t0;
    const tRight = this.t0 + plotWidth * this.msPerPx;
    const xOf = (t: number): number => labelWidth + (t - this.t0) / this.msPerPx;
    const selectedRow = this.selectedMark >= 0 ? this.rowOfMark(this.selectedMark) : -1;

    // Row stripes and the selected row.
    for (let r = firstRow; r <= lastRow; r++) {
      if (r === selectedRow) { ctx.fillStyle = theme.selection; ctx.fillRect(0, rowY(r), this.width, ROW_HEIGHT); }
      else if (r % 2 === 1) { ctx.fillStyle = theme.stripe; ctx.fillRect(0, rowY(r), this.width, ROW_HEIGHT); }
    }
    ctx.save();
    ctx.beginPath();
    ctx.rect(labelWidth, HEADER, plotWidth, this.height - HEADER);
    ctx.clip();
    // Grid lines at the ticks.
    const step = tickStep(this.msPerPx, 90);
    ctx.strokeStyle = theme.grid;
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (let t = Math.ceil(tLeft / step) * step; t <= tRight; t += step) {
      const x = Math.round(xOf(t)) + 0.5;
      ctx.moveTo(x, HEADER);
      ctx.lineTo(x, this.height);
    }
    ctx.stroke();

    // Bars, one path per state.
    const barPaths = BAR_STATES.map(() => new Path2D());
    const barCounts = new Uint32Array(BAR_STATES.length);
    for (let b = 0; b < layout.barRow.length; b++) {
      const row = layout.barRow[b]!;
      if (row < firstRow || row > lastRow) continue;
      const start = layout.barStart[b]!;
      const end = layout.barEnd[b]!;
      if (end < tLeft || start > tRight) continue;
      const x0 = Math.max(labelWidth - 2, xOf(start));
      const x1 = Math.min(labelWidth + plotWidth + 2, xOf(end));
      const state = layout.barState[b]!;
      const inset = state === 0 ? 8 : state === 3 ? 7 : 5;
      barPaths[state]!.rect(x0, rowY(row) + inset, Math.max(1, x1 - x0), ROW_HEIGHT - 2 * inset);
      barCounts[state]! += 1;
    }
    BAR_STATES.forEach((state, i) => {
      if (barCounts[i] === 0) return;
      ctx.fillStyle = theme.bars[state];
      ctx.globalAlpha = state === 'complete' ? 0.45 : state === 'open' ? 0.35 : 0.8;
      ctx.fill(barPaths[i]!);
    });
    ctx.globalAlpha = 1;

    // Marks: at most one per pixel column per row, grouped by primitive into one path each.
    const paths = layout.primitives.map(() => new Path2D());
    const used = new Uint8Array(layout.primitives.length);
    for (let r = firstRow; r <= lastRow; r++) {
      const end = layout.rowStart[r + 1]!;
      const y = rowY(r) + 4;
      let lastX = -1;
      for (let m = this.lowerBound(r, tLeft - 3 * this.msPerPx); m < end; m++) {
        const t = layout.markTs[m]!;
        if (t > tRight + 3 * this.msPerPx) break;
        const x = Math.floor(xOf(t));
        if (x === lastX) continue;
        lastX = x;
        const p = layout.markPrimitive[m]!;
        paths[p]!.rect(x - 1, y, MARK_WIDTH, ROW_HEIGHT - 8);
        used[p] = 1;
      }
    }
    layout.primitives.forEach((primitive, p) => {
      if (!used[p]) return;
      ctx.fillStyle = theme.primitive(primitive);
      ctx.fill(paths[p]!);
    });
    if (this.selectedMark >= 0 && selectedRow >= firstRow && selectedRow <= lastRow) {
      const x = xOf(layout.markTs[this.selectedMark]!);
      ctx.strokeStyle = theme.accent;
      ctx.lineWidth = 2;
      ctx.strokeRect(x - 4, rowY(selectedRow) + 1.5, 8, ROW_HEIGHT - 3);
    }
    ctx.restore();

    // Labels column.
    ctx.fillStyle = theme.labelBackground;
    ctx.fillRect(0, HEADER, labelWidth, this.height - HEADER);
    ctx.font = '12px system-ui, sans-serif';
    ctx.textBaseline = 'middle';
    ctx.save();
    ctx.beginPath();
    ctx.rect(0, HEADER, labelWidth - 6, this.height - HEADER);
    ctx.clip();
    for (let r = firstRow; r <= lastRow; r++) {
      const row = layout.rows[r]!;
      ctx.fillStyle = row.kind === 'other' ? theme.muted : theme.text;
      const indent = 8 + Math.min(row.depth, 12) * 12;
      ctx.fillText(`${row.depth > 0 ? '└ ' : ''}${row.label}`, indent, rowY(r) + ROW_HEIGHT / 2);
    }
    ctx.restore();
    ctx.strokeStyle = theme.grid;
    ctx.beginPath();
    ctx.moveTo(labelWidth + 0.5, 0);
    ctx.lineTo(labelWidth + 0.5, this.height);
    ctx.stroke();

    // Time axis.
    ctx.fillStyle = theme.labelBackground;
    ctx.fillRect(0, 0, this.width, HEADER);
    ctx.fillStyle = theme.muted;
    ctx.textBaseline = 'middle';
    for (let t = Math.ceil(tLeft / step) * step; t <= tRight; t += step) {
      const x = xOf(t);
      if (x < labelWidth) continue;
      ctx.fillText(tickLabel(t, step), x + 3, HEADER / 2);
    }
    ctx.fillStyle = theme.text;
    ctx.fillText(`${layout.rows.length} ${layout.grouping === 'task' ? 'tasks' : 'agents'} · ${layout.markTs.length} events (UTC)`, 8, HEADER / 2);
    ctx.strokeStyle = theme.grid;
    ctx.beginPath();
    ctx.moveTo(0, HEADER - 0.5);
    ctx.lineTo(this.width, HEADER - 0.5);
    ctx.stroke();
    if (this.firstRenderAt === null && layout.markTs.length > 0) this.firstRenderAt = performance.now();
  }
}
