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
}

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

// ── Sessions, recordings, host modes and pins (issues 19, 20) ──

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
  | { readonly type: 'openDetail'; readonly id: number };

const WEBVIEW_TYPES: ReadonlySet<string> = new Set(['ready', 'select', 'tunnelHost', 'interceptHost', 'confirmHost', 'exportRequest', 'copy', 'exportCa', 'clear', 'startProxy', 'stopProxy', 'openPin', 'openDetail']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** Type guard for messages from the webview: the extension trusts nothing it did not check. */
export function isWebviewMessage(value: unknown): value is WebviewMessage {
  if (!isRecord(value) || typeof value['type'] !== 'string' || !WEBVIEW_TYPES.has(value['type'])) return false;
  switch (value['type']) {
    case 'select':
    case 'openDetail':
      return Number.isSafeInteger(value['id']);
    case 'tunnelHost':
    case 'interceptHost':
    case 'confirmHost':
      return typeof value['host'] === 'string' && value['host'].length <= 253;
    case 'exportRequest':
      return Array.isArray(value['hosts']) && value['hosts'].every((h) => typeof h === 'string');
    case 'copy':
      return typeof value['text'] === 'string' && value['text'].length <= 1_000_000;
    case 'openPin':
      return typeof value['path'] === 'string' && value['path'].length <= 4096 && Number.isInteger(value['line']) && (value['line'] as number) >= 1;
    default:
      return true;
  }
}

export function isHostMessage(value: unknown): value is HostMessage {
  return isRecord(value) && (value['type'] === 'reset' || value['type'] === 'rows' || value['type'] === 'detail' || value['type'] === 'state');
}
