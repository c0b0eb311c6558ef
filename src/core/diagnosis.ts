/**
 * Joins the proxy's finished connections to their verdicts, live: an incremental peer context, the
 * confirmation-by-tunnelling state, and per-host summaries on demand.
 */
import { TunnelConfirmation, type ConfirmationOptions } from './confirmation';
import { judgeAll, summariseHosts, type HostSummary, type JudgedConnection } from './hostSummary';
import { judge, ja4Of, type Verdict } from './pinning';
import { BREAKAGE } from '../shared/vocabulary';
import { classify } from './classification';
import { hasEvent, targetHost, type ConnectionRecord } from './timeline';
import { DEFAULT_STORE_CAPACITY } from './connectionStore';

/** Adds host to the fingerprint's set, keeping at most `capacity` fingerprints and hosts each (the oldest go). */
function remember(map: Map<string, Set<string>>, ja4: string, host: string, capacity: number): void {
  const hosts = map.get(ja4) ?? new Set<string>();
  hosts.delete(host);
  hosts.add(host);
  for (const old of hosts) {
    if (hosts.size <= capacity) break;
    hosts.delete(old);
  }
  map.delete(ja4);
  map.set(ja4, hosts);
  for (const old of map.keys()) {
    if (map.size <= capacity) break;
    map.delete(old);
  }
}

export class Diagnosis {
  readonly confirmation: TunnelConfirmation;
  private readonly acceptedBy = new Map<string, Set<string>>();
  private readonly brokenBy = new Map<string, Set<string>>();

  /** `capacity`: how many hosts and fingerprints are remembered (the store's capacity: they come off the network). */
  constructor(confirmation?: ConfirmationOptions, private readonly capacity: () => number = () => DEFAULT_STORE_CAPACITY) {
    this.confirmation = new TunnelConfirmation(confirmation, capacity);
  }

  /** Judges a connection that just finished, and learns from it. */
  finished(record: ConnectionRecord): Verdict {
    const classification = classify(record);
    const host = targetHost(record);
    const ja4 = ja4Of(record);
    if (ja4 && record.mode === 'intercept') {
      const target = classification.category === 'ok' ? this.acceptedBy : BREAKAGE.has(classification.category) ? this.brokenBy : undefined;
      if (target) remember(target, ja4, host, this.capacity());
    }
    this.confirmation.observe(host, record.mode, classification.category, hasEvent(record.events, 'first-data'));
    return judge(record, { acceptedBy: this.acceptedBy, brokenBy: this.brokenBy, confirmed: this.confirmation.confirmedHosts() });
  }

  /** Re-judges every connection with everything known now (later connections can sharpen earlier verdicts). */
  judgeAll(records: readonly ConnectionRecord[]): JudgedConnection[] {
    return judgeAll(records, this.confirmation.confirmedHosts());
  }

  hosts(records: readonly ConnectionRecord[]): HostSummary[] {
    return summariseHosts(this.judgeAll(records));
  }

  reset(): void {
    this.acceptedBy.clear();
    this.brokenBy.clear();
  }
}
