/** The handshake strip of a row, and the full to-scale timeline of the selected connection. */
import { eventLabels } from '../src/shared/eventLabels';
import type { ConnectionDetail, StripStep } from '../src/shared/protocol';
import type { EventKind } from '../src/shared/timelineEvents';
import { el } from './dom';

const STEP_CLASS: Readonly<Partial<Record<EventKind, string>>> = {
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

/** One line per event: its name, a track with the event placed to scale, and its time in ms. */
export function fullTimeline(detail: ConnectionDetail): HTMLElement {
  const events = detail.events;
  const end = Math.max(1, ...events.map((e) => e.t));
  const list = el('ol', { class: 'timeline', 'aria-label': `Handshake timeline, ${end.toFixed(1)} ms in all` });
  for (const event of events) {
    const dot = el('span', { class: `dot ${STEP_CLASS[event.kind] ?? 'step-other'}` });
    dot.style.left = `${((event.t / end) * 100).toFixed(2)}%`;
    list.append(el('li', { class: 'event' }, el('span', { class: 'event-kind' }, eventLabels(event).timeline), el('span', { class: 'track' }, dot), el('span', { class: 'event-time' }, `${event.t.toFixed(1)} ms`)));
  }
  return list;
}
