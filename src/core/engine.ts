/**
 * The one entry object: the proxy joined to its diagnosis, what the CLI and the extension both run.
 * Callers say what they want (records, chooseMode, confirm, clear…); the proxy, the store and the
 * diagnosis behind it stay private.
 */
import type { CertificateAuthority } from './pki/certificateAuthority';
import { toConnectionLine, type ConnectionLine } from './report/connectionReport';
import { Channel, type ConnectionEventNotice } from './connectionStore';
import { DEFAULT_CONFIRMATION, type ConfirmationEntry, type ConfirmationOptions } from './diagnosis/confirmation';
import { Diagnosis, type LiveHostState } from './diagnosis/diagnosis';
import type { HostSummary } from './diagnosis/hostSummary';
import type { Verdict } from './diagnosis/pinning';
import { DEFAULT_MAX_CONNECTIONS_KEPT, type Mode } from '../shared/vocabulary';
import { InterceptingProxy, type ProxyOptions } from './proxy/proxyServer';
import type { ConnectionRecord } from './timeline';

export interface JudgedNotice {
  readonly record: ConnectionRecord;
  readonly verdict: Verdict;
  readonly line: ConnectionLine;
}

export interface EngineOptions extends Omit<ProxyOptions, 'policyHook'> {
  readonly confirmation?: ConfirmationOptions;
}

export class Engine {
  /** Every event of every connection, as it happens. */
  readonly onEvent: Channel<ConnectionEventNotice>;
  /** A connection finished and was judged. */
  readonly onJudged: Channel<JudgedNotice>;
  /** Fires once after `clear()`, when every record and verdict is gone. */
  readonly onCleared: Channel<void>;

  private constructor(private readonly proxy: InterceptingProxy, private readonly diagnosis: Diagnosis, onError: (message: string) => void) {
    this.onEvent = proxy.store.onEvent;
    this.onJudged = new Channel((error) => onError(`a connection listener failed: ${String(error)}`));
    this.onCleared = new Channel((error) => onError(`a clear listener failed: ${String(error)}`));
    const isKept = (id: number): boolean => proxy.store.get(id) !== undefined;
    proxy.store.onClosed.subscribe((record) => diagnosis.closed(record));
    proxy.store.onFinished.subscribe((record) => {
      const verdict = diagnosis.finished(record, isKept);
      this.onJudged.emit({ record, verdict, line: toConnectionLine(record, verdict) });
    });
  }

  static async start(options: EngineOptions): Promise<Engine> {
    const onError = options.onError ?? (() => undefined);
    // The diagnosis remembers as many hosts as the store keeps connections (they come off the network).
    let storeCapacity = (): number => DEFAULT_MAX_CONNECTIONS_KEPT;
    const diagnosis = new Diagnosis(options.confirmation ?? DEFAULT_CONFIRMATION, () => storeCapacity());
    const proxy = await InterceptingProxy.start({ ...options, policyHook: (host) => diagnosis.decide(host) });
    storeCapacity = () => proxy.store.capacity;
    return new Engine(proxy, diagnosis, onError);
  }

  // Where it listens and what programs must trust.

  get url(): string {
    return this.proxy.url;
  }

  get host(): string {
    return this.proxy.host;
  }

  get port(): number {
    return this.proxy.port;
  }

  get ca(): CertificateAuthority {
    return this.proxy.ca;
  }

  /** PINSCOPE_SESSION in the environments this proxy hands out (random per start). */
  get sessionId(): string {
    return this.proxy.sessionId;
  }

  /** How connections are attributed to processes ("off" when the setting is off). */
  get attributionMethod(): string {
    return this.proxy.attributionMethod;
  }

  /** Public roots + the upstream CAs + the Pinscope CA: what proxied programs should trust. */
  get trustBundlePath(): string {
    return this.proxy.trustBundlePath;
  }

  /** Client sockets open right now. */
  get openConnections(): number {
    return this.proxy.openConnections;
  }

  // The connections it keeps.

  /** Every kept connection, oldest first. */
  records(): ConnectionRecord[] {
    return this.proxy.store.all();
  }

  record(id: number): ConnectionRecord | undefined {
    return this.proxy.store.get(id);
  }

  /** The verdict a connection got when it finished. */
  verdictOf(id: number): Verdict | undefined {
    return this.diagnosis.verdictOf(id);
  }

  /** How many connections are kept now. */
  get connectionsKept(): number {
    return this.proxy.store.size;
  }

  /** How many were dropped to stay within `maxConnectionsKept`, since start or the last clear. */
  get connectionsDropped(): number {
    return this.proxy.store.dropped;
  }

  get maxConnectionsKept(): number {
    return this.proxy.store.capacity;
  }

  setMaxConnectionsKept(count: number): void {
    this.proxy.store.capacity = count;
  }

  // What it does with a host.

  /** Intercept or tunnel this host from now on, whatever the patterns say. */
  chooseMode(host: string, mode: Exclude<Mode, 'http'>): void {
    this.proxy.policy.choose(host, mode);
  }

  /** The choices made with `chooseMode`, by normalised host. */
  get hostChoices(): ReadonlyMap<string, Exclude<Mode, 'http'>> {
    return this.proxy.policy.hostChoices;
  }

  get tunnelHosts(): readonly string[] {
    return this.proxy.policy.tunnelHosts;
  }

  setTunnelHosts(patterns: readonly string[]): void {
    this.proxy.policy.setTunnelHosts(patterns);
  }

  setHandshakeTimeout(ms: number): void {
    this.proxy.setHandshakeTimeout(ms);
  }

  // Confirmation by tunnelling.

  /** Tunnels this host's next connection to confirm that it breaks only under inspection. */
  confirm(host: string): ConfirmationEntry {
    return this.diagnosis.confirm(host);
  }

  forgetConfirmation(host: string): boolean {
    return this.diagnosis.forgetConfirmation(host);
  }

  confirmations(): ConfirmationEntry[] {
    return this.diagnosis.confirmations();
  }

  configureConfirmation(options: ConfirmationOptions): void {
    this.diagnosis.configureConfirmation(options);
  }

  // Verdicts.

  /** Cheap per-host state for live displays; `hosts()` re-judges everything for reports. */
  liveHosts(): LiveHostState[] {
    return this.diagnosis.liveHosts();
  }

  /** Every host, re-judged with everything known now: O(connections), for summaries and exports. */
  hosts(): HostSummary[] {
    return this.diagnosis.hosts(this.proxy.store.all());
  }

  clear(): void {
    this.proxy.store.clear();
    this.diagnosis.reset();
    this.onCleared.emit();
  }

  stop(): Promise<void> {
    return this.proxy.stop();
  }
}
