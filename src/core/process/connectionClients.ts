/**
 * The process behind each accepted connection, as the proxy records it: the attribution is started in
 * the `connection` handler (never awaited there, never on the handshake's path), the trust knowledge
 * follows from what was read of the process while it existed, and what may be shown and exported lands
 * on the record as `client` (a ProcessRecord and a TrustSummary; never the environment). A finished
 * record waits for it a while that follows how long lookups take now (`waitMs`); an answer later than
 * that still comes and updates the record. Only a lookup that fails, or one still running after
 * LOOKUP_LIMIT_MS, is "unknown process", with its reason; trust that cannot be read is "unknown" with its reason.
 */
import { isIPv4, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { processAttributorFor } from './platformAttribution';
import { toProcessRecord, unknownProcess, type Attribution, type ProcessAttributor } from './processIdentity';
import { TrustKnowledgeReader, type TrustKnowledge, type TrustKnowledgeOptions } from './trustKnowledge';
import type { ConnectionClient, PendingClient, TrustSummary } from '../record/client';

/** How long one lookup may run before the connection is "unknown process" for good. */
const LOOKUP_LIMIT_MS = 30_000;
/**
 * How long a finished record waits for its client: three times the recent 90th percentile of lookup
 * times, within these bounds (the first lookups of a proxy run while the netlink helper starts and the
 * first sweep of /proc reads every process: about 100 ms on a loaded 2-core machine).
 */
const MIN_WAIT_MS = 500;
const MAX_WAIT_MS = 3_000;
const FIRST_WAIT_MS = 1_500;
const RECENT_LOOKUPS = 64;
/** New lookup times after which their 90th percentile is computed again. */
const RECOMPUTE_EVERY = 8;
/** The forged flight waits for `located` at most three times its recent 90th percentile, within these bounds. */
const MIN_HOLD_MS = 50;
const MAX_HOLD_MS = 1_000;
const FIRST_HOLD_MS = 500;
/** Processes whose trust knowledge is kept (the oldest go first). */
const MAX_PROCESSES_KEPT = 1_000;

function toTrustSummary(knowledge: TrustKnowledge): TrustSummary {
  const { runtime, runtimeLabel, trustsCa, gap, startedByPinscope, variables, evidence, fix } = knowledge;
  return { runtime, runtimeLabel, trustsCa, gap, startedByPinscope, variables, evidence, fix };
}

function bounded<T>(work: Promise<T>, ms: number, late: T, failed: (error: unknown) => T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    work.catch(failed),
    new Promise<T>((resolve) => {
      timer = setTimeout(() => resolve(late), ms);
      timer.unref();
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Trust knowledge that could not be assessed, with the reason: never silently missing. */
function unknownTrust(reason: string): TrustSummary {
  return {
    runtime: 'unknown',
    runtimeLabel: 'program',
    trustsCa: 'unknown',
    gap: null,
    startedByPinscope: null,
    variables: [],
    evidence: [`Whether it trusts the Pinscope CA is unknown: ${reason}.`],
    fix: null,
  };
}

/**
 * The last RECENT_LOOKUPS durations and their 90th percentile, computed again once RECOMPUTE_EVERY new
 * times have come (every time while fewer than that are known): it moves slowly, and sorting the window
 * at every accept of a one-by-one stream of connections cost more than the lookup's own request.
 */
class RecentTimes {
  private readonly times: number[] = [];
  private p90: number | undefined;
  private sinceComputed = 0;

  get size(): number {
    return this.times.length;
  }

  add(ms: number): void {
    this.times.push(ms);
    if (this.times.length > RECENT_LOOKUPS) this.times.shift();
    if (++this.sinceComputed >= RECOMPUTE_EVERY || this.times.length < RECOMPUTE_EVERY) this.p90 = undefined;
  }

  percentile90(): number {
    if (this.p90 === undefined) {
      this.p90 = [...this.times].sort((a, b) => a - b)[Math.floor(this.times.length * 0.9)] ?? 0;
      this.sinceComputed = 0;
    }
    return this.p90;
  }
}

const reasonOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export interface ConnectionAttributionOptions extends TrustKnowledgeOptions {
  /** For tests: the attributor to use instead of the platform's. */
  readonly attributor?: ProcessAttributor;
  /** Where the proxy listens: on one IPv4 address, that is every accepted socket's local end. */
  readonly listening?: { readonly host: string; readonly port: number };
}

/** The local end of every socket accepted on `listening`, when it is one IPv4 address (not 0.0.0.0): known without asking the kernel. */
function fixedLocalEnd(listening: ConnectionAttributionOptions['listening']): { address: string; port: number } | undefined {
  return listening && isIPv4(listening.host) && listening.host !== '0.0.0.0'
    ? { address: listening.host, port: listening.port }
    : undefined;
}

/** One per proxy: its attributor (and the attributor's helper process) and trust reader, released by dispose. */
export class ConnectionAttribution {
  private readonly attributor: ProcessAttributor;
  private readonly reader: TrustKnowledgeReader;
  private readonly pending = new WeakMap<Socket, PendingClient>();
  private readonly trust = new Map<string, Promise<TrustSummary>>();
  private readonly outstanding = new Set<Promise<ConnectionClient>>();
  /** How long the last lookups took (ms), oldest first. */
  private readonly recent = new RecentTimes();
  /** How long the last sockets took to be located (ms), oldest first. */
  private readonly recentLocated = new RecentTimes();
  private disposed = false;
  /** Every accepted socket's local end, when the proxy listens on one IPv4 address (reading it per socket is a system call). */
  private readonly localEnd: { readonly address: string; readonly port: number } | undefined;

  constructor(options: ConnectionAttributionOptions) {
    this.localEnd = fixedLocalEnd(options.listening);
    this.attributor = options.attributor ?? processAttributorFor(process.platform, { deadlineMs: LOOKUP_LIMIT_MS });
    this.reader = new TrustKnowledgeReader(options);
  }

  /** How long a finished record waits for its client now: it follows the recent lookup times. */
  get waitMs(): number {
    return this.recent.size === 0
      ? FIRST_WAIT_MS
      : Math.round(Math.min(MAX_WAIT_MS, Math.max(MIN_WAIT_MS, this.recent.percentile90() * 3)));
  }

  /** How long the forged flight may wait for a socket to be located now. */
  get holdMs(): number {
    // Before any has been located (the helper starting, the first sweep of /proc): as long as the first ones take.
    if (this.recentLocated.size === 0) return FIRST_HOLD_MS;
    return Math.round(Math.min(MAX_HOLD_MS, Math.max(MIN_HOLD_MS, this.recentLocated.percentile90() * 3)));
  }

  get method(): string {
    return this.attributor.method;
  }

  /** Starts the lookup for a socket just accepted; call it first thing in the `connection` handler. */
  accepted(socket: Socket): void {
    if (this.disposed) return;
    const { remoteAddress, remotePort } = socket;
    const localAddress = this.localEnd ? this.localEnd.address : socket.localAddress;
    const localPort = this.localEnd ? this.localEnd.port : socket.localPort;
    if (remoteAddress === undefined || remotePort === undefined || localAddress === undefined || localPort === undefined) return;
    const started = performance.now();
    let locate: () => void = () => undefined;
    const located = new Promise<void>((resolve) => {
      locate = resolve;
    });
    void located.then(() => this.recentLocated.add(performance.now() - started));
    const client = this.attributor
      .attribute({ remoteAddress, remotePort, localAddress, localPort }, locate)
      .catch((error: unknown) => unknownProcess(reasonOf(error)))
      .then(async (attribution): Promise<ConnectionClient> => {
        const process = toProcessRecord(attribution);
        if (attribution.kind !== 'local') return { process, trust: null };
        return { process, trust: await this.trustOf(attribution) };
      })
      .finally(() => {
        locate();
        this.outstanding.delete(client);
        this.recent.add(performance.now() - started);
      });
    this.outstanding.add(client);
    this.pending.set(socket, { located, client, waitMs: this.waitMs, holdMs: this.holdMs });
  }

  /**
   * A process's trust knowledge, assessed once per process (pid and start time) from what was read of it
   * while it existed: what it was started with (its initial environment, its arguments) does not change
   * while it runs. One that cannot be assessed is "unknown" with the reason (and not kept).
   */
  private trustOf(attribution: Extract<Attribution, { kind: 'local' }>): Promise<TrustSummary> {
    const key = attribution.process.key;
    const known = this.trust.get(key);
    if (known) return known;
    let assessed = false;
    const assessment = this.reader.assess(attribution.process, attribution.environment).then((knowledge) => {
      assessed = true;
      return toTrustSummary(knowledge);
    });
    const late = unknownTrust(`it could not be assessed within ${LOOKUP_LIMIT_MS / 1000} s`);
    const reading = bounded(assessment, LOOKUP_LIMIT_MS, late, (error) => unknownTrust(`reading it failed (${reasonOf(error)})`));
    this.trust.set(key, reading);
    void reading.then(() => {
      if (!assessed) this.trust.delete(key);
    });
    if (this.trust.size > MAX_PROCESSES_KEPT)
      for (const old of this.trust.keys()) {
        this.trust.delete(old);
        break;
      }
    return reading;
  }

  /** Resolves once every lookup under way has answered, or after `limitMs` (a stopping proxy waits for them). */
  settled(limitMs: number): Promise<void> {
    if (this.outstanding.size === 0) return Promise.resolve();
    return bounded(
      Promise.allSettled([...this.outstanding]).then(() => undefined),
      limitMs,
      undefined,
      () => undefined,
    );
  }

  /** The lookup started for this socket, if any (HTTP keep-alive: one per socket, shared by its requests). */
  of(socket: Socket): PendingClient | undefined {
    return this.pending.get(socket);
  }

  dispose(): void {
    this.disposed = true;
    this.attributor.dispose();
  }
}
