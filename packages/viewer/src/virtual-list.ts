/**
 * A list that keeps only its visible rows in the DOM, so 100,000 entries scroll like 20. Rows are
 * fetched through `row(index)`, which may answer later (`update()` redraws once they arrive).
 */
export class VirtualList {
  readonly element: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly window: HTMLElement;
  private count = 0;
  private active = -1;
  private pending = false;

  constructor(
    private readonly rowHeight: number,
    private readonly row: (index: number, element: HTMLElement) => void,
    private readonly onActivate: (index: number) => void,
    label: string,
  ) {
    this.element = document.createElement('div');
    this.element.className = 'virtual-list';
    this.element.tabIndex = 0;
    this.element.setAttribute('role', 'listbox');
    this.element.setAttribute('aria-label', label);
    this.spacer = document.createElement('div');
    this.spacer.className = 'virtual-spacer';
    this.window = document.createElement('div');
    this.window.className = 'virtual-window';
    this.spacer.append(this.window);
    this.element.append(this.spacer);
    this.element.addEventListener('scroll', () => this.update());
    this.element.addEventListener('click', (event) => {
      const target = (event.target as HTMLElement).closest<HTMLElement>('[data-index]');
      if (target) this.activate(Number(target.dataset.index));
    });
    this.element.addEventListener('keydown', (event) => {
      if (event.key === 'ArrowDown' || event.key === 'j') this.move(1, event);
      else if (event.key === 'ArrowUp' || event.key === 'k') this.move(-1, event);
      else if (event.key === 'PageDown') this.move(Math.floor(this.element.clientHeight / this.rowHeight), event);
      else if (event.key === 'PageUp') this.move(-Math.floor(this.element.clientHeight / this.rowHeight), event);
      else if (event.key === 'Enter' && this.active >= 0) { event.preventDefault(); event.stopPropagation(); this.onActivate(this.active); }
    });
    new ResizeObserver(() => this.update()).observe(this.element);
  }

  get size(): number {
    return this.count;
  }

  setCount(count: number): void {
    this.count = count;
    this.spacer.style.height = `${count * this.rowHeight}px`;
    if (this.active >= count) this.active = -1;
    this.update();
  }

  /** Marks a row as the current one and scrolls it into view (without activating it). */
  setActive(index: number): void {
    this.active = index;
    if (index >= 0) {
      const top = index * this.rowHeight;
      if (top < this.element.scrollTop) this.element.scrollTop = top;
      else if (top + this.rowHeight > this.element.scrollTop + this.element.clientHeight) this.element.scrollTop = top + this.rowHeight - this.element.clientHeight;
    }
    this.update();
  }

  update(): void {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.render();
    });
  }

  private activate(index: number): void {
    this.setActive(index);
    this.onActivate(index);
  }

  private move(delta: number, event: KeyboardEvent): void {
    event.preventDefault();
    event.stopPropagation();
    if (this.count === 0) return;
    this.activate(Math.max(0, Math.min(this.count - 1, (this.active < 0 ? -1 : this.active) + delta)));
  }

  private render(): void {
    const first = Math.max(0, Math.floor(this.element.scrollTop / this.rowHeight) - 5);
    const last = Math.min(this.count, Math.ceil((this.element.scrollTop + this.element.clientHeight) / this.rowHeight) + 5);
    this.window.style.transform = `translateY(${first * this.rowHeight}px)`;
    const rows: HTMLElement[] = [];
    for (let i = first; i < last; i++) {
      const element = document.createElement('div');
      element.className = i === this.active ? 'virtual-row active' : 'virtual-row';
      element.dataset.index = String(i);
      element.setAttribute('role', 'option');
      element.style.height = `${this.rowHeight}px`;
      this.row(i, element);
      rows.push(element);
    }
    this.window.replaceChildren(...rows);
  }
}
