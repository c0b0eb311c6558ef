/**
 * The inspector: the rows the host sent, the proxy's state, what is selected, and the messages that
 * change them; the toolbar (`toolbar.ts`), the list (`hostList.ts`) and the detail pane
 * (`detailPane.ts`) draw it.
 */
import {
  dispatch,
  type ConnectionDetail,
  type ConnectionRow,
  type HostMessage,
  type MessageHandlers,
  type ProxyState,
  type WebviewMessage,
} from '../src/shared/protocol';
import { DEFAULT_MAX_CONNECTIONS_KEPT } from '../src/shared/vocabulary';
import { DetailPane } from './detailPane';
import { el } from './dom';
import { HostList } from './hostList';
import { mostTelling } from './hostStory';
import { aggregateHosts, hostKey, type HostEntry } from './hosts';
import type { HostActions, ListItem } from './rowViews';
import { splitter } from './splitter';
import { Toolbar } from './toolbar';
import { initialState, type ViewState } from './viewState';

export class Inspector {
  private readonly rows = new Map<number, ConnectionRow>();
  private proxy: ProxyState = { running: false, url: null, headline: 'No connections yet', dropped: 0, kept: DEFAULT_MAX_CONNECTIONS_KEPT };
  private readonly state: ViewState;
  private detail: ConnectionDetail | null = null;
  /** Set in an editor tab of its own ("Open in Editor"): the detail of this connection and its host, nothing else. */
  private readonly detailOnly: boolean;
  private readonly toolbar: Toolbar;
  private readonly hostList: HostList;
  private readonly detailPane: DetailPane;

  constructor(
    root: HTMLElement,
    private readonly post: (message: WebviewMessage) => void,
    saved: unknown,
    private readonly save: (state: ViewState) => void,
  ) {
    const state = initialState(saved);
    this.state = state;
    const focus = Number(root.dataset['focus'] ?? NaN);
    this.detailOnly = Number.isSafeInteger(focus);
    if (this.detailOnly && state.selectedId === null) {
      state.selectedId = focus;
      state.follow = false;
    }
    root.classList.toggle('detail-only', this.detailOnly);
    const actions: HostActions = {
      post,
      isChosen: (host) => state.chosenHosts.includes(host),
      toggleChosen: (host) => this.toggleChosen(host),
      readOnly: () => this.proxy.recording !== undefined,
      modeOf: (host, seen) => this.proxy.hostModes?.find((m) => m.host === host)?.mode ?? seen,
    };
    const common = { state, actions, post, rows: () => this.rows, proxy: () => this.proxy };
    this.toolbar = new Toolbar({
      ...common,
      changed: () => {
        this.persist();
        this.refresh();
      },
    });
    this.hostList = new HostList({
      ...common,
      persist: () => this.persist(),
      refresh: () => this.refresh(),
      activate: (item) => this.activate(item),
      unselect: () => this.select(null),
      clearFilters: () => this.toolbar.clearFilters(),
    });
    this.detailPane = new DetailPane({
      ...common,
      detailOnly: this.detailOnly,
      detail: () => this.detail,
      hostEntry: (key) => this.hostEntry(key),
      select: (id) => this.select(id),
      focusList: () => this.hostList.list.element.focus(),
    });
    const panes = el('div', { class: 'panes' }, this.hostList.pane);
    panes.append(
      splitter(panes, state.split, (fraction) => {
        state.split = fraction;
        this.persist();
      }),
      this.detailPane.element,
    );
    root.append(this.toolbar.header, this.toolbar.filters, panes);
    this.refresh();
    this.detailPane.render();
    if (state.selectedId !== null) this.post({ type: 'select', id: state.selectedId });
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
      this.detailPane.render();
    },
    rows: ({ rows, state }) => {
      this.apply(rows, state);
      if (this.followHost()) return;
      if (this.state.selectedId !== null && rows.some((r) => r.id === this.state.selectedId) && !this.detail) this.detailPane.render();
      else if (this.state.selectedHost !== null && rows.some((r) => hostKey(r) === this.state.selectedHost)) this.detailPane.render();
    },
    detail: ({ detail }) => {
      if (detail.id !== this.state.selectedId) return;
      this.detail = detail;
      this.detailPane.render();
    },
    state: ({ state }) => {
      // A host's mode changed (Tunnel, Intercept, pinscope.tunnelHosts) or a recording opened: the actions follow at once.
      const actionsChanged =
        JSON.stringify([this.proxy.hostModes, this.proxy.recording]) !== JSON.stringify([state.hostModes, state.recording]);
      this.proxy = state;
      this.toolbar.render(this.rows.size);
      this.hostList.renderEmpty(this.hostList.list.length);
      if (actionsChanged) {
        this.hostList.list.rerender();
        this.detailPane.render();
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
    this.state.expanded = this.hostList.expandedHosts();
    this.save(this.state);
  }

  private toggleChosen(host: string): void {
    const chosen = this.state.chosenHosts.includes(host);
    this.state.chosenHosts = chosen ? this.state.chosenHosts.filter((h) => h !== host) : [...this.state.chosenHosts, host];
    this.persist();
    this.toolbar.render(this.rows.size);
    this.hostList.list.rerender();
    this.detailPane.render();
  }

  private refresh(): void {
    const { rows, counts } = this.hostList.visibleRows();
    this.toolbar.setCategoryCounts(counts);
    this.hostList.show(this.hostList.items(rows));
    this.toolbar.showView(this.state.view);
    this.toolbar.render(this.rows.size);
  }

  private activate(item: ListItem): void {
    if (item.kind === 'row') this.select(item.row.id);
    else if (item.kind === 'host') this.selectHost(item.host);
    else this.hostList.setExpanded(item, !item.expanded);
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

  private select(id: number | null, follow = false): void {
    const row = id === null ? undefined : this.rows.get(id);
    const host = row ? hostKey(row) : null;
    if (host !== this.state.selectedHost) this.detailPane.scrollToTop();
    this.state.selectedId = id;
    this.state.selectedHost = host;
    this.state.follow = follow;
    this.detail = null;
    this.persist();
    this.hostList.list.rerender();
    this.detailPane.render();
    if (id !== null) this.post({ type: 'select', id });
  }
}
