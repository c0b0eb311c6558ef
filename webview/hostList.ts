/**
 * The list: the rows the filters let through, as hosts (one row per host, expandable) or as
 * connections (optionally grouped by host or registrable domain), its column headers, its keyboard, and
 * what it says when it is empty (filtered out, proxy stopped, waiting).
 */
import { CATEGORY_LABELS } from '../src/shared/categoryLabels';
import type { ConnectionRow, ProxyState, WebviewMessage } from '../src/shared/protocol';
import { isBreakage, type Category } from '../src/shared/vocabulary';
import { el } from './dom';
import { aggregateHosts, hostKey } from './hosts';
import { appsText, columnHeader, renderConnection, renderGroup, renderHost, type HostActions, type ListItem } from './rowViews';
import type { ViewState } from './viewState';
import { VirtualList } from './virtualList';

/** What the list needs from the inspector. */
interface ListOwner {
  readonly state: ViewState;
  readonly actions: HostActions;
  rows(): ReadonlyMap<number, ConnectionRow>;
  proxy(): ProxyState;
  post(message: WebviewMessage): void;
  persist(): void;
  /** Shows the list again (after a host or group was expanded or collapsed). */
  refresh(): void;
  /** Enter or a click on an item: a connection's detail, a host's story, a group folded or unfolded. */
  activate(item: ListItem): void;
  /** Escape: no connection selected. */
  unselect(): void;
  clearFilters(): void;
}

export class HostList {
  readonly pane = el('div', { class: 'list-pane' });
  readonly list: VirtualList<ListItem>;
  private readonly empty = el('div', { class: 'empty-state', role: 'status' });
  private readonly columns = el('div', { class: 'columns' });
  private readonly expanded: Set<string>;
  /** Collapsed groups of the connections view (all groups start open). */
  private readonly collapsedGroups = new Set<string>();

  constructor(private readonly owner: ListOwner) {
    this.expanded = new Set(owner.state.expanded);
    this.list = new VirtualList<ListItem>({
      render: (item, active) => this.renderItem(item, active),
      key: (key, item, index) => this.onKey(key, item, index),
      click: (item, _index, target) => {
        if (item.kind === 'host' && target.closest('.twisty')) this.setExpanded(item, !item.expanded);
        else owner.activate(item);
      },
    });
    this.pane.append(this.columns, this.list.element, this.empty);
  }

  /** The hosts expanded now, for the saved state. */
  expandedHosts(): string[] {
    return [...this.expanded];
  }

  /** The rows the filters let through, newest first, and every row's category count (for the dropdown). */
  visibleRows(): { rows: ConnectionRow[]; counts: Map<Category | 'all', number> } {
    const state = this.owner.state;
    const all = this.owner.rows();
    const needle = state.filter.trim().toLowerCase();
    const counts = new Map<Category | 'all', number>([['all', all.size]]);
    const out: ConnectionRow[] = [];
    for (const row of all.values()) {
      if (row.category) counts.set(row.category, (counts.get(row.category) ?? 0) + 1);
      if (state.onlyBreakage && !isBreakage(row.category)) continue;
      if (state.category !== 'all' && row.category !== state.category) continue;
      if (
        needle &&
        !`${row.host} ${row.sni ?? ''} ${row.category ?? ''} ${row.alert ?? ''} ${row.port} ${row.app ?? ''}`.toLowerCase().includes(needle)
      )
        continue;
      out.push(row);
    }
    // Rows are kept in arrival order (ids ascending; an update keeps its place): newest first is the
    // reverse, without sorting 10,000 rows on every batch.
    return { rows: out.reverse(), counts };
  }

  /** The list's items for these rows: hosts (and the connections of the expanded ones), or connections, grouped or not. */
  items(rows: readonly ConnectionRow[]): ListItem[] {
    const state = this.owner.state;
    if (state.view === 'hosts') {
      return aggregateHosts(rows).flatMap((host) => {
        const expanded = this.expanded.has(host.key);
        return [
          { kind: 'host' as const, host, expanded },
          ...(expanded ? host.connections.map((row) => ({ kind: 'row' as const, row, level: 2 as const })) : []),
        ];
      });
    }
    if (state.groupBy === 'none') return rows.map((row) => ({ kind: 'row', row, level: 1 }));
    const groups = new Map<string, ConnectionRow[]>();
    for (const row of rows) {
      const key = state.groupBy === 'host' ? hostKey(row) : row.registrableDomain;
      const list = groups.get(key);
      if (list) list.push(row);
      else groups.set(key, [row]);
    }
    const summaries = [...groups.entries()].map(([key, members]) => ({
      key,
      members,
      broken: members.filter((m) => isBreakage(m.category)).length,
    }));
    // Breaking groups first (most breakage first), then the most recent: never by size alone.
    summaries.sort(
      (a, b) => (b.broken > 0 ? 1 : 0) - (a.broken > 0 ? 1 : 0) || b.broken - a.broken || (b.members[0]?.id ?? 0) - (a.members[0]?.id ?? 0),
    );
    return summaries.flatMap(({ key, members, broken }) => {
      const expanded = !this.collapsedGroups.has(key);
      return [
        { kind: 'group' as const, key, count: members.length, broken, expanded },
        ...(expanded ? members.map((row) => ({ kind: 'row' as const, row, level: 2 as const })) : []),
      ];
    });
  }

  /** Shows these items, with the columns sized to them and the view's headers. */
  show(items: ListItem[]): void {
    const view = this.owner.state.view;
    this.list.setItems(items);
    // The host column is as wide as the longest name in the list (up to a share of the row), so names
    // are not cut while there is room.
    let longest = 0;
    let longestApps = 0;
    for (const item of items) {
      longest = Math.max(longest, item.kind === 'host' ? item.host.key.length : item.kind === 'row' ? hostKey(item.row).length + 6 : 0);
      if (item.kind === 'host') longestApps = Math.max(longestApps, appsText(item.host.apps).length);
    }
    this.pane.classList.toggle('has-apps', longestApps > 0);
    this.pane.style.setProperty('--host-col', `${longest + 3}ch`);
    this.pane.style.setProperty('--app-col', `${longestApps + 2}ch`);
    const header = columnHeader(view);
    if (this.columns.firstElementChild?.className !== header.className) this.columns.replaceChildren(header);
    this.list.element.setAttribute('aria-label', view === 'hosts' ? 'Hosts' : 'Connections');
    this.renderEmpty(items.length);
  }

  /** With nothing to show, why: the filters hide every row, the proxy is stopped, or it waits for connections. */
  renderEmpty(visible: number): void {
    const { state } = this.owner;
    const proxy = this.owner.proxy();
    const kept = this.owner.rows().size;
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
    if (kept > 0) {
      const parts = [
        state.filter.trim() ? `“${state.filter.trim()}”` : '',
        state.category !== 'all' ? CATEGORY_LABELS[state.category] : '',
        state.onlyBreakage ? 'only breakage' : '',
      ].filter(Boolean);
      empty.append(
        el('p', {}, `No connection matches ${parts.join(', ')}.`),
        el('p', { class: 'muted' }, `${kept} connections are hidden by the filters.`),
        action('Clear filters', 'clear-filters', () => this.owner.clearFilters()),
      );
    } else if (!proxy.running) {
      empty.append(
        el('p', {}, 'The proxy is stopped.'),
        el(
          'p',
          { class: 'muted' },
          'Start it, then point an app at it (or open a Pinscope terminal) to see which hosts break under inspection.',
        ),
        action('Start proxy', 'start', () => this.owner.post({ type: 'startProxy' })),
      );
    } else {
      empty.append(
        el('p', {}, 'Waiting for connections…'),
        el('p', { class: 'muted' }, `Point an app at ${proxy.url ?? 'the proxy'} (HTTPS_PROXY), or open a Pinscope terminal.`),
      );
    }
  }

  private renderItem(item: ListItem, active: boolean): HTMLElement {
    switch (item.kind) {
      case 'host':
        return renderHost(item, active, this.owner.actions);
      case 'group':
        return renderGroup(item, active);
      case 'row':
        return renderConnection(item, active, item.row.id === this.owner.state.selectedId);
    }
  }

  setExpanded(item: Extract<ListItem, { kind: 'host' | 'group' }>, expanded: boolean): void {
    if (item.kind === 'host') {
      if (expanded) this.expanded.add(item.host.key);
      else this.expanded.delete(item.host.key);
      this.owner.persist();
    } else if (expanded) this.collapsedGroups.delete(item.key);
    else this.collapsedGroups.add(item.key);
    this.owner.refresh();
  }

  private parentIndex(index: number): number {
    for (let i = index; i >= 0; i--) if (this.list.itemAt(i)?.kind !== 'row') return i;
    return -1;
  }

  private onKey(key: string, item: ListItem, index: number): boolean {
    const selected = (): boolean => this.owner.state.selectedId !== null;
    if (key === 'Enter' || key === ' ') {
      this.owner.activate(item);
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
        if (key === 'Escape' && selected()) this.owner.unselect();
        return true;
      }
      if (key === 'Escape' && selected()) {
        this.owner.unselect();
        return true;
      }
    }
    return false;
  }
}
