/** The rows of the list: a host (hosts view), a group header (connections view), and a connection. */
import { categoryLabel } from '../src/shared/categoryLabels';
import type { ConnectionRow, WebviewMessage } from '../src/shared/protocol';
import { CATEGORIES, isBreakage } from '../src/shared/vocabulary';
import { el } from './dom';
import { hostCategory, type HostEntry } from './hosts';
import { strip } from './timelineView';

export type ListItem =
  | { readonly kind: 'host'; readonly host: HostEntry; readonly expanded: boolean }
  | { readonly kind: 'group'; readonly key: string; readonly count: number; readonly broken: number; readonly expanded: boolean }
  | { readonly kind: 'row'; readonly row: ConnectionRow; readonly level: 1 | 2 };

/** What a host row's buttons need from the inspector. */
export interface HostActions {
  post(message: WebviewMessage): void;
  isChosen(host: string): boolean;
  toggleChosen(host: string): void;
  /** A recording: no tunnel, intercept or confirm. */
  readOnly(): boolean;
  /** The host's mode as the extension says it is now (a choice, pinscope.tunnelHosts), else `seen`. */
  modeOf(host: string, seen: HostEntry['mode']): HostEntry['mode'];
}

export function formatTime(at: number): string {
  return new Date(at).toLocaleTimeString(undefined, { hour12: false });
}

export function pinningLabel(pinning: ConnectionRow['pinning'], confirmed: boolean, broken: boolean): string {
  if (!broken) return '';
  if (confirmed) return 'breaks only under inspection ✓';
  return pinning ? `pinning ${pinning}` : '';
}

function categoryBadge(category: ConnectionRow['category']): HTMLElement {
  return el('span', { class: `badge cat-${category ?? 'live'}`, role: 'gridcell' }, categoryLabel(category));
}

function pinningBadge(pinning: ConnectionRow['pinning'], confirmed: boolean, broken: boolean): HTMLElement {
  if (confirmed && broken) {
    // The long words where there is room, the short ones in a narrow panel (a container query picks).
    return el(
      'span',
      {
        class: 'badge pin-confirmed',
        role: 'gridcell',
        title: 'Confirmed by tunnelling: this host works untouched and breaks only when inspected',
      },
      el('span', { class: 'long' }, 'only under inspection ✓'),
      el('span', { class: 'short' }, 'inspection only ✓'),
    );
  }
  return el('span', { class: `badge pin-${pinning ?? 'none'}`, role: 'gridcell' }, pinningLabel(pinning, confirmed, broken));
}

export function countsText(host: HostEntry): string {
  const parts: string[] = [];
  for (const category of [...CATEGORIES, 'live' as const]) {
    const n = host.counts.get(category);
    if (n) parts.push(`${n} ${category === 'live' ? 'in progress' : categoryLabel(category)}`);
  }
  const total = host.connections.length;
  return `${total} ${total === 1 ? 'connection' : 'connections'}: ${parts.join(', ')}`;
}

function actionButton(label: string, action: string, onClick: () => void, title: string): HTMLElement {
  const button = el('button', { class: 'row-action', type: 'button', 'data-action': action, title, tabindex: '-1' }, label);
  button.addEventListener('click', (event) => {
    event.stopPropagation();
    onClick();
  });
  return button;
}

/** One app as it is named ("Code terminal › curl"); several by their programs ("curl, node"), each named in full in the tooltip and the host's story. */
export function appsText(apps: readonly string[]): string {
  if (apps.length <= 1) return apps[0] ?? '';
  return [...new Set(apps.map((app) => app.split('›').pop()?.trim() ?? app))].join(', ');
}

/** The actions that apply to a host given what the proxy does with it now and what its connections did. */
export function hostActionButtons(
  key: string,
  mode: HostEntry['mode'],
  breaks: boolean,
  confirmed: boolean,
  unreachable: boolean,
  actions: HostActions,
): HTMLElement[] {
  const buttons: HTMLElement[] = [];
  mode = actions.readOnly() ? 'http' : actions.modeOf(key, mode);
  if (mode === 'intercept') {
    if (breaks && !confirmed)
      buttons.push(
        actionButton(
          'Confirm',
          'confirm',
          () => actions.post({ type: 'confirmHost', host: key }),
          'Confirm by tunnelling: the next connections to this host are relayed untouched',
        ),
      );
    buttons.push(
      actionButton('Tunnel', 'tunnel', () => actions.post({ type: 'tunnelHost', host: key }), 'Relay this host untouched from now on'),
    );
  } else if (mode === 'tunnel') {
    buttons.push(
      actionButton('Intercept', 'intercept', () => actions.post({ type: 'interceptHost', host: key }), 'Inspect this host again'),
    );
  }
  if (breaks && !unreachable) {
    const chosen = actions.isChosen(key);
    buttons.push(
      actionButton(
        chosen ? 'Exempted ✓' : 'Exempt',
        'choose',
        () => actions.toggleChosen(key),
        chosen ? 'Remove from the exemption request' : 'Add to the exemption request',
      ),
    );
  }
  return buttons;
}

export function renderHost(item: Extract<ListItem, { kind: 'host' }>, active: boolean, actions: HostActions): HTMLElement {
  const host = item.host;
  const category = hostCategory(host);
  const breaks = host.broken > 0;
  const unreachable = !breaks && host.counts.has('upstream-failed');
  const counts = countsText(host);
  return el(
    'div',
    {
      class: `host-row${active ? ' active' : ''}${breaks ? ' breaks' : ''}${host.pinning === 'likely' ? ' row-pin-likely' : ''}`,
      role: 'row',
      'aria-level': '1',
      'aria-expanded': String(item.expanded),
      'data-host': host.key,
    },
    el('span', { class: 'twisty', 'aria-hidden': 'true' }, item.expanded ? '▾' : '▸'),
    el('span', { class: 'host', role: 'gridcell', title: host.key }, host.key),
    categoryBadge(category),
    pinningBadge(host.pinning, host.confirmed, breaks),
    el('span', { class: 'app', role: 'gridcell', title: host.apps.join('\n') }, appsText(host.apps)),
    el(
      'span',
      { class: 'counts', role: 'gridcell', title: counts },
      `${host.connections.length}${host.broken ? ` · ${host.broken} broke` : ''}`,
    ),
    el(
      'span',
      { class: 'time', role: 'gridcell', title: `last seen ${new Date(host.lastSeen).toLocaleString()}` },
      formatTime(host.lastSeen),
    ),
    el(
      'span',
      { class: 'host-actions', role: 'gridcell' },
      ...hostActionButtons(host.key, host.mode, breaks, host.confirmed, unreachable, actions),
    ),
  );
}

/** The column names above the list, on the list's grid (hosts view or connections). */
export function columnHeader(view: 'hosts' | 'connections'): HTMLElement {
  const cell = (text: string, cls: string): HTMLElement => el('span', { class: cls, role: 'columnheader' }, text);
  if (view === 'hosts') {
    return el(
      'div',
      { class: 'column-header hosts-columns', role: 'row', 'aria-hidden': 'true' },
      cell('', 'twisty'),
      cell('Host', 'host'),
      cell('Verdict', 'verdict-col'),
      cell('Pinning', 'pinning-col'),
      cell('App', 'app'),
      cell('Connections', 'counts'),
      cell('Seen', 'time'),
      cell('Actions', 'host-actions'),
    );
  }
  return el(
    'div',
    { class: 'column-header rows-columns', role: 'row', 'aria-hidden': 'true' },
    cell('Time', 'time'),
    cell('Host', 'host'),
    cell('Verdict', 'verdict-col'),
    cell('Pinning', 'pinning-col'),
    cell('Took', 'duration'),
    cell('Handshake', 'strip-col'),
  );
}

export function renderGroup(item: Extract<ListItem, { kind: 'group' }>, active: boolean): HTMLElement {
  return el(
    'div',
    {
      class: `group${item.broken ? ' broken' : ''}${active ? ' active' : ''}`,
      role: 'row',
      'aria-level': '1',
      'aria-expanded': String(item.expanded),
      'data-group': item.key,
    },
    el('span', { class: 'twisty', 'aria-hidden': 'true' }, item.expanded ? '▾' : '▸'),
    el('span', { class: 'group-key', role: 'gridcell' }, item.key),
    el('span', { class: 'count', role: 'gridcell' }, `${item.count} connections${item.broken ? `, ${item.broken} broke` : ''}`),
  );
}

export function renderConnection(item: Extract<ListItem, { kind: 'row' }>, active: boolean, selected: boolean): HTMLElement {
  const row = item.row;
  const broken = isBreakage(row.category);
  const name = `${row.sni ?? row.host}:${row.port}`;
  const stepsTitle = `${row.steps.map((s) => `${s.label} ${s.t.toFixed(1)} ms`).join(' → ')} · ${Math.round(row.durationMs)} ms · ↑${row.bytesFromClient} B ↓${row.bytesToClient} B`;
  return el(
    'div',
    {
      class: `row level-${item.level}${selected ? ' selected' : ''}${active ? ' active' : ''}${row.pinning === 'likely' && broken ? ' row-pin-likely' : ''}`,
      role: 'row',
      'aria-level': String(item.level),
      'aria-selected': String(selected),
      'data-id': String(row.id),
    },
    el('span', { class: 'time', role: 'gridcell' }, formatTime(row.startedAt)),
    el('span', { class: 'host', role: 'gridcell', title: name }, name),
    categoryBadge(row.category),
    pinningBadge(row.pinning, row.confirmed, broken),
    el('span', { class: 'duration', role: 'gridcell' }, `${Math.round(row.durationMs)} ms`),
    strip(row.steps, stepsTitle, row.category),
  );
}
