/** The proxy joined to its diagnosis: what the CLI and the extension both run. */
import { toConnectionLine, type ConnectionLine } from './connectionReport';
import { Channel } from './connectionStore';
import { DEFAULT_CONFIRMATION, type ConfirmationOptions } from './confirmation';
import { Diagnosis } from './diagnosis';
import type { HostSummary } from './hostSummary';
import { BREAKAGE, type Pinning } from '../shared/vocabulary';
import { strongest, type Verdict } from './pinning';
import { InterceptingProxy, type ProxyOptions } from './proxyServer';
import { targetHost, type ConnectionRecord } from './timeline';

export interface JudgedNotice {
  readonly record: ConnectionRecord;
  readonly verdict: Verdict;
  readonly line: ConnectionLine;
}

/** What the status bar and headlines need per host, kept up to date as connections finish (O(hosts)). */
export interface LiveHostState {
  readonly host: string;
  readonly breaks: boolean;
  readonly pinning: Pinning;
}

export interface EngineOptions extends ProxyOptions {
  readonly confirmation?: ConfirmationOptions;
}

export class Engine {
  readonly onJudged: Channel<JudgedNotice>;
  /** Fires once after `clear()`, when every record, verdict and learned confirmation is gone. */
  readonly onCleared: Channel<void>;
  private readonly verdicts = new Map<number, Verdict>();
  private readonly liveHostStates = new Map<string, LiveHostState>();

  private constructor(readonly proxy: InterceptingProxy, readonly diagnosis: Diagnosis, onError: (message: string) => void) {
    this.onJudged = new Channel((error) => onError(`a connection listener failed: ${String(error)}`));
    this.onCleared = new Channel((error) => onError(`a clear listener failed: ${String(error)}`));
    proxy.policy.setHook((host) => diagnosis.confirmation.decide(host));
    proxy.store.onFinished.subscribe((record) => {
      const verdict = diagnosis.finished(record);
      this.remember(record.id, verdict);
      this.track(targetHost(record), verdict);
      this.onJudged.emit({ record, verdict, line: toConnectionLine(record, verdict) });
    });
  }

  static async start(options: EngineOptions): Promise<Engine> {
    const onError = options.onError ?? (() => undefined);
    const proxy = await InterceptingProxy.start(options);
    return new Engine(proxy, new Diagnosis(options.confirmation ?? DEFAULT_CONFIRMATION, () => proxy.store.capacity), onError);
  }

  /** The verdict a connection got when it finished. */
  verdictOf(id: number): Verdict | undefined {
    return this.verdicts.get(id);
  }

  private remember(id: number, verdict: Verdict): void {
    this.verdicts.set(id, verdict);
    if (this.verdicts.size > this.proxy.store.capacity + 1000) {
      for (const known of this.verdicts.keys()) if (!this.proxy.store.get(known)) this.verdicts.delete(known);
    }
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
      if (this.liveHostStates.size <= this.proxy.store.capacity) break;
      this.liveHostStates.delete(old);
    }
  }

  /** Cheap per-host state for live displays; `hosts()` re-judges everything for reports. */
  liveHosts(): LiveHostState[] {
    return [...this.liveHostStates.values()];
  }

  /** Every host, re-judged with everything known now: O(connections), for summaries and exports. */
  hosts(): HostSummary[] {
    return this.diagnosis.hosts(this.proxy.store.all());
  }

  clear(): void {
    this.proxy.store.clear();
    this.verdicts.clear();
    this.liveHostStates.clear();
    this.diagnosis.reset();
    this.onCleared.emit();
  }

  stop(): Promise<void> {
    return this.proxy.stop();
  }
}
