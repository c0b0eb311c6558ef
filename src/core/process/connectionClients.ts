/**
 * The process behind each accepted connection, as the proxy records it: the attribution is started in
 * the `connection` handler (never awaited there), the trust knowledge follows once the process is known,
 * and what may be shown and exported lands on the record as `client` (a ProcessRecord and a TrustSummary;
 * never the environment). Everything is bounded: a lookup that fails or is late is "unknown process".
 */
import type { Socket } from 'node:net';
import { processAttributorFor } from './platformAttribution';
import { processKey, toProcessRecord, unknownProcess, type Attribution, type ProcessAttributor, type ProcessRecord } from './processIdentity';
import { TrustKnowledgeReader, type TrustKnowledge, type TrustKnowledgeOptions, type TrustVariableFact } from './trustKnowledge';

/** What the trust knowledge says of a process, as recorded and exported (no environment values). */
export interface TrustSummary {
  readonly runtime: TrustKnowledge['runtime'];
  readonly runtimeLabel: string;
  readonly trustsCa: TrustKnowledge['trustsCa'];
  readonly gap: TrustKnowledge['gap'];
  readonly startedByPinscope: boolean | null;
  readonly variables: readonly TrustVariableFact[];
  readonly evidence: readonly string[];
  readonly fix: string | null;
}

/** The client of one connection: its process (or remote address, or why unknown) and, for a local process, its trust. */
export interface ConnectionClient {
  readonly process: ProcessRecord;
  readonly trust: TrustSummary | null;
}

/** A lookup under way: `identified` settles once the process is known (the forged flight may wait for it), `client` once its trust is too. */
export interface PendingClient {
  readonly identified: Promise<Attribution>;
  readonly client: Promise<ConnectionClient>;
}

/**
 * How long one lookup may take before the connection is "unknown process". Longer than the attributor's
 * default: the first lookups of a proxy run while the netlink helper starts and the first sweep of
 * /proc reads every process (about 100 ms on a loaded 2-core machine). A record waits for it before it is
 * judged; the forged flight never waits more than FLIGHT_HOLD_MS.
 */
const ATTRIBUTION_DEADLINE_MS = 600;
/** How long reading the trust knowledge of an identified process may take before it is left unknown. */
const TRUST_DEADLINE_MS = 250;
/** Processes whose trust knowledge is kept (the oldest go first). */
const MAX_PROCESSES_KEPT = 1_000;

function toTrustSummary(knowledge: TrustKnowledge): TrustSummary {
  const { runtime, runtimeLabel, trustsCa, gap, startedByPinscope, variables, evidence, fix } = knowledge;
  return { runtime, runtimeLabel, trustsCa, gap, startedByPinscope, variables, evidence, fix };
}

/** The judgement's key of a recorded process (pid and start time), or null when it is not a local process. */
export function processKeyOf(record: ProcessRecord): string | null {
  return record.kind === 'local' && record.pid !== undefined && record.startTime !== undefined ? processKey(record.pid, record.startTime) : null;
}

/** A short name for lines and columns: the app it runs under with its name ("Code terminal › node"), or the label. */
export function clientName(client: ConnectionClient | undefined): string | undefined {
  if (!client) return undefined;
  const { process } = client;
  if (process.kind !== 'local') return process.label;
  return process.app && process.name ? `${process.name} (${process.app})` : process.name ?? process.label;
}

function bounded<T>(work: Promise<T>, ms: number, late: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([work.catch(() => late), new Promise<T>((resolve) => { timer = setTimeout(() => resolve(late), ms); timer.unref(); })])
    .finally(() => clearTimeout(timer));
}

export interface ConnectionAttributionOptions extends TrustKnowledgeOptions {
  /** For tests: the attributor to use instead of the platform's. */
  readonly attributor?: ProcessAttributor;
}

/** One per proxy: its attributor (and the attributor's helper process) and trust reader, released by dispose. */
export class ConnectionAttribution {
  private readonly attributor: ProcessAttributor;
  private readonly reader: TrustKnowledgeReader;
  private readonly pending = new WeakMap<Socket, PendingClient>();
  private readonly trust = new Map<string, Promise<TrustSummary | null>>();
  private disposed = false;

  constructor(options: ConnectionAttributionOptions) {
    this.attributor = options.attributor ?? processAttributorFor(process.platform, { deadlineMs: ATTRIBUTION_DEADLINE_MS });
    this.reader = new TrustKnowledgeReader(options);
  }

  get method(): string {
    return this.attributor.method;
  }

  /** Starts the lookup for a socket just accepted; call it first thing in the `connection` handler. */
  accepted(socket: Socket): void {
    if (this.disposed) return;
    const { remoteAddress, remotePort, localAddress, localPort } = socket;
    if (remoteAddress === undefined || remotePort === undefined || localAddress === undefined || localPort === undefined) return;
    const identified = this.attributor.attribute({ remoteAddress, remotePort, localAddress, localPort })
      .catch((error: unknown) => unknownProcess(error instanceof Error ? error.message : String(error)));
    const client = identified.then(async (attribution): Promise<ConnectionClient> => {
      const process = toProcessRecord(attribution);
      if (attribution.kind !== 'local') return { process, trust: null };
      return { process, trust: await this.trustOf(attribution) };
    });
    this.pending.set(socket, { identified, client });
  }

  /**
   * A process's trust knowledge, read once per process (pid and start time): what it was started with
   * (its initial environment, its arguments) does not change while it runs. A failed read is not kept.
   */
  private trustOf(attribution: Extract<Attribution, { kind: 'local' }>): Promise<TrustSummary | null> {
    const key = attribution.process.key;
    const known = this.trust.get(key);
    if (known) return known;
    const reading = bounded(this.reader.assess(attribution.process, attribution.environment).then(toTrustSummary), TRUST_DEADLINE_MS, null);
    this.trust.set(key, reading);
    void reading.then((trust) => { if (trust === null) this.trust.delete(key); });
    if (this.trust.size > MAX_PROCESSES_KEPT) for (const old of this.trust.keys()) { this.trust.delete(old); break; }
    return reading;
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
