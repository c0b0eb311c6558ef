/** The inspector's state and rendering: header, filters, the virtualized list, the detail pane. */
import type { ConnectionDetail, ConnectionRow, HostMessage, ProxyState, WebviewMessage } from '../src/shared/protocol';
import { findEvent } from '../src/shared/timelineEvents';
import { CATEGORIES, DEFAULT_MAX_CONNECTIONS_KEPT, isBreakage, type Category } from '../src/shared/vocabulary';
import { el } from './dom';
import { fullTimeline, strip } from './timelineView';
import { TAGS } from './toolkit';
import { VirtualList, type ListItem } from './virtualList';


export interface ViewState {
  filter: string;
  category: Category | 'all';
  onlyBreakage: boolean;
  groupBy: 'none' | 'host' | 'domain';
  selectedId: number | null;
  chosenHosts: string[];
}

function initialState(saved: unknown): ViewState {
  const base: ViewState = { filter: '', category: 'all', onlyBreakage: false, groupBy: 'none', selectedId: null, chosenHosts: [] };
  if (typeof saved !== 'object' || saved === null) return base;
  const s = saved as Partial<ViewState>;
  return {
    filter: typeof s.filter === 'string' ? s.filter : base.filter,
    category: s.category && (s.category === 'all' || CATEGORIES.includes(s.category)) ? s.category : 'all',
    onlyBreakage: s.onlyBreakage === true,
    groupBy: s.groupBy === 'host' || s.groupBy === 'domain' ? s.groupBy : 'none',
    selectedId: typeof s.selectedId === 'number' ? s.selectedId : null,
    chosenHosts: Array.isArray(s.chosenHosts) ? s.chosenHosts.filter((h): h is string => typeof h === 'string') : [],
  };
}

function formatBytes(n: number): string {
  return n < 1024 ? `${n} B` : n < 1048576 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 1048576).toFixed(1)} MB`;
}

export class Inspector {
  private readonly rows = new Map<number, ConnectionRow>();
  private proxy: ProxyState = { running: false, url: null, headline: 'No connections yet', dropped: 0, kept: DEFAULT_MAX_CONNECTIONS_KEPT };
  private readonly state: ViewState;
  private detail: ConnectionDetail | null = null;
  private readonly headline = el('h1', { class: 'headline', 'aria-live': 'polite' });
  private readonly status = el('span', { class: 'proxy-status' });
  private readonly list: VirtualList;
  private readonly detailPane = el('section', { class: 'detail', 'aria-label': 'Connection detail' });
  private readonly chosen = el('span', { class: 'chosen' });
  private toggle: HTMLElement | undefined;

  constructor(root: HTMLElement, private readonly post: (message: WebviewMessage) => void, saved: unknown, private readonly save: (state: ViewState) => void) {
    this.state = initialState(saved);
    this.list = new VirtualList((item) => this.renderItem(item));
    root.append(this.header(), this.filters(), el('div', { class: 'panes' }, this.list.element, this.detailPane));
    this.refresh();
    if (this.state.selectedId !== null) this.post({ type: 'select', id: this.state.selectedId });
  }

  receive(message: HostMessage): void {
    switch (message.type) {
      case 'reset':
        this.rows.clear();
        this.apply(message.rows, message.state);
        break;
      case 'rows':
        this.apply(message.rows, message.state);
        break;
      case 'detail':
        if (message.detail.id === this.state.selectedId) {
          this.detail = message.detail;
          this.renderDetail();
        }
        break;
      case 'state':
        this.proxy = message.state;
        this.renderHeader();
        break;
    }
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
    this.save(this.state);
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
        button('Clear', () => this.post({ type: 'clear' }), 'clear')));
  }

  private filters(): HTMLElement {
    const text = el(TAGS.textField, { placeholder: 'Filter by host, SNI, alert…', 'aria-label': 'Filter', value: this.state.filter, 'data-control': 'filter' });
    text.addEventListener('input', () => {
      this.state.filter = (text as HTMLInputElement).value;
      this.persist();
      this.refresh();
    });
    const category = el(TAGS.dropdown, { 'aria-label': 'Category', 'data-control': 'category' },
      ...['all', ...CATEGORIES].map((c) => el(TAGS.option, { value: c, ...(c === this.state.category ? { selected: '' } : {}) }, c === 'all' ? 'All categories' : c)));
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
    return el('div', { class: 'filters' }, text, category, breakage, group);
  }

  private visibleRows(): ConnectionRow[] {
    const needle = this.state.filter.trim().toLowerCase();
    const out: ConnectionRow[] = [];
    for (const row of this.rows.values()) {
      if (this.state.onlyBreakage && !isBreakage(row.category)) continue;
      if (this.state.category !== 'all' && row.category !== this.state.category) continue;
      if (needle && !`${row.host} ${row.sni ?? ''} ${row.category ?? ''} ${row.alert ?? ''} ${row.port}`.toLowerCase().includes(needle)) continue;
      out.push(row);
    }
    return out.sort((a, b) => b.id - a.id);
  }

  private refresh(): void {
    const rows = this.visibleRows();
    let items: ListItem[];
    if (this.state.groupBy === 'none') {
      items = rows.map((row) => ({ kind: 'row', row }));
    } else {
      const groups = new Map<string, ConnectionRow[]>();
      for (const row of rows) {
        const key = this.state.groupBy === 'host' ? row.sni ?? row.host : row.registrableDomain;
        const list = groups.get(key);
        if (list) list.push(row);
        else groups.set(key, [row]);
      }
      items = [...groups.entries()].sort((a, b) => b[1].length - a[1].length).flatMap(([key, members]) => [
        { kind: 'group' as const, key, count: members.length, broken: members.filter((m) => isBreakage(m.category)).length },
        ...members.map((row) => ({ kind: 'row' as const, row })),
      ]);
    }
    this.list.setItems(items);
    this.renderHeader();
  }

  private renderHeader(): void {
    this.headline.textContent = this.proxy.headline;
    this.status.textContent = this.proxy.running ? `Listening on ${this.proxy.url ?? ''} · ${this.rows.size} connections${this.proxy.dropped ? ` (${this.proxy.dropped} oldest dropped)` : ''}` : 'Proxy stopped';
    if (this.toggle) this.toggle.textContent = this.proxy.running ? 'Stop proxy' : 'Start proxy';
    this.chosen.textContent = this.state.chosenHosts.length ? `${this.state.chosenHosts.length} host(s) chosen for the request` : '';
  }

  private renderItem(item: ListItem): HTMLElement {
    if (item.kind === 'group') {
      return el('div', { class: `group${item.broken ? ' broken' : ''}`, role: 'row' }, el('span', { class: 'group-key' }, item.key), el('span', { class: 'count' }, `${item.count} connections${item.broken ? `, ${item.broken} broke` : ''}`));
    }
    const row = item.row;
    const selected = row.id === this.state.selectedId;
    const node = el('div', { class: `row${selected ? ' selected' : ''}${row.pinning === 'likely' && isBreakage(row.category) ? ' row-pin-likely' : ''}`, role: 'row', 'data-id': String(row.id), tabindex: '0', 'aria-selected': String(selected) },
      el('span', { class: 'time' }, new Date(row.startedAt).toLocaleTimeString()),
      el('span', { class: 'host', title: row.sni ?? row.host }, `${row.sni ?? row.host}:${row.port}`),
      el('span', { class: `badge cat-${row.category ?? 'live'}` }, row.category ?? 'live'),
      el('span', { class: `badge pin-${row.pinning ?? 'none'}` }, row.pinning && isBreakage(row.category) ? `pinning ${row.pinning}${row.confirmed ? ' ✓' : ''}` : ''),
      el('span', { class: 'duration' }, `${Math.round(row.durationMs)} ms`),
      el('span', { class: 'bytes' }, `↑${formatBytes(row.bytesFromClient)} ↓${formatBytes(row.bytesToClient)}`),
      strip(row.steps));
    const select = (): void => {
      this.state.selectedId = row.id;
      this.detail = null;
      this.persist();
      this.list.rerender();
      this.renderDetail();
      this.post({ type: 'select', id: row.id });
    };
    node.addEventListener('click', select);
    node.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') select(); });
    return node;
  }

  private renderDetail(): void {
    const pane = this.detailPane;
    pane.replaceChildren();
    const row = this.state.selectedId === null ? undefined : this.rows.get(this.state.selectedId);
    if (!row) {
      pane.append(el('p', { class: 'muted' }, 'Select a connection to see its handshake.'));
      return;
    }
    const host = row.sni ?? row.host;
    const chosen = this.state.chosenHosts.includes(host);
    const action = (label: string, id: string, onClick: () => void): HTMLElement => {
      const b = el(TAGS.button, { appearance: 'secondary', 'data-action': id }, label);
      b.addEventListener('click', onClick);
      return b;
    };
    pane.append(
      el('h2', {}, `${host}:${row.port}`),
      el('p', {}, `${row.category ?? 'in progress'}${row.alert ? ` (${row.alert})` : ''} · pinning ${row.pinning ?? '–'}${row.confirmed ? ' (confirmed by tunnelling)' : ''}`),
      el('div', { class: 'actions' },
        action(chosen ? 'Remove from request' : 'Add to exemption request', 'choose', () => {
          this.state.chosenHosts = chosen ? this.state.chosenHosts.filter((h) => h !== host) : [...this.state.chosenHosts, host];
          this.persist();
          this.renderHeader();
          this.renderDetail();
        }),
        action('Tunnel host', 'tunnel', () => this.post({ type: 'tunnelHost', host })),
        action('Intercept host', 'intercept', () => this.post({ type: 'interceptHost', host })),
        action('Confirm by tunnelling', 'confirm', () => this.post({ type: 'confirmHost', host })),
        action('Copy host', 'copy-host', () => this.post({ type: 'copy', text: host })),
        ...(this.detail ? [action('Copy JSON', 'copy-json', () => this.post({ type: 'copy', text: JSON.stringify(this.detail, null, 2) }))] : [])),
    );
    if (!this.detail) {
      pane.append(el('p', { class: 'muted' }, 'Loading…'));
      return;
    }
    const detail = this.detail;
    pane.append(el('h3', {}, 'Timeline'), fullTimeline(detail), el('h3', {}, 'Verdict'), el('p', {}, detail.reason), el('ul', {}, ...detail.evidence.map((e) => el('li', {}, e))));
    if (detail.process) pane.append(el('h3', {}, 'Process'), el('ul', {}, ...detail.process.map((line) => el('li', {}, line))));
    const hello = findEvent(detail.events, 'client-hello')?.hello;
    if (hello) pane.append(el('h3', {}, 'ClientHello'), el('pre', {}, JSON.stringify(hello, null, 2)));
    const forged = findEvent(detail.events, 'forged-certificate');
    if (forged) pane.append(el('h3', {}, 'Forged certificate'), el('pre', {}, JSON.stringify(forged, null, 2)));
    const chain = findEvent(detail.events, 'upstream-tls')?.chain;
    if (chain) {
      pane.append(el('h3', {}, 'Real upstream chain'), el('ol', {}, ...chain.map((cert) => el('li', {},
        `${cert.subject} — issued by ${cert.issuer}`, el('br'), el('code', {}, `sha256/${cert.pin}`), ' ',
        action('Copy pin', 'copy-pin', () => this.post({ type: 'copy', text: `sha256/${cert.pin}` }))))));
    }
    pane.append(el('h3', {}, 'Raw events'), el('pre', { class: 'raw' }, detail.events.map((e) => JSON.stringify(e)).join('\n')));
  }
}
