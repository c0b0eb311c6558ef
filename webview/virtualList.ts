/**
 * A virtualized tree grid of fixed-height rows: only the rows in view exist in the DOM. The grid
 * itself holds focus and points at the active row with `aria-activedescendant`, so keyboard
 * navigation survives rows being recycled: arrows, Home/End and Page keys move the active row; every
 * other key, and a click, goes to the owner with the active item.
 */
import { el } from './dom';

const ROW_HEIGHT = 28;
const OVERSCAN = 8;
const MOVES: Readonly<Record<string, (index: number, page: number, last: number) => number>> = {
  ArrowDown: (i) => i + 1,
  ArrowUp: (i) => i - 1,
  PageDown: (i, page) => i + page,
  PageUp: (i, page) => i - page,
  Home: () => 0,
  End: (_i, _page, last) => last,
};

export interface ListCallbacks<T> {
  render(item: T, active: boolean): HTMLElement;
  /** A key the list does not handle itself (Enter, Escape, arrows left and right), on the active item. */
  key(key: string, item: T, index: number): boolean;
  /** `target`: what was clicked inside the item's row (a twisty, a cell). */
  click(item: T, index: number, target: Element): void;
}

export class VirtualList<T> {
  readonly element = el('div', { class: 'list', role: 'treegrid', 'aria-label': 'Connections', tabindex: '0' });
  private readonly spacer = el('div', { class: 'spacer' });
  private readonly viewport = el('div', { class: 'viewport', role: 'presentation' });
  private items: readonly T[] = [];
  private frame = 0;
  private active = -1;

  constructor(private readonly callbacks: ListCallbacks<T>) {
    this.element.append(this.spacer);
    this.spacer.append(this.viewport);
    this.element.addEventListener('scroll', () => this.schedule(), { passive: true });
    this.element.addEventListener('keydown', (event) => this.onKey(event));
    // On mousedown, delegated: rows are redrawn while live updates arrive, and a click whose mousedown
    // and mouseup landed on two generations of the same row would be lost. Buttons keep their clicks.
    this.element.addEventListener('mousedown', (event) => this.onPointer(event));
    this.element.addEventListener('focus', () => {
      if (this.active < 0 && this.items.length) this.setActive(0);
    });
    new ResizeObserver(() => this.schedule()).observe(this.element);
  }

  get length(): number {
    return this.items.length;
  }

  itemAt(index: number): T | undefined {
    return this.items[index];
  }

  setItems(items: readonly T[]): void {
    this.items = items;
    if (this.active >= items.length) this.active = items.length - 1;
    this.spacer.style.height = `${items.length * ROW_HEIGHT}px`;
    this.schedule();
  }

  /** Makes an item the active one and scrolls it into view. */
  setActive(index: number): void {
    if (!this.items.length) return;
    this.active = Math.max(0, Math.min(this.items.length - 1, index));
    const top = this.active * ROW_HEIGHT;
    const view = this.element.clientHeight || 600;
    if (top < this.element.scrollTop) this.element.scrollTop = top;
    else if (top + ROW_HEIGHT > this.element.scrollTop + view) this.element.scrollTop = top + ROW_HEIGHT - view;
    this.schedule();
  }

  rerender(): void {
    this.schedule();
  }

  private onKey(event: KeyboardEvent): void {
    if (event.target !== this.element || !this.items.length) return;
    const move = MOVES[event.key];
    if (move) {
      const page = Math.max(1, Math.floor((this.element.clientHeight || 600) / ROW_HEIGHT) - 1);
      this.setActive(move(Math.max(this.active, 0), page, this.items.length - 1));
      event.preventDefault();
      return;
    }
    const item = this.items[this.active];
    if (item !== undefined && this.callbacks.key(event.key, item, this.active)) event.preventDefault();
  }

  private onPointer(event: MouseEvent): void {
    if (event.button !== 0 || !(event.target instanceof Element) || event.target.closest('button')) return;
    const index = Number(event.target.closest('[id^="item-"]')?.id.slice('item-'.length) ?? NaN);
    const item = this.items[index];
    if (item === undefined) return;
    this.active = index;
    this.callbacks.click(item, index, event.target);
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
    const nodes: HTMLElement[] = [];
    for (let index = first; index < last; index++) {
      const item = this.items[index] as T;
      const node = this.callbacks.render(item, index === this.active);
      node.id = `item-${index}`;
      node.setAttribute('aria-rowindex', String(index + 1));
      nodes.push(node);
    }
    this.viewport.replaceChildren(...nodes);
    if (this.active >= 0 && this.active < this.items.length) this.element.setAttribute('aria-activedescendant', `item-${this.active}`);
    else this.element.removeAttribute('aria-activedescendant');
    this.element.setAttribute('aria-rowcount', String(this.items.length));
  }
}
