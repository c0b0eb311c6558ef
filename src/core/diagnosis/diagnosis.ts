/**
 * The one owner of what is known about the connections seen so far: each finished connection's verdict,
 * the evidence about each client (what it accepted, the moment it did; where it broke), confirmation by
 * tunnelling, and the live state of each host. Judges live, with `judgeConnection` (judgement.ts), the
 * same function a recording and an export judge with.
 */
import type { TimelineEvent } from '../../shared/timelineEvents';
import { TunnelConfirmation, type ConfirmationEntry, type ConfirmationOptions, type TunnelDecision } from './confirmation';
import { judgeAll, summariseHosts, type HostSummary, type JudgedConnection } from './hostSummary';
import { strongest, type Verdict } from './pinning';
import { BREAKAGE, DEFAULT_MAX_CONNECTIONS_KEPT, type Category, type Pinning } from '../../shared/vocabulary';
import { classify } from './classification';
import { clientSentData, targetHost, type ConnectionRecord } from '../timeline';
import type { HostName } from '../hostNames';
import { addConfirmation, judgeConnection, noEvidence, observeAcceptance, observeFinished } from './judgement';

/** What the status bar and headlines need per host, kept up to date as connections finish (O(hosts)). */
export interface LiveHostState {
  readonly host: HostName;
  readonly breaks: boolean;
  readonly pinning: Pinning;
}

/** Verdicts of connections no longer kept are dropped once this many more than the kept ones pile up. */
const VERDICT_SLACK = 1000;

interface Judged {
  readonly record: ConnectionRecord;
  verdict: Verdict;
  /** The evidence generation it was judged with: a breakage judged before newer evidence is judged again when read. */
  generation: number;
}

export class Diagnosis {
  private readonly confirmation: TunnelConfirmation;
  private readonly evidence = noEvidence();
  /** Connections that sent data before their process was known: credited again once it is. */
  private readonly unattributedAcceptances = new Set<ConnectionRecord>();
  private readonly closedSeen = new WeakSet<ConnectionRecord>();
  private readonly verdicts = new Map<number, Judged>();
  private readonly liveHostStates = new Map<HostName, LiveHostState>();

  /**
   * `capacity`: how many connections the store keeps; as many hosts and fingerprints are remembered
   * (they come off the network), the oldest go first.
   */
  constructor(
    confirmation?: ConfirmationOptions,
    private readonly capacity: () => number = () => DEFAULT_MAX_CONNECTIONS_KEPT,
  ) {
    this.confirmation = new TunnelConfirmation(confirmation, capacity);
  }

  /**
   * An event of a live connection: the client's first application data through a forged certificate is
   * an acceptance, counted now — an HTTP client keeps its connection open for minutes.
   */
  event(record: ConnectionRecord, event: TimelineEvent): void {
    if (event.kind !== 'first-data' || event.from !== 'client' || record.mode !== 'intercept') return;
    observeAcceptance(this.evidence, record, this.capacity());
    if (record.client === undefined) {
      this.unattributedAcceptances.add(record);
      for (const old of this.unattributedAcceptances) {
        if (this.unattributedAcceptances.size <= this.capacity()) break;
        this.unattributedAcceptances.delete(old);
      }
    }
  }

  /** Credits acceptances whose process became known since they were seen. */
  private settleAcceptances(): void {
    for (const record of this.unattributedAcceptances) {
      if (record.client !== undefined) observeAcceptance(this.evidence, record, this.capacity());
      if (record.client !== undefined || record.finished) this.unattributedAcceptances.delete(record);
    }
  }

  /**
   * Judges a connection that just finished, learns from it and keeps its verdict; `isKept` says which
   * connections the store still keeps, so verdicts of dropped ones do not pile up.
   */
  finished(record: ConnectionRecord, isKept: (id: number) => boolean): Verdict {
    const classification = classify(record);
    const host = targetHost(record);
    if (!this.closedSeen.delete(record)) this.observeConfirmation(record, host, classification.category);
    this.settleAcceptances();
    observeFinished(this.evidence, record, classification.category, this.capacity());
    const verdict = this.judge(record);
    if (this.verdicts.size > this.capacity() + VERDICT_SLACK) {
      for (const known of this.verdicts.keys()) if (!isKept(known)) this.verdicts.delete(known);
    }
    return verdict;
  }

  private judge(record: ConnectionRecord): Verdict {
    for (const host of this.confirmation.confirmedHosts()) addConfirmation(this.evidence, host);
    const verdict = judgeConnection(record, this.evidence);
    this.verdicts.set(record.id, { record, verdict, generation: this.evidence.generation });
    this.track(targetHost(record), verdict);
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

  private observeConfirmation(record: ConnectionRecord, host: HostName, category: Category): void {
    this.confirmation.observe(host, record.mode, category, clientSentData(record.events));
  }

  /** The verdict of a finished connection, with what is known now (evidence that came later sharpens it). */
  verdictOf(id: number): Verdict | undefined {
    const judged = this.verdicts.get(id);
    if (!judged || judged.generation === this.evidence.generation || !BREAKAGE.has(judged.verdict.category)) return judged?.verdict;
    this.settleAcceptances();
    return this.judge(judged.record);
  }

  private track(host: HostName, verdict: Verdict): void {
    const previous = this.liveHostStates.get(host);
    const breaks = BREAKAGE.has(verdict.category);
    if (!breaks) {
      if (!previous) this.liveHostStates.set(host, { host, breaks: false, pinning: 'unlikely' });
    } else {
      this.liveHostStates.set(host, {
        host,
        breaks: true,
        pinning: previous?.breaks ? strongest(previous.pinning, verdict.pinning) : verdict.pinning,
      });
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
    return judgeAll(records, [...this.confirmation.confirmedHosts(), ...this.evidence.confirmed]);
  }

  hosts(records: readonly ConnectionRecord[]): HostSummary[] {
    return summariseHosts(this.judgeAll(records));
  }

  /** The proxy's policy hook: tunnels a host whose confirmation is pending. */
  tunnelToConfirm(host: HostName): TunnelDecision | undefined {
    return this.confirmation.tunnelToConfirm(host);
  }

  /** The user asks to confirm one host now: its next connection is tunnelled. */
  confirm(host: HostName): ConfirmationEntry {
    return this.confirmation.request(host);
  }

  forgetConfirmation(host: HostName): boolean {
    return this.confirmation.forget(host);
  }

  confirmations(): ConfirmationEntry[] {
    return this.confirmation.list();
  }

  configureConfirmation(options: ConfirmationOptions): void {
    this.confirmation.configure(options);
  }

  /** Forgets every verdict, the evidence and the live host states (learned confirmations stay in `confirmation`). */
  reset(): void {
    this.evidence.byClient.clear();
    this.evidence.acceptedByFingerprint.clear();
    this.evidence.confirmed.clear();
    this.evidence.generation++;
    this.unattributedAcceptances.clear();
    this.verdicts.clear();
    this.liveHostStates.clear();
  }
}
