/**
 * The inspector's message protocol, shared by the extension and the webview (which imports only
 * src/shared). Every string inside these messages may have come off the network: the webview renders
 * it as text.
 */

import type { EventKind, TimelineEvent } from './timelineEvents';
import type { Category, Mode, Pinning } from './vocabulary';

export interface StripStep {
  readonly kind: EventKind;
  readonly t: number;
  readonly label: string;
}

/** One row of the inspector: a connection, live or finished. */
export interface ConnectionRow {
  readonly id: number;
  readonly startedAt: number;
  readonly host: string;
  readonly port: number;
  readonly sni: string | null;
  readonly mode: Mode;
  readonly finished: boolean;
  readonly category: Category | null;
  readonly alert: string | null;
  readonly pinning: Pinning | null;
  readonly confirmed: boolean;
  readonly durationMs: number;
  readonly bytesFromClient: number;
  readonly bytesToClient: number;
  readonly registrableDomain: string;
  /** The app that opened the connection (process attribution), when known. */
  readonly app?: string;
  /** The handshake in a few steps, for the row's strip. */
  readonly steps: readonly StripStep[];
}

/**
 * The selected connection, pushed by the host when it is selected and again whenever it changes. Its
 * timeline is typed: the ClientHello is the `client-hello` event's `hello`, the forged certificate the
 * `forged-certificate` event, the real server's chain the `upstream-tls` event's `chain` (`findEvent`).
 */
export interface ConnectionDetail {
  readonly id: number;
  readonly reason: string;
  readonly evidence: readonly string[];
  /** The timeline, as recorded. */
  readonly events: readonly TimelineEvent[];
  /** The process behind it and whether it trusts the CA, as lines for people; absent when not attributed. */
  readonly process?: readonly string[];
  /** Where the workspace pins this connection's host (the pin scan), to show and open. */
  readonly pinnedAt?: readonly PinLocation[];
  /** Whether "Open in Wireshark…" has this connection's bytes; absent where the panel offers no export. */
  readonly capture?: CaptureState;
}

/** The first bytes of both legs were kept (a pcapng can be written), or why not, in words for the user. */
export type CaptureState = { readonly captured: true } | { readonly captured: false; readonly why: string };

export interface ProxyState {
  readonly running: boolean;
  readonly url: string | null;
  readonly headline: string;
  readonly dropped: number;
  /** How many connections the host keeps; the webview keeps no more (the oldest go first). */
  readonly kept: number;
  /** Hosts whose next connection is not simply intercepted by default (a choice in this session, or pinscope.tunnelHosts). */
  readonly hostModes?: readonly HostMode[];
  /** Set when the panel shows a recording: read-only (no tunnel, confirm, clear, start or stop). */
  readonly recording?: RecordingState;
  /** Why the proxy could not start, until it starts. */
  readonly startError?: string;
}

// ── Sessions, recordings, host modes and pins ──

/** A pin configuration in the workspace: a path relative to its folder, and a 1-based line. */
export interface PinLocation {
  readonly path: string;
  readonly line: number;
}

/** What a host's next connection gets, and why: chosen in this session, or the pinscope.tunnelHosts setting. */
export interface HostMode {
  readonly host: string;
  readonly mode: 'intercept' | 'tunnel';
  readonly source: 'session' | 'setting';
}

/** A recording opened in the editor; `skipped` names the lines that could not be used ("line 7: not JSON…"). */
interface RecordingState {
  readonly name: string;
  readonly skipped: readonly string[];
}

/**
 * Host → webview. `reset` replaces every row (on ready, on start and stop, and once on Clear); `rows`
 * adds or updates the rows that changed, at most every 100 ms; `detail` is the selected connection's,
 * sent when it is selected and whenever it changes; `state` is the header alone.
 */
export type HostMessage =
  | { readonly type: 'reset'; readonly rows: readonly ConnectionRow[]; readonly state: ProxyState }
  | { readonly type: 'rows'; readonly rows: readonly ConnectionRow[]; readonly state: ProxyState }
  | { readonly type: 'detail'; readonly detail: ConnectionDetail }
  | { readonly type: 'state'; readonly state: ProxyState };

/** Webview → host. `select` says which connection's detail the host keeps pushing. */
export type WebviewMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'select'; readonly id: number }
  | { readonly type: 'tunnelHost'; readonly host: string }
  | { readonly type: 'interceptHost'; readonly host: string }
  | { readonly type: 'confirmHost'; readonly host: string }
  | { readonly type: 'exportRequest'; readonly hosts: readonly string[] }
  | { readonly type: 'copy'; readonly text: string }
  | { readonly type: 'exportCa' }
  | { readonly type: 'clear' }
  | { readonly type: 'startProxy' }
  | { readonly type: 'stopProxy' }
  /** Opens a pin configuration the detail named (`pinnedAt`). */
  | { readonly type: 'openPin'; readonly path: string; readonly line: number }
  /** Opens the detail of this connection (and its host) in an editor tab of its own. */
  | { readonly type: 'openDetail'; readonly id: number }
  /** Writes these connections' captured legs as a pcapng (TLS secrets inside) and opens it in Wireshark. */
  | { readonly type: 'openInWireshark'; readonly ids: readonly number[] };

/**
 * One handler per message type, each given its own message: a table of this type fails to compile until
 * every message has its handler (and has none for a message that does not exist).
 */
export type MessageHandlers<M extends { readonly type: string }, R> = {
  readonly [K in M['type']]: (message: Extract<M, { readonly type: K }>) => R;
};

/** Calls the message's handler in its table. */
export function dispatch<M extends { readonly type: string }, R>(handlers: MessageHandlers<M, R>, message: M): R {
  // The table has a handler for every type, each taking its own message: the one cast TypeScript cannot follow.
  return (handlers[message.type as M['type']] as (m: M) => R)(message);
}

type Fields = Readonly<Record<string, unknown>>;

const isHostName = (value: unknown): boolean => typeof value === 'string' && value.length <= 253;
const none = (): boolean => true;
/** Connections one "Open in Wireshark…" exports at most (a host's, as the webview keeps them). */
const MAX_EXPORTED = 100_000;

/** What each message from the webview must carry: the extension trusts nothing it did not check. */
const WEBVIEW_CHECKS = {
  ready: none,
  select: (m) => Number.isSafeInteger(m['id']),
  tunnelHost: (m) => isHostName(m['host']),
  interceptHost: (m) => isHostName(m['host']),
  confirmHost: (m) => isHostName(m['host']),
  exportRequest: (m) => Array.isArray(m['hosts']) && m['hosts'].every(isHostName),
  copy: (m) => typeof m['text'] === 'string' && m['text'].length <= 1_000_000,
  exportCa: none,
  clear: none,
  startProxy: none,
  stopProxy: none,
  openPin: (m) =>
    typeof m['path'] === 'string' && m['path'].length <= 4096 && Number.isSafeInteger(m['line']) && (m['line'] as number) >= 1,
  openDetail: (m) => Number.isSafeInteger(m['id']),
  openInWireshark: (m) =>
    Array.isArray(m['ids']) && m['ids'].length >= 1 && m['ids'].length <= MAX_EXPORTED && m['ids'].every((id) => Number.isSafeInteger(id)),
} satisfies { readonly [K in WebviewMessage['type']]: (message: Fields) => boolean };

/** What each message from the host must be: the webview's own host sends them, so their type is enough. */
const HOST_TYPES = { reset: true, rows: true, detail: true, state: true } satisfies { readonly [K in HostMessage['type']]: true };

function isRecord(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null;
}

/** The table's entry for `type`, never one inherited from Object.prototype ("constructor", "toString"). */
function own<T extends object>(table: T, type: unknown): type is keyof T {
  return typeof type === 'string' && Object.hasOwn(table, type);
}

/** A message from the webview, checked field by field; otherwise why it was rejected (for the log). */
export function parseWebviewMessage(value: unknown): { readonly message: WebviewMessage } | { readonly rejected: string } {
  if (!isRecord(value)) return { rejected: 'not an object' };
  const type = value['type'];
  if (!own(WEBVIEW_CHECKS, type))
    return { rejected: `unknown type ${JSON.stringify(typeof type === 'string' ? type.slice(0, 40) : typeof type)}` };
  if (!WEBVIEW_CHECKS[type](value)) return { rejected: `"${type}" with missing or invalid fields` };
  return { message: value as WebviewMessage };
}

export function isHostMessage(value: unknown): value is HostMessage {
  return isRecord(value) && own(HOST_TYPES, value['type']);
}
