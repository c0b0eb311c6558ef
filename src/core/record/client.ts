/**
 * Who made a connection, as recorded and exported: pure data, filled by `process/` on the proxy's side
 * and read by the judgement, the reports and the exemptions (which never reach `process/`). A recording
 * carries exactly these shapes, never an environment.
 */
import type { Runtime } from './runtimes';

/** The `process` object of a JSONL record: what may be shown and exported (never the environment). */
export interface ProcessRecord {
  /** A process on this machine, a remote client (known by its address), or unknown (with the reason). */
  readonly kind: 'local' | 'remote' | 'unknown';
  readonly label: string;
  readonly pid?: number;
  readonly startTime?: string;
  readonly name?: string;
  readonly path?: string | null;
  readonly command?: string;
  readonly app?: string | null;
  readonly address?: string;
  readonly reason?: string;
}

/** Whether a file contains the CA; null when unknown (unset, unreadable). */
type Inclusion = boolean | null;

/** One trust variable of a process's launch: whether it is set, and whether the file it names holds the CA. */
export interface TrustVariableFact {
  readonly name: string;
  readonly set: boolean;
  /** Whether the file it names contains the CA; null when unset or unreadable. */
  readonly includesCa: Inclusion;
}

/** What the trust knowledge says of a process, as recorded and exported (no environment values). */
export interface TrustSummary {
  readonly runtime: Runtime;
  readonly runtimeLabel: string;
  /** Its launch tells it to trust the CA ('yes'), names stores without it ('no'), or cannot be read. */
  readonly trustsCa: 'yes' | 'no' | 'unknown';
  /** The cause, should it not trust the CA, when `trustsCa` is 'no'. */
  readonly gap: 'ca-not-installed' | 'app-own-trust-store' | null;
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

/** A lookup under way: `client` settles once the process and its trust are known (or why not). */
export interface PendingClient {
  /** Settles once what must be read while the client's socket is open has been read (the forged flight may wait for it, bounded). */
  readonly located: Promise<void>;
  /** How long the forged flight may wait for `located` now: it follows the recent times to locate a socket. */
  readonly holdMs: number;
  readonly client: Promise<ConnectionClient>;
  /** How long a finished record waits for `client` before it is judged without it (and updated when it comes). */
  readonly waitMs: number;
}

/**
 * The key of one program run (`pid@start:path`): a pid reused by a later process gets another, and so
 * does the program a process execs into (an exec keeps the pid and the start time, not the program, its
 * trust or its behaviour). Without a readable executable, `pid@start`.
 */
export function processKey(pid: number, startTime: string, path: string | null = null): string {
  return path === null ? `${pid}@${startTime}` : `${pid}@${startTime}:${path}`;
}

/** The judgement's key of a recorded process (see processKey), or null when it is not a local process. */
export function processKeyOf(record: ProcessRecord): string | null {
  return record.kind === 'local' && record.pid !== undefined && record.startTime !== undefined
    ? processKey(record.pid, record.startTime, record.path ?? null)
    : null;
}

/** A short name for lines and columns: the app it runs under with its name ("Code terminal › node"), or the label. */
export function clientName(client: ConnectionClient | undefined): string | undefined {
  if (!client) return undefined;
  const { process } = client;
  if (process.kind !== 'local') return process.label;
  return process.app && process.name ? `${process.name} (${process.app})` : (process.name ?? process.label);
}
