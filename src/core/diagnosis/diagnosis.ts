/**
 * The one owner of what is known about the connections seen so far: each finished connection's verdict,
 * the client fingerprints that worked or broke elsewhere (the peer context), confirmation by
 * tunnelling, and the live state of each host. Judges live, as connections finish.
 */
import { TunnelConfirmation, type ConfirmationEntry, type ConfirmationOptions, type TunnelDecision } from './confirmation';
import { judgeAll, summariseHosts, type HostSummary, type JudgedConnection } from './hostSummary';
import { judge, noPeerObservations, observePeer, strongest, type Verdict } from './pinning';
import { BREAKAGE, DEFAULT_MAX_CONNECTIONS_KEPT, type Category, type Pinning } from '../../shared/vocabulary';
import { classify } from './classification';
import { hasEvent, targetHost, type ConnectionRecord } from '../timeline';
import { judgeWithTrust, noTrustAwareObservations, observeTrustAware } from './trustAwareJudgement';
import { attributedRecord } from './recordClients';

/** What the status bar and headlines need per host, kept up to date as connections finish (O(hosts)). */
export interface LiveHostState {
  readonly host: string;
  readonly breaks: boolean;
  readonly pinning: Pinning;
}

/** Verdicts of connections no longer kept are dropped once this many more than the kept ones pile up. */
const VERDICT_SLACK = 1000;

export class Diagnosis {
  private readonly confirmation: TunnelConfirmation;
  private readonly peers = noPeerObservations();
  private readonly trustPeers = noTrustAwareObservations();
  private readonly closedSeen = new WeakSet<ConnectionRecord>();
  private readonly verdicts = new Map<number, Verdict>();
  private readonly liveHostStates = new Map<string, LiveHostState>();

  /**
   * `capacity`: how many connections the store keeps; as many hosts and fingerprints are remembered
   * (they come off the network), the oldest go first.
   */
  constructor(confirmation?: ConfirmationOptions, private readonly capacity: () => number = () => DEFAULT_MAX_CONNECTIONS_KEPT) {
    this.confirmation = new TunnelConfirmation(confirmation, capacity);
  }

  /**
   * Judges a connection that just finished, learns from it and keeps its verdict; `isKept` says which
   * connections the store still keeps, so verdicts of dropped ones do not pile up.
   */
  finished(record: ConnectionRecord, isKept: (id: number) => boolean): Verdict {
    const classification = classify(record);
    const host = targetHost(record);
    observePeer(this.peers, record, () => classification.category, this.capacity());
    if (!this.closedSeen.delete(record)) this.observeConfirmation(record, host, classification.category);
    const confirmed = this.confirmation.confirmedHosts();
    // With its process known, judged by what that process did and whether it trusts the CA.
    const attributed = attributedRecord(record);
    if (attributed) observeTrustAware(this.trustPeers, attributed, classification.category, this.capacity());
    const verdict = attributed ? judgeWithTrust(attributed, { ...this.trustPeers, confirmed }) : judge(record, { ...this.peers, confirmed });
    this.verdicts.set(record.id, verdict);
    if (this.verdicts.size > this.capacity() + VERDICT_SLACK) {
      for (const known of this.verdicts.keys()) if (!isKept(known)) this.verdicts.delete(known);
    }
    this.track(host, verdict);
    return verdict;
  }

  /**
   * A finished connection's process became known after it was judged: judged again with it (its
   * confirmation, counted when it closed, is not counted twice).
   */
  rejudge(record: ConnectionRecord, isKept: (id: number) => boolean): Verdict {
    this.closedSeen.add(record);
    return this.finished(record, isKept);
  }

  /**
   * A connection closed: confirmation by tunnelling counts it at once (its process, which the verdict
   * waits for, does not matter to whether the host breaks).
   */
  closed(record: ConnectionRecord): void {
    this.closedSeen.add(record);
    this.observeConfirmation(record, targetHost(record), classify(record).category);
  }

  private observeConfirmation(record: ConnectionRecord, host: string, category: Category): void {
    this.confirmation.observe(host, record.mode, category, hasEvent(record.events, 'first-data'));
  }

  /** The verdict a connection got when it finished. */
  verdictOf(id: number): Verdict | undefined {
    return this.verdicts.get(id);
  }

  private track(host: string, verdict: Verdict): void {
    const previous = this.liveHostStates.get(host);
    const breaks = BREAKAGE.has(verdict.category);
    if (!breaks) {
      if (!previous) this.liveHostStates.set(host, { host, breaks: false, pinning: 'unlikely' });
    } else {
      this.liveHostStates.set(host, { host, breaks: true, pinning: previous?.breaks ? strongest(previous.pinning, verdict.pinning) : verdict.pinning });
    }
    // Hosts come off the network: as many as the store keeps connections, the oldest first.
    for (const old of this.liveHostStates.keys()) {
      if (this.liveHostStates.size <= this.capacity()) break;
      this.liveHostStates.delete(old);
    }
  }

  /** Cheap per-host state for live displays; `hosts()` re-judges everything for reports. */
  liveHosts(): LiveHostState[] {
    return [...this.liveHostStates.values()];
  }

  /** Re-judges every connection with everything known now (later connections can sharpen earlier verdicts). */
  judgeAll(records: readonly ConnectionRecord[]): JudgedConnection[] {
    return judgeAll(records, this.confirmation.confirmedHosts());
  }

  hosts(records: readonly ConnectionRecord[]): HostSummary[] {
    return summariseHosts(this.judgeAll(records));
  }

  /** The proxy's policy hook: tunnels a host whose confirmation is pending. */
  decide(host: string): TunnelDecision | undefined {
    return this.confirmation.decide(host);
  }

  /** The user asks to confirm one host now: its next connection is tunnelled. */
  confirm(host: string): ConfirmationEntry {
    return this.confirmation.request(host);
  }

  forgetConfirmation(host: string): boolean {
    return this.confirmation.forget(host);
  }

  confirmations(): ConfirmationEntry[] {
    return this.confirmation.list();
  }

  configureConfirmation(options: ConfirmationOptions): void {
    this.confirmation.configure(options);
  }

  /** Forgets every verdict, the peer context and the live host states (learned confirmations stay). */
  reset(): void {
    this.peers.acceptedBy.clear();
    this.peers.brokenBy.clear();
    this.trustPeers.byClient.clear();
    this.trustPeers.acceptedByFingerprint.clear();
    this.verdicts.clear();
    this.liveHostStates.clear();
  }
}
