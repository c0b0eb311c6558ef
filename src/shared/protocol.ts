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
  /** The app (process) that made the connection, e.g. "node (Code terminal)"; absent when not attributed. */
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
}

export interface ProxyState {
  readonly running: boolean;
  readonly url: string | null;
  readonly headline: string;
  readonly dropped: number;
  /** How many connections the host keeps; the webview keeps no more (the oldest go first). */
  readonly kept: number;
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
  | { readonly type: 'clear' }
  | { readonly type: 'startProxy' }
  | { readonly type: 'stopProxy' };

const WEBVIEW_TYPES: ReadonlySet<string> = new Set(['ready', 'select', 'tunnelHost', 'interceptHost', 'confirmHost', 'exportRequest', 'copy', 'clear', 'startProxy', 'stopProxy']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** Type guard for messages from the webview: the extension trusts nothing it did not check. */
export function isWebviewMessage(value: unknown): value is WebviewMessage {
  if (!isRecord(value) || typeof value['type'] !== 'string' || !WEBVIEW_TYPES.has(value['type'])) return false;
  switch (value['type']) {
    case 'select':
      return typeof value['id'] === 'number';
    case 'tunnelHost':
    case 'interceptHost':
    case 'confirmHost':
      return typeof value['host'] === 'string' && value['host'].length <= 253;
    case 'exportRequest':
      return Array.isArray(value['hosts']) && value['hosts'].every((h) => typeof h === 'string');
    case 'copy':
      return typeof value['text'] === 'string' && value['text'].length <= 1_000_000;
    default:
      return true;
  }
}

export function isHostMessage(value: unknown): value is HostMessage {
  return isRecord(value) && (value['type'] === 'reset' || value['type'] === 'rows' || value['type'] === 'detail' || value['type'] === 'state');
}
