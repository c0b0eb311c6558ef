/** A virtualized list of fixed-height rows: only the rows in view exist in the DOM. */
import type { ConnectionRow } from '../src/shared/protocol';
import { el } from './dom';

export type ListItem = { kind: 'row'; row: ConnectionRow } | { kind: 'group'; key: string; count: number; broken: number };

const ROW_HEIGHT = 28;
const OVERSCAN = 8;

export class VirtualList {
  readonly element = el('div', { class: 'list', role: 'grid', 'aria-label': 'Connections', tabindex: '0' });
  private readonly spacer = el('div', { class: 'spacer' });
  private readonly viewport = el('div', { class: 'viewport' });
  private items: readonly ListItem[] = [];
  private frame = 0;

  constructor(private readonly render: (item: ListItem) => HTMLElement) {
    this.element.append(this.spacer);
    this.spacer.append(this.viewport);
    this.element.addEventListener('scroll', () => this.schedule(), { passive: true });
    new ResizeObserver(() => this.schedule()).observe(this.element);
  }

  get length(): number {
    return this.items.length;
  }

  setItems(items: readonly ListItem[]): void {
    this.items = items;
    this.spacer.style.height = `${items.length * ROW_HEIGHT}px`;
    this.schedule();
  }

  rerender(): void {
    this.schedule();
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  private draw(): void {
    const top = this.element.scrollTop;
    const height = this.element.clientHeight || 600;
    const first = Math.max(0, Math.floor(top / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(this.items.length, Math.ceil((top + height) / ROW_HEIGHT) + OVERSCAN);
    this.viewport.style.transform = `translateY(${first * ROW_HEIGHT}px)`;
    this.viewport.replaceChildren(...this.items.slice(first, last).map((item) => this.render(item)));
  }
}
