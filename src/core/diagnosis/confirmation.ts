/**
 * Confirmation by tunnelling (opt-in): after a host has broken under interception a configured number of
 * times, its next connection is tunnelled untouched. If data then flows, the host "breaks only under
 * inspection (confirmed)". Every entry is in memory only, visible, undoable, and expires.
 */
import { BREAKAGE, DEFAULT_MAX_CONNECTIONS_KEPT, type Category, type Mode } from '../../shared/vocabulary';
import type { HostName } from '../hostNames';
import { findEvent } from '../../shared/timelineEvents';
import { clientSentData, targetHost, type ConnectionRecord } from '../timeline';

/** How a tunnelled confirmation is recorded (the `policy` event's reason): a recording carries its confirmations. */
const CONFIRMING = 'confirming by tunnelling';

type ConfirmationState = 'counting' | 'pending' | 'confirmed' | 'not-confirmed';

export interface ConfirmationEntry {
  readonly host: HostName;
  readonly state: ConfirmationState;
  readonly failures: number;
  readonly updatedAt: number;
}

export interface ConfirmationOptions {
  readonly enabled: boolean;
  /** Breakages under interception before the next connection is tunnelled. */
  readonly failuresBeforeTunnel: number;
  /** How long a learned entry lasts, in ms. */
  readonly expiryMs: number;
  readonly now?: () => number;
}

/** What the proxy's policy does with a host whose confirmation is pending. */
export interface TunnelDecision {
  readonly mode: 'tunnel';
  readonly reason: string;
}

export const DEFAULT_CONFIRMATION: ConfirmationOptions = { enabled: false, failuresBeforeTunnel: 2, expiryMs: 15 * 60_000 };

export class TunnelConfirmation {
  private readonly entries = new Map<HostName, ConfirmationEntry>();
  private options: ConfirmationOptions;

  /** `capacity`: at most this many hosts are remembered (hosts come off the network), the oldest go first. */
  constructor(
    options: ConfirmationOptions = DEFAULT_CONFIRMATION,
    private readonly capacity: () => number = () => DEFAULT_MAX_CONNECTIONS_KEPT,
  ) {
    this.options = options;
  }

  private store(entry: ConfirmationEntry): ConfirmationEntry {
    this.entries.delete(entry.host);
    this.entries.set(entry.host, entry);
    for (const host of this.entries.keys()) {
      if (this.entries.size <= this.capacity()) break;
      this.entries.delete(host);
    }
    return entry;
  }

  configure(options: ConfirmationOptions): void {
    this.options = options;
    if (!options.enabled) this.entries.clear();
  }

  get enabled(): boolean {
    return this.options.enabled;
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  list(): ConfirmationEntry[] {
    this.expire();
    return [...this.entries.values()];
  }

  confirmedHosts(): Set<HostName> {
    return new Set(
      this.list()
        .filter((e) => e.state === 'confirmed')
        .map((e) => e.host),
    );
  }

  forget(host: HostName): boolean {
    return this.entries.delete(host);
  }

  /** The policy hook: tunnels a host whose confirmation is pending. */
  tunnelToConfirm(host: HostName): TunnelDecision | undefined {
    this.expire();
    const entry = this.entries.get(host);
    if (entry?.state !== 'pending') return undefined;
    return {
      mode: 'tunnel',
      reason:
        entry.failures > 0
          ? `${CONFIRMING}: ${host} broke ${entry.failures} times under interception`
          : `${CONFIRMING}, as asked for ${host}`,
    };
  }

  /** The user asks to confirm one host now: its next connection is tunnelled, whatever the setting. */
  request(host: HostName): ConfirmationEntry {
    return this.store({ host, state: 'pending' as const, failures: this.entries.get(host)?.failures ?? 0, updatedAt: this.now() });
  }

  /** Feeds a finished connection's outcome. */
  observe(host: HostName, mode: Mode, category: Category, dataFlowed: boolean): ConfirmationEntry | undefined {
    if (mode === 'http') return undefined;
    const entry = this.entries.get(host);
    // Learning from failures is opt-in; a confirmation the user asked for is always completed.
    if (!this.options.enabled && entry?.state !== 'pending') return undefined;
    const update = (state: ConfirmationState, failures: number): ConfirmationEntry =>
      this.store({ host, state, failures, updatedAt: this.now() });
    if (mode === 'tunnel') {
      if (entry?.state !== 'pending') return undefined;
      return update(dataFlowed ? 'confirmed' : 'not-confirmed', entry.failures);
    }
    if (!BREAKAGE.has(category) || category === 'tls-mismatch') return undefined;
    if (entry && entry.state !== 'counting') return undefined;
    const failures = (entry?.failures ?? 0) + 1;
    return update(failures >= this.options.failuresBeforeTunnel ? 'pending' : 'counting', failures);
  }

  private expire(): void {
    const cutoff = this.now() - this.options.expiryMs;
    for (const [host, entry] of this.entries) if (entry.updatedAt < cutoff) this.entries.delete(host);
  }
}

/**
 * The hosts a set of records confirms: a connection tunnelled to confirm its host (its policy says so)
 * that carried data. The same facts the live confirmation learned, read back from the records, so a
 * recording judges as the session did.
 */
export function confirmedIn(records: Iterable<Pick<ConnectionRecord, 'host' | 'mode' | 'events'>>): Set<HostName> {
  const hosts = new Set<HostName>();
  for (const record of records) {
    if (record.mode !== 'tunnel' || !clientSentData(record.events)) continue;
    if (findEvent(record.events, 'policy')?.reason.startsWith(CONFIRMING)) hosts.add(targetHost(record));
  }
  return hosts;
}
