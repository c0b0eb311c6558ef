/**
 * The one entry object: the proxy joined to its diagnosis, what the CLI and the extension both run.
 * Callers say what they want (records, chooseMode, confirm, clear…); the proxy, the store and the
 * diagnosis behind it stay private.
 */
import type { CertificateAuthority } from './pki/certificateAuthority';
import type { Channel, ConnectionEventNotice } from './connectionStore';
import type { ConfirmationEntry, ConfirmationOptions } from './diagnosis/confirmation';
import type { LiveHostState } from './diagnosis/diagnosis';
import type { HostSummary } from './diagnosis/hostSummary';
import type { Verdict } from './diagnosis/pinning';
import type { Mode } from '../shared/vocabulary';
import type { HostName } from './hostNames';
import { InterceptingProxy, type ProxyOptions } from './proxy/proxyServer';
import { Session, type JudgedNotice } from './session';
import type { SessionView } from './diagnosis/sessionView';
import type { ConnectionRecord } from './timeline';
import type { CapturedConnection } from './report/capturedTraffic';

export type { JudgedNotice } from './session';

export interface EngineOptions extends Omit<ProxyOptions, 'policyHook' | 'store'> {
  readonly confirmation?: ConfirmationOptions;
  /** Records into this session (kept from a previous run: stop and restart keep what was seen); a new one otherwise. */
  readonly session?: Session;
}

export class Engine implements SessionView {
  /** Every event of every connection, as it happens. */
  readonly onEvent: Channel<ConnectionEventNotice>;
  /** A connection finished and was judged. */
  readonly onJudged: Channel<JudgedNotice>;
  /** Fires once after `clear()`, when every record and verdict is gone. */
  readonly onCleared: Channel<void>;

  private constructor(
    private readonly proxy: InterceptingProxy,
    readonly session: Session,
  ) {
    this.onEvent = session.onEvent;
    this.onJudged = session.onJudged;
    this.onCleared = session.onCleared;
  }

  static async start(options: EngineOptions): Promise<Engine> {
    const session =
      options.session ??
      new Session({
        ...(options.maxConnectionsKept !== undefined ? { maxConnectionsKept: options.maxConnectionsKept } : {}),
        ...(options.confirmation ? { confirmation: options.confirmation } : {}),
        ...(options.onError ? { onError: options.onError } : {}),
      });
    if (options.session) {
      if (options.maxConnectionsKept !== undefined) session.maxConnectionsKept = options.maxConnectionsKept;
      if (options.confirmation) session.diagnosis.configureConfirmation(options.confirmation);
    }
    // The session owns the choices made for hosts (so they hold for a restarted proxy too); the policy reads
    // them, then a pending confirmation, through this one hook, before its patterns.
    const proxy = await InterceptingProxy.start({
      ...options,
      store: session.store,
      policyHook: (host) => session.modeChosenFor(host) ?? session.diagnosis.tunnelToConfirm(host),
    });
    return new Engine(proxy, session);
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
    return this.session.records();
  }

  record(id: number): ConnectionRecord | undefined {
    return this.session.record(id);
  }

  /** The verdict a connection got when it finished. */
  verdictOf(id: number): Verdict | undefined {
    return this.session.verdictOf(id);
  }

  /** How many connections are kept now. */
  get connectionsKept(): number {
    return this.session.connectionsKept;
  }

  /** How many were dropped to stay within `maxConnectionsKept`, since start or the last clear. */
  get connectionsDropped(): number {
    return this.session.connectionsDropped;
  }

  get maxConnectionsKept(): number {
    return this.session.maxConnectionsKept;
  }

  setMaxConnectionsKept(count: number): void {
    this.session.maxConnectionsKept = count;
  }

  // What it does with a host.

  /** Intercept or tunnel this host from now on, whatever the patterns say. */
  chooseMode(host: HostName, mode: Exclude<Mode, 'http'>): void {
    this.session.chooseMode(host, mode);
  }

  /** The choices made with `chooseMode`, by normalised host (the session's: one map). */
  get hostChoices(): ReadonlyMap<HostName, Exclude<Mode, 'http'>> {
    return this.session.hostChoices;
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

  /** The first bytes of both legs of connection `id` and their TLS secrets, when captured: what a pcapng export needs. */
  captureOf(id: number): CapturedConnection | undefined {
    return this.proxy.captureOf(id);
  }

  // Confirmation by tunnelling.

  /** Tunnels this host's next connection to confirm that it breaks only under inspection. */
  confirm(host: HostName): ConfirmationEntry {
    return this.session.diagnosis.confirm(host);
  }

  forgetConfirmation(host: HostName): boolean {
    return this.session.diagnosis.forgetConfirmation(host);
  }

  confirmations(): ConfirmationEntry[] {
    return this.session.diagnosis.confirmations();
  }

  configureConfirmation(options: ConfirmationOptions): void {
    this.session.diagnosis.configureConfirmation(options);
  }

  // Verdicts.

  /** Cheap per-host state for live displays; `hosts()` re-judges everything for reports. */
  liveHosts(): LiveHostState[] {
    return this.session.liveHosts();
  }

  /** Every host, re-judged with everything known now: O(connections), for summaries and exports. */
  hosts(): HostSummary[] {
    return this.session.hosts();
  }

  clear(): void {
    this.session.clear();
  }

  /**
   * Stops listening, then waits until every connection that closed is judged and announced (`onJudged`):
   * a connection still waiting for its process (bounded) is not lost to a stop. The session and its
   * records stay (`session`), to read, export or record into again.
   */
  async stop(): Promise<void> {
    await this.proxy.stop();
    await this.session.store.announced();
  }
}
