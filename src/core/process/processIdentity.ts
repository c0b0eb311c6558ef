/**
 * The vocabulary of process attribution: which program on this machine opened a connection to the proxy.
 *
 * - An *attribution* is the answer for one accepted connection: a local process, a remote client (known
 *   only by its address), or "unknown process" with the reason (gone, no permission, too slow).
 * - A *process key* (`pid@start:path`) names one program run: a pid reused by a later process, or a
 *   program a process execs into (same pid, same start time), gets another key, so evidence from one is
 *   never credited to the other.
 * - The *ancestry* is the chain of parents up to a recognisable app or terminal, e.g.
 *   "Code terminal › bash › node server.js".
 *
 * Command lines are redacted before they enter an identity (see commandRedaction.ts); environment values
 * never do.
 */
import type { TrustEnvironment } from './trustEnvironment';
import type { ProcessRecord } from '../record/client';

/** One process of the ancestry, as shown: its name and, for the process itself, a short command. */
export interface ProcessSummary {
  readonly pid: number;
  readonly name: string;
}

export interface ProcessIdentity {
  readonly pid: number;
  /** When the process started, in the platform's unit (Linux: clock ticks since boot); with the pid, a unique key. */
  readonly startTime: string;
  /** `pid@startTime:path` (see processKey): equal for one program run, different for a later process that reuses the pid or a program it execs into. */
  readonly key: string;
  /** Absolute path of the executable, when readable. */
  readonly path: string | null;
  /** Short name: the executable's basename (or the kernel's comm when the path is unreadable). */
  readonly name: string;
  /** The command line with credential-looking values redacted, at most MAX_COMMAND_CHARS. */
  readonly command: string;
  /** The arguments (argv[0] first), redacted the same way; for trust knowledge, not for records. */
  readonly arguments: readonly string[];
  /** Parents, nearest first, up to (and including) the recognisable app or terminal when one was found. */
  readonly parents: readonly ProcessSummary[];
  /** The recognisable app or terminal it runs under ("Code terminal", "GNOME Terminal", "pinscope run"), if any. */
  readonly app: string | null;
  /** For people: "Code terminal › bash › node server.js". */
  readonly label: string;
}

export type Attribution =
  /** `environment`: the trust variables read at accept time, for trustKnowledge.ts only — never export it. */
  | { readonly kind: 'local'; readonly process: ProcessIdentity; readonly environment: TrustEnvironment }
  | { readonly kind: 'remote'; readonly address: string; readonly label: string }
  | { readonly kind: 'unknown'; readonly reason: string; readonly label: 'unknown process' };

/** The two ends of an accepted connection, as the proxy's socket sees them. */
export interface AcceptedEndpoints {
  /** The client's address and port (the proxy socket's remote end). */
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** The proxy's address and port (the proxy socket's local end). */
  readonly localAddress: string;
  readonly localPort: number;
}

export interface ProcessAttributor {
  /**
   * Names the process behind a connection just accepted. Never rejects and never takes longer than the
   * deadline: anything that goes wrong is an `unknown` attribution with its reason. Call it in the
   * `connection` handler, before anything else: a client that fails fast exits soon after. `located`, if
   * given, is called once what must be read while the client's socket is open has been read (its owner
   * found and, when it is new, described); the identity and trust may come later.
   */
  attribute(endpoints: AcceptedEndpoints, located?: () => void): Promise<Attribution>;
  /** For people (logs, diagnostics): how connections are attributed here, and any fallback in use. */
  readonly method: string;
  /** Releases caches, timers and helper processes. */
  dispose(): void;
}

export const MAX_COMMAND_CHARS = 400;
export const DEFAULT_ATTRIBUTION_DEADLINE_MS = 250;

export function unknownProcess(reason: string): Attribution {
  return { kind: 'unknown', reason, label: 'unknown process' };
}

export function remoteClient(address: string): Attribution {
  return { kind: 'remote', address, label: `remote client ${address}` };
}

export function toProcessRecord(attribution: Attribution): ProcessRecord {
  switch (attribution.kind) {
    case 'local': {
      const { pid, startTime, name, path, command, app, label } = attribution.process;
      return { kind: 'local', label, pid, startTime, name, path, command, app };
    }
    case 'remote':
      return { kind: 'remote', label: attribution.label, address: attribution.address };
    case 'unknown':
      return { kind: 'unknown', label: attribution.label, reason: attribution.reason };
  }
}

/** Races a lookup against its deadline; a rejection or a late answer becomes "unknown process". */
export async function withDeadline(lookup: Promise<Attribution>, deadlineMs: number): Promise<Attribution> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<Attribution>((resolve) => {
    timer = setTimeout(() => resolve(unknownProcess(`the lookup took longer than ${deadlineMs} ms`)), deadlineMs);
    timer.unref();
  });
  try {
    return await Promise.race([
      lookup.catch((error: unknown) => unknownProcess(error instanceof Error ? error.message : String(error))),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
