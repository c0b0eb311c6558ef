/**
 * The hosts view's model: connections folded into one entry per host (its SNI, else its CONNECT host),
 * computed in the webview from the rows it already keeps, so the host sends nothing new. Breaking hosts
 * come first, the likeliest pinning first among them; then hosts whose server was unreachable; then
 * the rest, most recently seen first.
 */
import type { ConnectionRow } from '../src/shared/protocol';
import { CATEGORIES, PINNING_VALUES, isBreakage, type Category, type Mode, type Pinning } from '../src/shared/vocabulary';

export interface HostEntry {
  readonly key: string;
  /** Newest first. */
  readonly connections: ConnectionRow[];
  readonly counts: Map<Category | 'live', number>;
  broken: number;
  pinning: Pinning | null;
  confirmed: boolean;
  /** The mode of the newest connection: what the proxy does with this host now. */
  mode: Mode;
  /** Every app seen opening its connections, newest first. */
  apps: string[];
  lastSeen: number;
}

export function hostKey(row: ConnectionRow): string {
  return row.sni ?? row.host;
}

function rank(entry: HostEntry): number {
  if (entry.broken > 0) return entry.pinning === 'likely' ? 0 : entry.pinning === 'possible' ? 1 : 2;
  if (entry.counts.has('upstream-failed') || entry.counts.has('tls-mismatch')) return 3;
  return 4;
}

/** The category that speaks for the host: its most frequent breakage, else its most frequent category. */
export function hostCategory(entry: HostEntry): Category | null {
  let best: Category | null = null;
  let bestScore = -1;
  for (const category of CATEGORIES) {
    const n = entry.counts.get(category) ?? 0;
    if (n === 0) continue;
    const score = (isBreakage(category) ? 1e9 : category === 'upstream-failed' ? 1e8 : 0) + n;
    if (score > bestScore) {
      best = category;
      bestScore = score;
    }
  }
  return best;
}

/** `rows` newest first; returns the hosts in display order. */
export function aggregateHosts(rows: readonly ConnectionRow[]): HostEntry[] {
  const hosts = new Map<string, HostEntry>();
  for (const row of rows) {
    const key = hostKey(row);
    let entry = hosts.get(key);
    if (!entry) {
      entry = {
        key,
        connections: [],
        counts: new Map(),
        broken: 0,
        pinning: null,
        confirmed: false,
        mode: row.mode,
        apps: [],
        lastSeen: row.startedAt,
      };
      hosts.set(key, entry);
    }
    entry.connections.push(row);
    const category = row.category ?? 'live';
    entry.counts.set(category, (entry.counts.get(category) ?? 0) + 1);
    if (isBreakage(row.category)) {
      entry.broken++;
      if (row.pinning && (entry.pinning === null || PINNING_VALUES.indexOf(row.pinning) > PINNING_VALUES.indexOf(entry.pinning)))
        entry.pinning = row.pinning;
    }
    if (row.confirmed) entry.confirmed = true;
    if (row.app && !entry.apps.includes(row.app)) entry.apps.push(row.app);
    if (row.startedAt > entry.lastSeen) entry.lastSeen = row.startedAt;
  }
  return [...hosts.values()].sort((a, b) => rank(a) - rank(b) || b.lastSeen - a.lastSeen || (a.key < b.key ? -1 : 1));
}
