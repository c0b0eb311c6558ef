/**
 * Pinscope's words for what happened to a connection, defined once for every layer: `src/core` decides
 * them, the CLI and the extension print them, the webview filters and paints them.
 *
 * - *Category*: what happened to one connection, in one word (`classify` in core decides it from the
 *   timeline). *Breakage* is the subset that means "this connection broke", as opposed to worked, was
 *   never TLS, or never reached the real server.
 * - *Pinning*: how sure the diagnosis is that a breakage comes from the client pinning the real server.
 * - *Mode*: what the proxy did with a connection: intercept (terminate TLS with a forged certificate,
 *   as inspection services do), tunnel (relay bytes untouched), or http (forward one plain request).
 *
 * Like everything in src/shared, this module imports nothing: the webview bundles it for the browser.
 */

export const CATEGORIES = [
  'ok',
  'cert-rejected',
  'closed-after-handshake',
  'reset',
  'handshake-timeout',
  'not-tls',
  'tls-mismatch',
  'upstream-failed',
  'client-cert-required',
] as const;
export type Category = (typeof CATEGORIES)[number];

/** Categories that mean "this connection broke". */
export const BREAKAGE: ReadonlySet<Category> = new Set<Category>([
  'cert-rejected',
  'closed-after-handshake',
  'reset',
  'handshake-timeout',
  'tls-mismatch',
  'client-cert-required',
]);

/**
 * Breakage whose cause the proxy saw on the server's side, not the client judging our certificate: never
 * pinning, never evidence about the client's trust. `client-cert-required`: the real server demands a
 * client certificate (mutual TLS), which an inspecting proxy cannot present — always a case for an exemption.
 */
export const SERVER_SIDE_BREAKAGE: ReadonlySet<Category> = new Set<Category>(['client-cert-required']);

/** Whether a category is breakage; `null` (a connection still open) is not. */
export function isBreakage(category: Category | null): boolean {
  return category !== null && BREAKAGE.has(category);
}

/** Weakest first: `strongest` in core ranks verdicts by this order. */
export const PINNING_VALUES = ['unlikely', 'possible', 'likely'] as const;
export type Pinning = (typeof PINNING_VALUES)[number];

export type Mode = 'intercept' | 'tunnel' | 'http';

/** How many connections are kept by default (the `pinscope.maxConnectionsKept` setting's default). */
export const DEFAULT_MAX_CONNECTIONS_KEPT = 10_000;
/**
 * Bytes kept of each direction of both legs of an intercepted connection, for pcapng exports
 * (`pinscope.captureBytes`, `--capture-bytes`; 0 turns capture off): 64 KiB keeps the handshakes and the
 * first requests (its cost: docs/performance.md, "Leg capture").
 */
export const DEFAULT_CAPTURE_BYTES = 65536;
