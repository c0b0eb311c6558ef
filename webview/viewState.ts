/** What the inspector remembers across reloads (the webview's saved state), read back without trusting it. */
import { CATEGORIES, type Category } from '../src/shared/vocabulary';

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

export function initialState(saved: unknown): ViewState {
  const base: ViewState = {
    view: 'hosts',
    filter: '',
    category: 'all',
    onlyBreakage: false,
    groupBy: 'none',
    selectedId: null,
    selectedHost: null,
    follow: false,
    split: null,
    chosenHosts: [],
    expanded: [],
  };
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
