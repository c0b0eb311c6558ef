/**
 * The bar between the list and the detail: dragged (or moved with the arrow keys) it sets the list's
 * share of the panes, kept in the view state. The panes sit side by side when the panel is wide enough,
 * or wide and short (an editor above a terminal); else the detail goes below the list.
 */
import { el } from './dom';

/** Keep in step with the media query of `.panes` in media/inspector.css. */
const SIDE_BY_SIDE = '(min-width: 1100px), (min-width: 860px) and (max-height: 620px)';
const MIN = 0.15;
const MAX = 0.85;
const STEP = 0.05;

export function splitter(panes: HTMLElement, initial: number | null, save: (fraction: number) => void): HTMLElement {
  const bar = el('div', { class: 'splitter', role: 'separator', tabindex: '0', 'aria-label': 'Resize the list and the detail' });
  const wide = window.matchMedia(SIDE_BY_SIDE);
  let fraction = initial;
  const apply = (): void => {
    bar.setAttribute('aria-orientation', wide.matches ? 'vertical' : 'horizontal');
    if (fraction === null) {
      panes.style.removeProperty('--list-size');
      bar.removeAttribute('aria-valuenow');
      return;
    }
    panes.style.setProperty('--list-size', `${(fraction * 100).toFixed(1)}%`);
    bar.setAttribute('aria-valuenow', String(Math.round(fraction * 100)));
  };
  const set = (value: number): void => {
    fraction = Math.min(MAX, Math.max(MIN, value));
    apply();
  };
  const current = (): number => {
    if (fraction !== null) return fraction;
    const list = panes.firstElementChild?.getBoundingClientRect();
    const all = panes.getBoundingClientRect();
    if (!list) return 0.5;
    return wide.matches ? list.width / Math.max(1, all.width) : list.height / Math.max(1, all.height);
  };
  bar.addEventListener('pointerdown', (event) => {
    event.preventDefault();
    bar.setPointerCapture(event.pointerId);
    bar.classList.add('dragging');
  });
  bar.addEventListener('pointermove', (event) => {
    if (!bar.hasPointerCapture(event.pointerId)) return;
    const all = panes.getBoundingClientRect();
    set(wide.matches ? (event.clientX - all.left) / Math.max(1, all.width) : (event.clientY - all.top) / Math.max(1, all.height));
  });
  const finish = (event: PointerEvent): void => {
    if (!bar.hasPointerCapture(event.pointerId)) return;
    bar.releasePointerCapture(event.pointerId);
    bar.classList.remove('dragging');
    if (fraction !== null) save(fraction);
  };
  bar.addEventListener('pointerup', finish);
  bar.addEventListener('pointercancel', finish);
  bar.addEventListener('keydown', (event) => {
    const delta = { ArrowLeft: -STEP, ArrowUp: -STEP, ArrowRight: STEP, ArrowDown: STEP }[event.key];
    if (delta === undefined) return;
    event.preventDefault();
    set(current() + delta);
    if (fraction !== null) save(fraction);
  });
  wide.addEventListener('change', apply);
  apply();
  return bar;
}
