/**
 * The one entry object: a session, the connections recorded so far and their verdicts, and the proxy
 * that records into it while it runs. The CLI, the extension and the inspector hold a session and say
 * what they want (`start`, `stop`, `records`, `chooseMode`, `confirm`, `clear`…); the proxy, the store
 * and the diagnosis behind it stay private. A session outlives its proxy — Stop and Restart keep it,
 * only `clear()` empties it — so what was seen stays to read and export. A `Recording` read from a file
 * is a read-only view of one (`SessionView`), without the proxy and the live channels.
 */
import type { CertificateAuthority } from './pki/certificateAuthority';
import { Channel, ConnectionStore, type ConnectionEventNotice } from './connectionStore';
import { DEFAULT_CONFIRMATION, type ConfirmationEntry, type ConfirmationOptions } from './diagnosis/confirmation';
import { Diagnosis, type LiveHostState } from './diagnosis/diagnosis';
import type { HostSummary } from './diagnosis/hostSummary';
import type { Verdict } from './diagnosis/pinning';
import type { SessionView } from './diagnosis/sessionView';
import type { HostName } from './hostNames';
import { InterceptingProxy } from './proxy/proxyServer';
import type { ProxyOptions } from './proxy/proxyOptions';
import type { SkippedCapture } from './proxy/capturePolicy';
import type { CapturedConnection } from './report/capturedTraffic';
import { toConnectionLine, type ConnectionLine } from './report/connectionReport';
import type { ConnectionRecord } from './timeline';
import { DEFAULT_MAX_CONNECTIONS_KEPT, type Mode } from '../shared/vocabulary';

/** How long a stop waits for the connections it cut to close (their other sides, held closes). */
const STOP_SETTLE_MS = 2_000;

export interface JudgedNotice {
  readonly record: ConnectionRecord;
  readonly verdict: Verdict;
  readonly line: ConnectionLine;
  /** Judged again: its process became known after it was first judged and announced. */
  readonly update?: true;
}

export type HostChoice = Exclude<Mode, 'http'>;

export interface SessionOptions {
  readonly maxConnectionsKept?: number;
  readonly confirmation?: ConfirmationOptions;
  /** Where internal errors go (the session's listeners', its proxy's; never key material). */
  readonly onError?: (message: string) => void;
  /** The store its records are kept in, when the caller records into it by hand (a test); a new one otherwise. */
  readonly store?: ConnectionStore;
}

/** How the session's proxy listens and intercepts: everything but what the session owns (its records, choices and errors). */
export type ProxySettings = Omit<ProxyOptions, 'store' | 'policyHook' | 'maxConnectionsKept' | 'onError'>;

/** A session's proxy while it runs: where it listens, and what the programs it routes must trust. */
export interface Listening {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly ca: CertificateAuthority;
  /** PINSCOPE_SESSION in the environments this proxy hands out (random per start). */
  readonly sessionId: string;
  /** How connections are attributed to processes ("off" when the setting is off). */
  readonly attributionMethod: string;
  /** Public roots + the upstream CAs + the Pinscope CA: what proxied programs should trust. */
  readonly trustBundlePath: string;
  /** Client sockets open right now. */
  readonly openConnections: number;
}

export class Session implements SessionView {
  /** Every event of every connection, as it happens. */
  readonly onEvent: Channel<ConnectionEventNotice>;
  /** A connection finished and was judged. */
  readonly onJudged: Channel<JudgedNotice>;
  /** Fires once after `clear()`, when every record and verdict is gone. */
  readonly onCleared: Channel<void>;
  private readonly store: ConnectionStore;
  private readonly diagnosis: Diagnosis;
  private readonly choices = new Map<HostName, HostChoice>();
  private readonly onError: (message: string) => void;
  private proxy: InterceptingProxy | undefined;
  private starting = false;

  constructor(options: SessionOptions = {}) {
    const onError = options.onError ?? (() => undefined);
    this.onError = onError;
    this.store =
      options.store ??
      new ConnectionStore(options.maxConnectionsKept ?? DEFAULT_MAX_CONNECTIONS_KEPT, (error) =>
        onError(`a connection listener failed: ${String(error)}`),
      );
    // The diagnosis remembers as many hosts as the store keeps connections (they come off the network).
    this.diagnosis = new Diagnosis(options.confirmation ?? DEFAULT_CONFIRMATION, () => this.store.capacity);
    this.onEvent = this.store.onEvent;
    this.onJudged = new Channel((error) => onError(`a connection listener failed: ${String(error)}`));
    this.onCleared = new Channel((error) => onError(`a clear listener failed: ${String(error)}`));
    const isKept = (id: number): boolean => this.store.get(id) !== undefined;
    // An acceptance counts the moment the client sends data, not when its (kept-alive) connection closes.
    this.store.onEvent.subscribe(({ record, event }) => this.diagnosis.event(record, event));
    this.store.onClosed.subscribe((record) => this.diagnosis.closed(record));
    this.store.onFinished.subscribe((record) => {
      const verdict = this.diagnosis.finished(record, isKept);
      this.onJudged.emit({ record, verdict, line: toConnectionLine(record, verdict) });
    });
    this.store.onClientUpdated.subscribe((record) => {
      const verdict = this.diagnosis.rejudge(record, isKept);
      this.onJudged.emit({ record, verdict, line: toConnectionLine(record, verdict), update: true });
    });
  }

  // Its proxy.

  /**
   * Starts a proxy recording into this session (a session that already ran keeps what it saw, and its
   * choices hold for the new proxy). Throws a `ProxyStartError` when it cannot listen; throws when its proxy runs already.
   */
  async start(settings: ProxySettings): Promise<Listening> {
    if (this.proxy || this.starting) throw new Error('the session is already recording through a proxy');
    this.starting = true;
    try {
      // The policy reads the choices made for hosts, then a pending confirmation, through this one hook, before its patterns.
      this.proxy = await InterceptingProxy.start({
        ...settings,
        store: this.store,
        onError: this.onError,
        policyHook: (host) => this.modeChosenFor(host) ?? this.diagnosis.tunnelToConfirm(host),
      });
      return this.proxy;
    } finally {
      this.starting = false;
    }
  }

  /**
   * Stops listening and cuts every connection, then waits until each has closed and is judged and
   * announced (`onJudged`): a connection still closing, or waiting for its process (both bounded), is not
   * lost to a stop. The records stay, to read, export or record into again.
   */
  async stop(): Promise<void> {
    const proxy = this.proxy;
    if (!proxy) return;
    this.proxy = undefined;
    await proxy.stop();
    await this.store.settled(STOP_SETTLE_MS);
  }

  /** Where its proxy listens while it runs; undefined when stopped. */
  get listening(): Listening | undefined {
    return this.proxy;
  }

  /** The running proxy's tunnel patterns (the `pinscope.tunnelHosts` setting); undefined when stopped. */
  get tunnelHosts(): readonly string[] | undefined {
    return this.proxy?.policy.tunnelHosts;
  }

  /** Changes the running proxy's tunnel patterns; throws a `HostPatternError` for a bad one. Nothing to do when stopped. */
  setTunnelHosts(patterns: readonly string[]): void {
    this.proxy?.policy.setTunnelHosts(patterns);
  }

  setHandshakeTimeout(ms: number): void {
    this.proxy?.setHandshakeTimeout(ms);
  }

  /** The first bytes of both legs of connection `id` and their TLS secrets, while its proxy runs and kept them: what a pcapng export needs. */
  captureOf(id: number): CapturedConnection | undefined {
    return this.proxy?.captureOf(id);
  }

  /** Why connection `id` was left out of capture (a repeat of an accepted connection, or of a burst), if it was. */
  captureSkipped(id: number): SkippedCapture | undefined {
    return this.proxy?.captureSkipped(id);
  }

  // The connections it keeps.

  /** Every kept connection, oldest first. */
  records(): ConnectionRecord[] {
    return this.store.all();
  }

  record(id: number): ConnectionRecord | undefined {
    return this.store.get(id);
  }

  /** The verdict a connection got when it finished (sharpened by evidence that came later). */
  verdictOf(id: number): Verdict | undefined {
    return this.diagnosis.verdictOf(id);
  }

  /** Every host, re-judged with everything known now: O(connections), for summaries and exports. */
  hosts(): HostSummary[] {
    return this.diagnosis.hosts(this.store.all());
  }

  /** Cheap per-host state for live displays; `hosts()` re-judges everything for reports. */
  liveHosts(): LiveHostState[] {
    return this.diagnosis.liveHosts();
  }

  /** How many connections are kept now. */
  get connectionsKept(): number {
    return this.store.size;
  }

  /** How many were dropped to stay within `maxConnectionsKept`, since the session began or was last cleared. */
  get connectionsDropped(): number {
    return this.store.dropped;
  }

  get maxConnectionsKept(): number {
    return this.store.capacity;
  }

  set maxConnectionsKept(count: number) {
    this.store.capacity = count;
  }

  // What it does with a host.

  /** Choices made for hosts in this session (Tunnel host / Intercept host): a restarted proxy applies them again. */
  get hostChoices(): ReadonlyMap<HostName, HostChoice> {
    return this.choices;
  }

  /** Intercept or tunnel this host from now on, whatever the patterns say. */
  chooseMode(host: HostName, mode: HostChoice): void {
    this.choices.delete(host);
    this.choices.set(host, mode);
    // Hosts come off the network: no more choices than connections kept.
    for (const old of this.choices.keys()) {
      if (this.choices.size <= this.store.capacity) break;
      this.choices.delete(old);
    }
  }

  private modeChosenFor(host: HostName): { readonly mode: HostChoice; readonly reason: string } | undefined {
    const chosen = this.choices.get(host);
    return chosen && { mode: chosen, reason: `${chosen === 'tunnel' ? 'tunnelled' : 'intercepted'} by the user's choice for ${host}` };
  }

  // Confirmation by tunnelling.

  /** Tunnels this host's next connection to confirm that it breaks only under inspection. */
  confirm(host: HostName): ConfirmationEntry {
    return this.diagnosis.confirm(host);
  }

  forgetConfirmation(host: HostName): boolean {
    return this.diagnosis.forgetConfirmation(host);
  }

  confirmations(): ConfirmationEntry[] {
    return this.diagnosis.confirmations();
  }

  configureConfirmation(options: ConfirmationOptions): void {
    this.diagnosis.configureConfirmation(options);
  }

  /** Forgets every finished record, verdict, the peer context and the live host states; fires `onCleared`. */
  clear(): void {
    this.store.clear();
    this.diagnosis.reset();
    this.onCleared.emit();
  }
}
