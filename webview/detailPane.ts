/**
 * The detail pane: the selected connection's host tells its story (`hostStory.ts`) above the
 * connection's own detail (`detailView.ts`); a hint while nothing is selected. A live update redraws it
 * and the reader keeps their place.
 */
import type { ConnectionDetail, ConnectionRow, WebviewMessage } from '../src/shared/protocol';
import { renderDetail } from './detailView';
import { el } from './dom';
import { hostStory } from './hostStory';
import { hostKey, type HostEntry } from './hosts';
import type { HostActions } from './rowViews';
import type { ViewState } from './viewState';

/** What the pane needs from the inspector. */
interface DetailOwner {
  readonly state: ViewState;
  readonly actions: HostActions;
  /** In an editor tab of its own ("Open in Editor"): no "Open in Editor" button. */
  readonly detailOnly: boolean;
  rows(): ReadonlyMap<number, ConnectionRow>;
  /** The selected connection's detail, once the host sent it. */
  detail(): ConnectionDetail | null;
  /** A host as the rows kept now make it up. */
  hostEntry(key: string): HostEntry | undefined;
  post(message: WebviewMessage): void;
  /** Another of the host's connections was picked in its story. */
  select(id: number): void;
  /** Escape in the pane: back to the list. */
  focusList(): void;
}

export class DetailPane {
  readonly element = el('section', { class: 'detail', 'aria-label': 'Host and connection detail', tabindex: '-1' });

  constructor(private readonly owner: DetailOwner) {
    this.element.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') owner.focusList();
    });
  }

  /** Back to the top (another host is shown). */
  scrollToTop(): void {
    this.element.scrollTop = 0;
  }

  render(): void {
    const { owner } = this;
    const pane = this.element;
    const scroll = pane.scrollTop;
    pane.replaceChildren();
    const rows = owner.rows();
    const row = owner.state.selectedId === null ? undefined : rows.get(owner.state.selectedId);
    if (!row) {
      pane.append(
        el(
          'div',
          { class: 'empty-state detail-hint' },
          el('p', {}, rows.size ? 'Select a host to see why it breaks.' : 'Hosts will appear here as apps use the proxy.'),
          el(
            'p',
            { class: 'muted' },
            owner.state.view === 'hosts'
              ? 'Click a host, or use ↑ ↓ and Enter in the list: its verdict, evidence and handshake show here.'
              : 'Use ↑ ↓ and Enter in the list.',
          ),
        ),
      );
      return;
    }
    const detail = owner.detail();
    const host = owner.hostEntry(hostKey(row));
    if (host) {
      pane.append(
        hostStory(host, row.id, {
          pick: (id) => this.pick(id),
          ...(owner.detailOnly ? {} : { openInEditor: () => owner.post({ type: 'openDetail', id: row.id }) }),
          ...(detail?.capture
            ? { openInWireshark: () => owner.post({ type: 'openInWireshark', ids: host.connections.map((r) => r.id) }) }
            : {}),
        }),
      );
    }
    const connection = el('section', { class: 'connection', 'aria-label': 'Connection' });
    pane.append(connection);
    renderDetail(connection, row, detail, owner.actions);
    // A live update redraws the pane: the reader keeps their place.
    pane.scrollTop = scroll;
  }

  /** Another connection of the story's host, picked in the story: the host is no longer followed. */
  private pick(id: number): void {
    this.owner.select(id);
    this.element.querySelector<HTMLElement>(`.story-connection[data-id="${id}"]`)?.focus();
  }
}
