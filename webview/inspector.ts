/**
 * The inspector's state and rendering: header, filters, the list (hosts first, or every connection),
 * the empty and stopped states, and the detail pane.
 */
import { CATEGORY_LABELS } from '../src/shared/categoryLabels';
import { dispatch, type ConnectionDetail, type ConnectionRow, type HostMessage, type MessageHandlers, type ProxyState, type WebviewMessage } from '../src/shared/protocol';
import { CATEGORIES, DEFAULT_MAX_CONNECTIONS_KEPT, isBreakage, type Category } from '../src/shared/vocabulary';
import { renderDetail } from './detailView';
import { el } from './dom';
import { hostStory, mostTelling } from './hostStory';
import { aggregateHosts, hostKey, type HostEntry } from './hosts';
import { appsText, columnHeader, renderConnection, renderGroup, renderHost, type HostActions, type ListItem } from './rowViews';
import { splitter } from './splitter';
import { TAGS } from './toolkit';
import { VirtualList } from './virtualList';

export interface ViewState {
  view: 'hosts' | 'connections';
  filter: string;
  category: Category | 'all';
  onlyBreakage: boolean;
  groupBy: 'none' | 'host' | 'domain';
  selectedId: number | null;
  /** The host whose story the detail tells (the selected connection's). */
  selectedHost: string | null;
  /** The host was chosen, not one of its connections: its most telling connection is shown as it changes. */
  follow: boolean;
  /** The list's share of the panes, once the splitter was moved. */
  split: number | null;
  chosenHosts: string[];
  expanded: string[];
}

const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((h): h is string => typeof h === 'string') : []);

function initialState(saved: unknown): ViewState {
  const base: ViewState = { view: 'hosts', filter: '', category: 'all', onlyBreakage: false, groupBy: 'none', selectedId: null, selectedHost: null, follow: false, split: null, chosenHosts: [], expanded: [] };
  if (typeof saved !== 'object' || saved === null) return base;
  const s = saved as Partial<Record<keyof ViewState, unknown>>;
  return {
    view: s.view === 'connections' ? 'connections' : 'hosts',
    filter: typeof s.filter === 'string' ? s.filter : base.filter,
    category: s.category === 'all' || CATEGORIES.includes(s.category as Category) ? (s.category as ViewState['category']) : 'all',
    onlyBreakage: s.onlyBreakage === true,
    groupBy: s.groupBy === 'host' || s.groupBy === 'domain' ? s.groupBy : 'none',
    selectedId: typeof s.selectedId === 'number' ? s.selectedId : null,
    selectedHost: typeof s.selectedHost === 'string' ? s.selectedHost : null,
    follow: s.follow === true,
    split: typeof s.split === 'number' && s.split > 0 && s.split < 1 ? s.split : null,
    chosenHosts: strings(s.chosenHosts),
    expanded: strings(s.expanded),
  };
}

export class Inspector {
  private readonly rows = new Map<number, ConnectionRow>();
  private proxy: ProxyState = { running: false, url: null, headline: 'No connections yet', dropped: 0, kept: DEFAULT_MAX_CONNECTIONS_KEPT };
  private readonly state: ViewState;
  private readonly expanded: Set<string>;
  /** Collapsed groups of the connections view (all groups start open). */
  private readonly collapsedGroups = new Set<string>();
  private detail: ConnectionDetail | null = null;
  private readonly headline = el('h1', { class: 'headline', 'aria-live': 'polite' });
  private readonly status = el('span', { class: 'proxy-status' });
  private readonly list: VirtualList<ListItem>;
  private readonly empty = el('div', { class: 'empty-state', role: 'status' });
  private readonly listPane = el('div', { class: 'list-pane' });
  private readonly columns = el('div', { class: 'columns' });
  private readonly detailPane = el('section', { class: 'detail', 'aria-label': 'Host and connection detail', tabindex: '-1' });
  /** Set in an editor tab of its own ("Open in Editor"): the detail of this connection and its host, nothing else. */
  private readonly detailOnly: boolean;
  private readonly chosen = el('span', { class: 'chosen' });
  private readonly categoryOptions = new Map<Category | 'all', HTMLElement>();
  private readonly actions: HostActions;
  private toggle: HTMLElement | undefined;
  private clearButton: HTMLElement | undefined;
  private groupControl: HTMLElement | undefined;
  private readonly viewButtons = new Map<ViewState['view'], HTMLElement>();

  constructor(root: HTMLElement, private readonly post: (message: WebviewMessage) => void, saved: unknown, private readonly save: (state: ViewState) => void) {
    this.state = initialState(saved);
    const focus = Number(root.dataset['focus'] ?? NaN);
    this.detailOnly = Number.isSafeInteger(focus);
    if (this.detailOnly && this.state.selectedId === null) {
      this.state.selectedId = focus;
      this.state.follow = false;
    }
    root.classList.toggle('detail-only', this.detailOnly);
    this.expanded = new Set(this.state.expanded);
    this.actions = {
      post,
      isChosen: (host) => this.state.chosenHosts.includes(host),
      toggleChosen: (host) => this.toggleChosen(host),
      readOnly: () => this.proxy.recording !== undefined,
      modeOf: (host, seen) => this.proxy.hostModes?.find((m) => m.host === host)?.mode ?? seen,
    };
    this.list = new VirtualList<ListItem>({
      render: (item, active) => this.renderItem(item, active),
      key: (key, item, index) => this.onKey(key, item, index),
      click: (item, _index, target) => {
        if (item.kind === 'host' && target.closest('.twisty')) this.setExpanded(item, !item.expanded);
        else this.activate(item);
      },
    });
    this.detailPane.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') this.list.element.focus();
    });
    this.listPane.append(this.columns, this.list.element, this.empty);
    const panes = el('div', { class: 'panes' }, this.listPane);
    panes.append(splitter(panes, this.state.split, (fraction) => {
      this.state.split = fraction;
      this.persist();
    }), this.detailPane);
    root.append(this.header(), this.filters(), panes);
    this.refresh();
    this.renderDetail();
    if (this.state.selectedId !== null) this.post({ type: 'select', id: this.state.selectedId });
  }

  /** One handler per message from the host (the compiler holds the table to the protocol). */
  private readonly handlers: MessageHandlers<HostMessage, void> = {
    reset: ({ rows, state }) => {
      this.rows.clear();
      this.apply(rows, state);
      // A connection cleared (or no longer kept) is no longer shown.
      if (this.followHost()) return;
      if (this.state.selectedId !== null && !this.rows.has(this.state.selectedId)) {
        this.state.selectedId = null;
        this.state.selectedHost = null;
        this.state.follow = false;
        this.detail = null;
        this.persist();
      }
      this.renderDetail();
    },
    rows: ({ rows, state }) => {
      this.apply(rows, state);
      if (this.followHost()) return;
      if (this.state.selectedId !== null && rows.some((r) => r.id === this.state.selectedId) && !this.detail) this.renderDetail();
      else if (this.state.selectedHost !== null && rows.some((r) => hostKey(r) === this.state.selectedHost)) this.renderDetail();
    },
    detail: ({ detail }) => {
      if (detail.id !== this.state.selectedId) return;
      this.detail = detail;
      this.renderDetail();
    },
    state: ({ state }) => {
      // A host's mode changed (Tunnel, Intercept, pinscope.tunnelHosts) or a recording opened: the actions follow at once.
      const actionsChanged = JSON.stringify([this.proxy.hostModes, this.proxy.recording]) !== JSON.stringify([state.hostModes, state.recording]);
      this.proxy = state;
      this.renderHeader();
      this.renderEmpty(this.list.length);
      if (actionsChanged) {
        this.list.rerender();
        this.renderDetail();
      }
    },
  };

  receive(message: HostMessage): void {
    dispatch(this.handlers, message);
  }

  private apply(rows: readonly ConnectionRow[], state: ProxyState): void {
    for (const row of rows) this.rows.set(row.id, row);
    this.proxy = state;
    // Bounded like the host's store: a panel left open all day does not grow without limit.
    if (this.rows.size > state.kept) {
      const excess = [...this.rows.keys()].sort((a, b) => a - b).slice(0, this.rows.size - state.kept);
      for (const id of excess) this.rows.delete(id);
    }
    this.refresh();
  }

  private persist(): void {
    this.state.expanded = [...this.expanded];
    this.save(this.state);
  }

  private toggleChosen(host: string): void {
    const chosen = this.state.chosenHosts.includes(host);
    this.state.chosenHosts = chosen ? this.state.chosenHosts.filter((h) => h !== host) : [...this.state.chosenHosts, host];
    this.persist();
    this.renderHeader();
    this.list.rerender();
    this.renderDetail();
  }

  private header(): HTMLElement {
    const button = (label: string, onClick: () => void, id: string): HTMLElement => {
      const b = el(TAGS.button, { appearance: 'secondary', 'data-action': id }, label);
      b.addEventListener('click', onClick);
      return b;
    };
    return el('header', { class: 'top' },
      el('div', {}, this.headline, this.status),
      el('div', { class: 'actions' },
        this.chosen,
        button('Export request…', () => this.post({ type: 'exportRequest', hosts: this.state.chosenHosts }), 'export'),
        (this.toggle = button('Start proxy', () => this.post({ type: this.proxy.running ? 'stopProxy' : 'startProxy' }), 'toggle')),
        (this.clearButton = button('Clear', () => this.post({ type: 'clear' }), 'clear'))));
  }

  private filters(): HTMLElement {
    const views = el('div', { class: 'view-switch', role: 'radiogroup', 'aria-label': 'View' }, ...(['hosts', 'connections'] as const).map((view) => {
      const b = el('button', { type: 'button', role: 'radio', 'data-view': view, 'aria-checked': String(view === this.state.view) }, view === 'hosts' ? 'Hosts' : 'Connections');
      b.addEventListener('click', () => {
        this.state.view = view;
        this.persist();
        this.refresh();
      });
      this.viewButtons.set(view, b);
      return b;
    }));
    const text = el(TAGS.textField, { placeholder: 'Filter by host, SNI, alert…', 'aria-label': 'Filter', value: this.state.filter, 'data-control': 'filter' });
    text.addEventListener('input', () => {
      this.state.filter = (text as HTMLInputElement).value;
      this.persist();
      this.refresh();
    });
    const category = el(TAGS.dropdown, { 'aria-label': 'Category', 'data-control': 'category' },
      ...(['all', ...CATEGORIES] as const).map((c) => {
        const option = el(TAGS.option, { value: c, ...(c === this.state.category ? { selected: '' } : {}) }, c === 'all' ? 'All categories' : CATEGORY_LABELS[c]);
        this.categoryOptions.set(c, option);
        return option;
      }));
    category.addEventListener('change', () => {
      this.state.category = (category as HTMLSelectElement).value as ViewState['category'];
      this.persist();
      this.refresh();
    });
    const breakage = el(TAGS.checkbox, { 'data-control': 'only-breakage', ...(this.state.onlyBreakage ? { checked: '' } : {}) }, 'Only breakage');
    breakage.addEventListener('change', () => {
      this.state.onlyBreakage = (breakage as HTMLInputElement).checked;
      this.persist();
      this.refresh();
    });
    const group = el(TAGS.dropdown, { 'aria-label': 'Group by', 'data-control': 'group' },
      ...(['none', 'host', 'domain'] as const).map((g) => el(TAGS.option, { value: g, ...(g === this.state.groupBy ? { selected: '' } : {}) }, g === 'none' ? 'No grouping' : g === 'host' ? 'Group by host' : 'Group by domain')));
    group.addEventListener('change', () => {
      this.state.groupBy = (group as HTMLSelectElement).value as ViewState['groupBy'];
      this.persist();
      this.refresh();
    });
    this.groupControl = group;
    return el('div', { class: 'filters' }, views, text, category, breakage, group);
  }

  private clearFilters(): void {
    this.state.filter = '';
    this.state.category = 'all';
    this.state.onlyBreakage = false;
    const field = document.querySelector<HTMLElement & { value: string }>('[data-control=filter]');
    if (field) field.value = '';
    const dropdown = document.querySelector<HTMLElement & { value: string }>('[data-control=category]');
    if (dropdown) dropdown.value = 'all';
    const box = document.querySelector<HTMLElement & { checked: boolean }>('[data-control=only-breakage]');
    if (box) box.checked = false;
    this.persist();
    this.refresh();
  }

  /** The rows the filters let through, newest first, and every row's category count (for the dropdown). */
  private visibleRows(): ConnectionRow[] {
    const needle = this.state.filter.trim().toLowerCase();
    const counts = new Map<Category | 'all', number>([['all', this.rows.size]]);
    const out: ConnectionRow[] = [];
    for (const row of this.rows.values()) {
      if (row.category) counts.set(row.category, (counts.get(row.category) ?? 0) + 1);
      if (this.state.onlyBreakage && !isBreakage(row.category)) continue;
      if (this.state.category !== 'all' && row.category !== this.state.category) continue;
      if (needle && !`${row.host} ${row.sni ?? ''} ${row.category ?? ''} ${row.alert ?? ''} ${row.port} ${row.app ?? ''}`.toLowerCase().includes(needle)) continue;
      out.push(row);
    }
    for (const [category, option] of this.categoryOptions) {
      const label = `${category === 'all' ? 'All categories' : CATEGORY_LABELS[category]} (${counts.get(category) ?? 0})`;
      if (option.textContent !== label) option.textContent = label;
    }
    // Rows are kept in arrival order (ids ascending; an update keeps its place): newest first is the
    // reverse, without sorting 10,000 rows on every batch.
    return out.reverse();
  }

  private items(rows: readonly ConnectionRow[]): ListItem[] {
    if (this.state.view === 'hosts') {
      return aggregateHosts(rows).flatMap((host) => {
        const expanded = this.expanded.has(host.key);
        return [{ kind: 'host' as const, host, expanded }, ...(expanded ? host.connections.map((row) => ({ kind: 'row' as const, row, level: 2 as const })) : [])];
      });
    }
    if (this.state.groupBy === 'none') return rows.map((row) => ({ kind: 'row', row, level: 1 }));
    const groups = new Map<string, ConnectionRow[]>();
    for (const row of rows) {
      const key = this.state.groupBy === 'host' ? hostKey(row) : row.registrableDomain;
      const list = groups.get(key);
      if (list) list.push(row);
      else groups.set(key, [row]);
    }
    const summaries = [...groups.entries()].map(([key, members]) => ({ key, members, broken: members.filter((m) => isBreakage(m.category)).length }));
    // Breaking groups first (most breakage first), then the most recent: never by size alone.
    summaries.sort((a, b) => (b.broken > 0 ? 1 : 0) - (a.broken > 0 ? 1 : 0) || b.broken - a.broken || (b.members[0]?.id ?? 0) - (a.members[0]?.id ?? 0));
    return summaries.flatMap(({ key, members, broken }) => {
      const expanded = !this.collapsedGroups.has(key);
      return [{ kind: 'group' as const, key, count: members.length, broken, expanded }, ...(expanded ? members.map((row) => ({ kind: 'row' as const, row, level: 2 as const })) : [])];
    });
  }

  private refresh(): void {
    const rows = this.visibleRows();
    const items = this.items(rows);
    this.list.setItems(items);
    // The host column is as wide as the longest name in the list (up to a share of the row), so names
    // are not cut while there is room.
    let longest = 0;
    let longestApps = 0;
    for (const item of items) {
      longest = Math.max(longest, item.kind === 'host' ? item.host.key.length : item.kind === 'row' ? hostKey(item.row).length + 6 : 0);
      if (item.kind === 'host') longestApps = Math.max(longestApps, appsText(item.host.apps).length);
    }
    this.listPane.classList.toggle('has-apps', longestApps > 0);
    this.listPane.style.setProperty('--host-col', `${longest + 3}ch`);
    this.listPane.style.setProperty('--app-col', `${longestApps + 2}ch`);
    const header = columnHeader(this.state.view);
    if (this.columns.firstElementChild?.className !== header.className) this.columns.replaceChildren(header);
    this.list.element.setAttribute('aria-label', this.state.view === 'hosts' ? 'Hosts' : 'Connections');
    for (const [view, b] of this.viewButtons) b.setAttribute('aria-checked', String(view === this.state.view));
    this.groupControl?.toggleAttribute('hidden', this.state.view === 'hosts');
    this.renderEmpty(items.length);
    this.renderHeader();
  }

  private renderEmpty(visible: number): void {
    const empty = this.empty;
    empty.replaceChildren();
    const show = visible === 0;
    empty.hidden = !show;
    this.list.element.hidden = show;
    if (!show) return;
    const action = (label: string, id: string, onClick: () => void): HTMLElement => {
      const b = el('button', { type: 'button', class: 'primary', 'data-action': id }, label);
      b.addEventListener('click', onClick);
      return b;
    };
    if (this.rows.size > 0) {
      const parts = [this.state.filter.trim() ? `“${this.state.filter.trim()}”` : '', this.state.category !== 'all' ? CATEGORY_LABELS[this.state.category] : '', this.state.onlyBreakage ? 'only breakage' : ''].filter(Boolean);
      empty.append(el('p', {}, `No connection matches ${parts.join(', ')}.`), el('p', { class: 'muted' }, `${this.rows.size} connections are hidden by the filters.`), action('Clear filters', 'clear-filters', () => this.clearFilters()));
    } else if (!this.proxy.running) {
      empty.append(el('p', {}, 'The proxy is stopped.'), el('p', { class: 'muted' }, 'Start it, then point an app at it (or open a Pinscope terminal) to see which hosts break under inspection.'), action('Start proxy', 'start', () => this.post({ type: 'startProxy' })));
    } else {
      empty.append(el('p', {}, 'Waiting for connections…'), el('p', { class: 'muted' }, `Point an app at ${this.proxy.url ?? 'the proxy'} (HTTPS_PROXY), or open a Pinscope terminal.`));
    }
  }

  private renderHeader(): void {
    const running = this.proxy.running;
    this.headline.textContent = running || this.rows.size ? this.proxy.headline : 'Pinscope';
    this.status.textContent = running ? `Listening on ${this.proxy.url ?? ''} · ${this.rows.size} connections${this.proxy.dropped ? ` (${this.proxy.dropped} oldest dropped)` : ''}` : this.rows.size ? `Proxy stopped · ${this.rows.size} connections recorded` : 'Proxy stopped';
    if (this.toggle) this.toggle.textContent = running ? 'Stop proxy' : 'Start proxy';
    const recording = this.proxy.recording;
    this.toggle?.toggleAttribute('hidden', recording !== undefined);
    this.clearButton?.toggleAttribute('hidden', recording !== undefined);
    if (recording) this.status.textContent = `Recording ${recording.name} (read-only) · ${this.rows.size} connections${recording.skipped.length ? ` · ${recording.skipped.length} line(s) skipped: ${recording.skipped.slice(0, 2).join('; ')}` : ''}`;
    else if (!running && this.proxy.startError) this.status.textContent = `The proxy could not start: ${this.proxy.startError}`;
    this.chosen.textContent = this.state.chosenHosts.length ? `${this.state.chosenHosts.length} host(s) chosen for the request` : '';
  }

  private renderItem(item: ListItem, active: boolean): HTMLElement {
    switch (item.kind) {
      case 'host': return renderHost(item, active, this.actions);
      case 'group': return renderGroup(item, active);
      case 'row': return renderConnection(item, active, item.row.id === this.state.selectedId);
    }
  }

  private setExpanded(item: Extract<ListItem, { kind: 'host' | 'group' }>, expanded: boolean): void {
    if (item.kind === 'host') {
      if (expanded) this.expanded.add(item.host.key);
      else this.expanded.delete(item.host.key);
      this.persist();
    } else if (expanded) this.collapsedGroups.delete(item.key);
    else this.collapsedGroups.add(item.key);
    this.refresh();
  }

  private activate(item: ListItem): void {
    if (item.kind === 'row') this.select(item.row.id);
    else if (item.kind === 'host') this.selectHost(item.host);
    else this.setExpanded(item, !item.expanded);
  }

  /** The host's story: its most telling connection now, and the next one as they come (until one is picked). */
  private selectHost(host: HostEntry): void {
    const telling = mostTelling(host);
    if (!telling) return;
    this.select(telling.id, true);
  }

  /** A host as the rows kept now make it up. */
  private hostEntry(key: string | null): HostEntry | undefined {
    if (key === null) return undefined;
    const rows: ConnectionRow[] = [];
    for (const row of this.rows.values()) if (hostKey(row) === key) rows.push(row);
    return aggregateHosts(rows.reverse())[0];
  }

  /** While following a host, a newer telling connection becomes the selection. Returns whether it changed. */
  private followHost(): boolean {
    if (!this.state.follow) return false;
    const host = this.hostEntry(this.state.selectedHost);
    const telling = host ? mostTelling(host) : undefined;
    if (!telling || telling.id === this.state.selectedId) return false;
    this.select(telling.id, true);
    return true;
  }

  private parentIndex(index: number): number {
    for (let i = index; i >= 0; i--) if (this.list.itemAt(i)?.kind !== 'row') return i;
    return -1;
  }

  private onKey(key: string, item: ListItem, index: number): boolean {
    if (key === 'Enter' || key === ' ') {
      this.activate(item);
      return true;
    }
    if (key === '+' && item.kind === 'host') {
      this.setExpanded(item, !item.expanded);
      return true;
    }
    if (key === 'ArrowRight' && item.kind !== 'row' && !item.expanded) {
      this.setExpanded(item, true);
      return true;
    }
    if (key === 'ArrowLeft' || key === 'Escape') {
      if (item.kind !== 'row' && item.expanded) {
        this.setExpanded(item, false);
        return true;
      }
      if (item.kind === 'row' && item.level === 2) {
        const parent = this.parentIndex(index);
        if (parent >= 0) this.list.setActive(parent);
        if (key === 'Escape' && this.state.selectedId !== null) this.select(null);
        return true;
      }
      if (key === 'Escape' && this.state.selectedId !== null) {
        this.select(null);
        return true;
      }
    }
    return false;
  }

  private select(id: number | null, follow = false): void {
    const row = id === null ? undefined : this.rows.get(id);
    const host = row ? hostKey(row) : null;
    if (host !== this.state.selectedHost) this.detailPane.scrollTop = 0;
    this.state.selectedId = id;
    this.state.selectedHost = host;
    this.state.follow = follow;
    this.detail = null;
    this.persist();
    this.list.rerender();
    this.renderDetail();
    if (id !== null) this.post({ type: 'select', id });
  }

  /** Another connection of the story's host, picked in the story: the host is no longer followed. */
  private pick(id: number): void {
    this.select(id);
    this.detailPane.querySelector<HTMLElement>(`.story-connection[data-id="${id}"]`)?.focus();
  }

  private renderDetail(): void {
    const pane = this.detailPane;
    const scroll = pane.scrollTop;
    pane.replaceChildren();
    const row = this.state.selectedId === null ? undefined : this.rows.get(this.state.selectedId);
    if (!row) {
      pane.append(el('div', { class: 'empty-state detail-hint' }, el('p', {}, this.rows.size ? 'Select a host to see why it breaks.' : 'Hosts will appear here as apps use the proxy.'), el('p', { class: 'muted' }, this.state.view === 'hosts' ? 'Click a host, or use ↑ ↓ and Enter in the list: its verdict, evidence and handshake show here.' : 'Use ↑ ↓ and Enter in the list.')));
      return;
    }
    const host = this.hostEntry(hostKey(row));
    if (host) {
      pane.append(hostStory(host, row.id, {
        pick: (id) => this.pick(id),
        ...(this.detailOnly ? {} : { openInEditor: () => this.post({ type: 'openDetail', id: row.id }) }),
        ...(this.detail?.capture ? { openInWireshark: () => this.post({ type: 'openInWireshark', ids: host.connections.map((r) => r.id) }) } : {}),
      }));
    }
    const connection = el('section', { class: 'connection', 'aria-label': 'Connection' });
    pane.append(connection);
    renderDetail(connection, row, this.detail, this.actions);
    // A live update redraws the pane: the reader keeps their place.
    pane.scrollTop = scroll;
  }
}
