/**
 * A session: the connections recorded so far and their verdicts. It outlives the proxy — Stop and
 * Restart keep it, only `clear()` empties it — so what was seen stays to read and export. An `Engine`
 * records into one; a `Recording` read from a file is a session too (without the live channels).
 */
import { Channel, ConnectionStore, type ConnectionEventNotice } from './connectionStore';
import { DEFAULT_CONFIRMATION, type ConfirmationOptions } from './diagnosis/confirmation';
import { Diagnosis, type LiveHostState } from './diagnosis/diagnosis';
import type { HostSummary } from './diagnosis/hostSummary';
import type { Verdict } from './diagnosis/pinning';
import { toConnectionLine, type ConnectionLine } from './report/connectionReport';
import type { HostName } from './hostNames';
import type { ConnectionRecord } from './timeline';
import type { SessionView } from './diagnosis/sessionView';
import { DEFAULT_MAX_CONNECTIONS_KEPT, type Mode } from '../shared/vocabulary';

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
  readonly onError?: (message: string) => void;
}

export class Session implements SessionView {
  /** Every event of every connection, as it happens (from whichever proxy records into this session). */
  readonly onEvent: Channel<ConnectionEventNotice>;
  /** A connection finished and was judged. */
  readonly onJudged: Channel<JudgedNotice>;
  /** Fires once after `clear()`, when every record and verdict is gone. */
  readonly onCleared: Channel<void>;
  /** @internal the proxy records into it */
  readonly store: ConnectionStore;
  /** @internal the engine's policy hook and confirmation read it */
  readonly diagnosis: Diagnosis;
  private readonly choices = new Map<HostName, HostChoice>();

  constructor(options: SessionOptions = {}) {
    const onError = options.onError ?? (() => undefined);
    this.store = new ConnectionStore(options.maxConnectionsKept ?? DEFAULT_MAX_CONNECTIONS_KEPT, (error) =>
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

  records(): ConnectionRecord[] {
    return this.store.all();
  }

  record(id: number): ConnectionRecord | undefined {
    return this.store.get(id);
  }

  verdictOf(id: number): Verdict | undefined {
    return this.diagnosis.verdictOf(id);
  }

  hosts(): HostSummary[] {
    return this.diagnosis.hosts(this.store.all());
  }

  liveHosts(): LiveHostState[] {
    return this.diagnosis.liveHosts();
  }

  get connectionsKept(): number {
    return this.store.size;
  }

  get connectionsDropped(): number {
    return this.store.dropped;
  }

  get maxConnectionsKept(): number {
    return this.store.capacity;
  }

  set maxConnectionsKept(count: number) {
    this.store.capacity = count;
  }

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

  /** The proxy's policy reads a choice through its hook. */
  modeChosenFor(host: HostName): { readonly mode: HostChoice; readonly reason: string } | undefined {
    const chosen = this.choices.get(host);
    return chosen && { mode: chosen, reason: `${chosen === 'tunnel' ? 'tunnelled' : 'intercepted'} by the user's choice for ${host}` };
  }

  /** Forgets every finished record, verdict, the peer context and the live host states; fires `onCleared`. */
  clear(): void {
    this.store.clear();
    this.diagnosis.reset();
    this.onCleared.emit();
  }
}
