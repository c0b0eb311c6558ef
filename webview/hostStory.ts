/**
 * The host's story, the detail pane's top: what the host does under inspection (its category, the
 * pinning verdict, its counts and apps), its connections to pick from — the most telling one (the latest
 * breaking) is chosen when the host is — and the chosen connection's detail below (`detailView.ts`).
 */
import { categoryLabel } from '../src/shared/categoryLabels';
import type { ConnectionRow } from '../src/shared/protocol';
import { isBreakage } from '../src/shared/vocabulary';
import { el } from './dom';
import { hostCategory, type HostEntry } from './hosts';
import { countsText, formatTime, pinningLabel } from './rowViews';

/** The connections listed in the story; the rest are in the list (expand the host). */
const LISTED = 50;

/** The connection that tells why a host breaks: its newest breaking one, else its newest unreachable or mismatched one, else its newest. */
export function mostTelling(host: HostEntry): ConnectionRow | undefined {
  const connections = host.connections;
  return (
    connections.find((r) => isBreakage(r.category)) ??
    connections.find((r) => r.category === 'upstream-failed' || r.category === 'tls-mismatch') ??
    connections[0]
  );
}

interface StoryCallbacks {
  /** Another of the host's connections was picked. */
  pick(id: number): void;
  /** "Open in Editor"; absent where the story already is in an editor of its own. */
  openInEditor?: () => void;
  /** "Open in Wireshark…" for every connection of the host; absent where the panel offers no export. */
  openInWireshark?: () => void;
}

function storyButton(label: string, action: string, title: string, onClick: (() => void) | undefined): HTMLElement[] {
  if (!onClick) return [];
  const b = el('button', { type: 'button', class: 'secondary', 'data-action': action, title }, label);
  b.addEventListener('click', onClick);
  return [b];
}

function connectionButton(row: ConnectionRow, selected: boolean, pick: (id: number) => void): HTMLElement {
  const broken = isBreakage(row.category);
  const pin = pinningLabel(row.pinning, row.confirmed, broken);
  const button = el(
    'button',
    {
      type: 'button',
      class: `story-connection${selected ? ' selected' : ''}`,
      'data-id': String(row.id),
      'aria-pressed': String(selected),
    },
    el('span', { class: 'time' }, formatTime(row.startedAt)),
    el('span', { class: `badge cat-${row.category ?? 'live'}` }, categoryLabel(row.category)),
    el('span', { class: 'story-port' }, `:${row.port}`),
    el('span', { class: 'muted' }, `${pin ? `${pin} · ` : ''}${Math.round(row.durationMs)} ms${row.app ? ` · ${row.app}` : ''}`),
  );
  button.addEventListener('click', () => pick(row.id));
  return button;
}

/** The host's summary and its connections; `selectedId` is the one whose detail follows. */
export function hostStory(host: HostEntry, selectedId: number, callbacks: StoryCallbacks): HTMLElement {
  const category = hostCategory(host);
  const broken = host.broken > 0;
  const pinning = pinningLabel(host.pinning, host.confirmed, broken);
  const apps = [...new Set(host.connections.map((r) => r.app).filter((a): a is string => Boolean(a)))];
  const listed = host.connections.slice(0, LISTED);
  return el(
    'section',
    { class: 'host-story', 'aria-label': `Host ${host.key}` },
    el(
      'div',
      { class: 'story-title' },
      el('h2', {}, host.key),
      ...storyButton(
        'Open host in Wireshark…',
        'wireshark-host',
        'Every captured connection of this host as one pcapng, TLS secrets inside',
        callbacks.openInWireshark,
      ),
      ...storyButton('Open in Editor', 'open-in-editor', 'Open this detail in an editor tab of its own', callbacks.openInEditor),
    ),
    el(
      'p',
      { class: 'host-verdict' },
      el('span', { class: `badge cat-${category ?? 'live'}` }, categoryLabel(category)),
      ...(pinning ? [' ', el('span', { class: `badge pin-${host.confirmed ? 'confirmed' : (host.pinning ?? 'none')}` }, pinning)] : []),
      ' ',
      el('span', { class: 'muted' }, countsText(host)),
    ),
    ...(apps.length ? [el('p', { class: 'host-apps' }, `${apps.length === 1 ? 'App' : 'Apps'}: ${apps.join(', ')}`)] : []),
    el(
      'details',
      { class: 'story-connections', ...(host.connections.length > 1 ? { open: '' } : {}) },
      el(
        'summary',
        {},
        host.connections.length > LISTED
          ? `Connections (newest ${LISTED} of ${host.connections.length}; the rest under the host in the list)`
          : `Connections (${host.connections.length})`,
      ),
      el(
        'div',
        { class: 'story-list', role: 'group', 'aria-label': `Connections to ${host.key}` },
        ...listed.map((row) => connectionButton(row, row.id === selectedId, (id) => callbacks.pick(id))),
      ),
    ),
  );
}
