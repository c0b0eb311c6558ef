/** The handshake strip of a row: its first steps, each whole (steps that do not fit wrap out of view). */
import type { StripStep } from '../src/shared/protocol';
import type { Category } from '../src/shared/vocabulary';
import type { EventKind } from '../src/shared/timelineEvents';
import { el } from './dom';

const STEP_CLASS: Readonly<Partial<Record<EventKind, string>>> = {
  'client-hello': 'step-hello',
  'forged-certificate': 'step-cert',
  'handshake-complete': 'step-done',
  'first-data': 'step-data',
  'client-alert': 'step-bad',
  rst: 'step-bad',
  timeout: 'step-bad',
  fin: 'step-close',
  'close-notify': 'step-close',
  'upstream-failed': 'step-bad',
  'not-tls': 'step-other',
  'tls-error': 'step-bad',
};

/** A connection that worked ends as it may (a tunnel torn down with RST is how many clients close): not in red. */
const ENDS_WELL: ReadonlySet<Category | null> = new Set(['ok', 'not-tls']);

export function strip(steps: readonly StripStep[], title: string, category: Category | null): HTMLElement {
  const container = el('span', { class: 'strip', role: 'gridcell', title });
  steps.forEach((step, index) => {
    const tone = step.kind === 'rst' && ENDS_WELL.has(category) ? 'step-close' : (STEP_CLASS[step.kind] ?? 'step-other');
    container.append(el('span', { class: `step ${tone}${index > 0 ? ' after' : ''}` }, step.label));
  });
  return container;
}
