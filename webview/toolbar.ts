/** The inspector's top: headline and proxy status, the actions (export, start/stop, clear), and the filters. */
import { CATEGORY_LABELS } from '../src/shared/categoryLabels';
import type { ProxyState, WebviewMessage } from '../src/shared/protocol';
import { CATEGORIES, type Category } from '../src/shared/vocabulary';
import { el } from './dom';
import { TAGS } from './toolkit';
import type { ViewState } from './viewState';

/** What the toolbar needs from the inspector. */
interface ToolbarOwner {
  readonly state: ViewState;
  post(message: WebviewMessage): void;
  /** The proxy as last told. */
  proxy(): ProxyState;
  /** Saves the view state and shows the list again (a filter or the view changed). */
  changed(): void;
}

export class Toolbar {
  readonly header: HTMLElement;
  readonly filters: HTMLElement;
  private readonly headline = el('h1', { class: 'headline', 'aria-live': 'polite' });
  private readonly status = el('span', { class: 'proxy-status' });
  private readonly chosen = el('span', { class: 'chosen' });
  private readonly categoryOptions = new Map<Category | 'all', HTMLElement>();
  private readonly viewButtons = new Map<ViewState['view'], HTMLElement>();
  private readonly toggle: HTMLElement;
  private readonly clearButton: HTMLElement;
  private readonly groupControl: HTMLElement;

  constructor(private readonly owner: ToolbarOwner) {
    const button = (label: string, onClick: () => void, id: string): HTMLElement => {
      const b = el(TAGS.button, { appearance: 'secondary', 'data-action': id }, label);
      b.addEventListener('click', onClick);
      return b;
    };
    this.toggle = button('Start proxy', () => owner.post({ type: owner.proxy().running ? 'stopProxy' : 'startProxy' }), 'toggle');
    this.clearButton = button('Clear', () => owner.post({ type: 'clear' }), 'clear');
    this.header = el(
      'header',
      { class: 'top' },
      el('div', {}, this.headline, this.status),
      el(
        'div',
        { class: 'actions' },
        this.chosen,
        button('Export request…', () => owner.post({ type: 'exportRequest', hosts: owner.state.chosenHosts }), 'export'),
        this.toggle,
        this.clearButton,
      ),
    );
    this.groupControl = this.groupBy();
    this.filters = el('div', { class: 'filters' }, this.views(), this.text(), this.category(), this.breakage(), this.groupControl);
  }

  private views(): HTMLElement {
    const state = this.owner.state;
    return el(
      'div',
      { class: 'view-switch', role: 'radiogroup', 'aria-label': 'View' },
      ...(['hosts', 'connections'] as const).map((view) => {
        const b = el(
          'button',
          { type: 'button', role: 'radio', 'data-view': view, 'aria-checked': String(view === state.view) },
          view === 'hosts' ? 'Hosts' : 'Connections',
        );
        b.addEventListener('click', () => {
          state.view = view;
          this.owner.changed();
        });
        this.viewButtons.set(view, b);
        return b;
      }),
    );
  }

  private text(): HTMLElement {
    const state = this.owner.state;
    const text = el(TAGS.textField, {
      placeholder: 'Filter by host, SNI, alert…',
      'aria-label': 'Filter',
      value: state.filter,
      'data-control': 'filter',
    });
    text.addEventListener('input', () => {
      state.filter = (text as HTMLInputElement).value;
      this.owner.changed();
    });
    return text;
  }

  private category(): HTMLElement {
    const state = this.owner.state;
    const category = el(
      TAGS.dropdown,
      { 'aria-label': 'Category', 'data-control': 'category' },
      ...(['all', ...CATEGORIES] as const).map((c) => {
        const option = el(
          TAGS.option,
          { value: c, ...(c === state.category ? { selected: '' } : {}) },
          c === 'all' ? 'All categories' : CATEGORY_LABELS[c],
        );
        this.categoryOptions.set(c, option);
        return option;
      }),
    );
    category.addEventListener('change', () => {
      state.category = (category as HTMLSelectElement).value as ViewState['category'];
      this.owner.changed();
    });
    return category;
  }

  private breakage(): HTMLElement {
    const state = this.owner.state;
    const breakage = el(
      TAGS.checkbox,
      { 'data-control': 'only-breakage', ...(state.onlyBreakage ? { checked: '' } : {}) },
      'Only breakage',
    );
    breakage.addEventListener('change', () => {
      state.onlyBreakage = (breakage as HTMLInputElement).checked;
      this.owner.changed();
    });
    return breakage;
  }

  private groupBy(): HTMLElement {
    const state = this.owner.state;
    const group = el(
      TAGS.dropdown,
      { 'aria-label': 'Group by', 'data-control': 'group' },
      ...(['none', 'host', 'domain'] as const).map((g) =>
        el(
          TAGS.option,
          { value: g, ...(g === state.groupBy ? { selected: '' } : {}) },
          g === 'none' ? 'No grouping' : g === 'host' ? 'Group by host' : 'Group by domain',
        ),
      ),
    );
    group.addEventListener('change', () => {
      state.groupBy = (group as HTMLSelectElement).value as ViewState['groupBy'];
      this.owner.changed();
    });
    return group;
  }

  /** Empties the text filter, the category and "only breakage", in the state and on screen. */
  clearFilters(): void {
    const state = this.owner.state;
    state.filter = '';
    state.category = 'all';
    state.onlyBreakage = false;
    const field = document.querySelector<HTMLElement & { value: string }>('[data-control=filter]');
    if (field) field.value = '';
    const dropdown = document.querySelector<HTMLElement & { value: string }>('[data-control=category]');
    if (dropdown) dropdown.value = 'all';
    const box = document.querySelector<HTMLElement & { checked: boolean }>('[data-control=only-breakage]');
    if (box) box.checked = false;
    this.owner.changed();
  }

  /** Every category's count in the dropdown's labels. */
  setCategoryCounts(counts: ReadonlyMap<Category | 'all', number>): void {
    for (const [category, option] of this.categoryOptions) {
      const label = `${category === 'all' ? 'All categories' : CATEGORY_LABELS[category]} (${counts.get(category) ?? 0})`;
      if (option.textContent !== label) option.textContent = label;
    }
  }

  /** The view switch and the grouping control follow the view. */
  showView(view: ViewState['view']): void {
    for (const [v, b] of this.viewButtons) b.setAttribute('aria-checked', String(v === view));
    this.groupControl.toggleAttribute('hidden', view === 'hosts');
  }

  /** The headline, the proxy's status line and the actions that apply; `connections` is how many rows are kept. */
  render(connections: number): void {
    const proxy = this.owner.proxy();
    const running = proxy.running;
    this.headline.textContent = running || connections ? proxy.headline : 'Pinscope';
    this.status.textContent = running
      ? `Listening on ${proxy.url ?? ''} · ${connections} connections${proxy.dropped ? ` (${proxy.dropped} oldest dropped)` : ''}`
      : connections
        ? `Proxy stopped · ${connections} connections recorded`
        : 'Proxy stopped';
    this.toggle.textContent = running ? 'Stop proxy' : 'Start proxy';
    const recording = proxy.recording;
    this.toggle.toggleAttribute('hidden', recording !== undefined);
    this.clearButton.toggleAttribute('hidden', recording !== undefined);
    if (recording)
      this.status.textContent = `Recording ${recording.name} (read-only) · ${connections} connections${recording.skipped.length ? ` · ${recording.skipped.length} line(s) skipped: ${recording.skipped.slice(0, 2).join('; ')}` : ''}`;
    else if (!running && proxy.startError) this.status.textContent = `The proxy could not start: ${proxy.startError}`;
    const chosen = this.owner.state.chosenHosts.length;
    this.chosen.textContent = chosen ? `${chosen} host(s) chosen for the request` : '';
  }
}
