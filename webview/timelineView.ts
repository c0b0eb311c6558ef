/** The handshake strip of a row, and the full to-scale timeline of the selected connection. */
import type { ConnectionDetail, StripStep } from '../src/shared/protocol';
import { el } from './dom';

const STEP_CLASS: Readonly<Record<string, string>> = {
  'client-hello': 'step-hello', 'forged-certificate': 'step-cert', 'handshake-complete': 'step-done', 'first-data': 'step-data',
  'client-alert': 'step-bad', rst: 'step-bad', timeout: 'step-bad', fin: 'step-close', 'close-notify': 'step-close',
  'upstream-failed': 'step-bad', 'not-tls': 'step-other', 'tls-error': 'step-bad',
};

export function strip(steps: readonly StripStep[]): HTMLElement {
  const container = el('span', { class: 'strip' });
  steps.forEach((step, index) => {
    if (index > 0) container.append(el('span', { class: 'arrow', 'aria-hidden': 'true' }, '→'));
    container.append(el('span', { class: `step ${STEP_CLASS[step.kind] ?? 'step-other'}`, title: `${step.label} at ${step.t.toFixed(1)} ms` }, step.label));
  });
  return container;
}

/** Events on a horizontal axis drawn to scale, each labelled with its time in ms. */
export function fullTimeline(detail: ConnectionDetail): HTMLElement {
  const events = detail.events;
  const end = Math.max(1, ...events.map((e) => e.t));
  const axis = el('div', { class: 'timeline', role: 'list', 'aria-label': 'Handshake timeline' });
  for (const event of events) {
    const left = (event.t / end) * 100;
    const mark = el('div', { class: `mark ${STEP_CLASS[event.kind] ?? 'step-other'}`, role: 'listitem' });
    mark.style.left = `calc(${left.toFixed(2)}% - 1px)`;
    mark.append(el('span', { class: 'mark-label' }, `${event.kind} ${event.t.toFixed(1)} ms`));
    axis.append(mark);
  }
  return el('div', { class: 'timeline-wrap' }, axis, el('div', { class: 'timeline-scale' }, el('span', {}, '0 ms'), el('span', {}, `${end.toFixed(1)} ms`)));
}
