/**
 * The vocabulary of the pin scanner: what a workspace's code says about which hosts it pins, and how.
 *
 * - A *pin configuration* is one place in the code that restricts which certificates a client accepts:
 *   a set of pins for some host patterns (`kind: 'pins'`), or code that validates certificates itself
 *   and cannot be read statically (`kind: 'custom-validation'`, no host).
 * - A *pin* is what the client compares the server's chain with: a hash of a public key (SPKI) or of a
 *   certificate, or a certificate / CA file shipped with the app.
 * - A *host pattern* is written the way its ecosystem writes it; `match` says how it matches.
 */

export type Ecosystem =
  'android' | 'okhttp' | 'ios' | 'trustkit' | 'alamofire' | 'flutter' | 'react-native' | 'node' | 'go' | 'dotnet' | 'java' | 'python';

/**
 * `exact`: the host only. `subdomains`: the host and any subdomain at any depth (Android
 * includeSubdomains, NSIncludesSubdomains, TrustKit). `one-label`: exactly one more label, not the host
 * itself (OkHttp `*.`). `any-depth`: the host and any subdomain (OkHttp `**.`).
 */
export type HostMatch = 'exact' | 'subdomains' | 'one-label' | 'any-depth';

export interface PinnedHost {
  /** The domain without OkHttp's `*.` / `**.` prefix, lower case. */
  readonly domain: string;
  readonly match: HostMatch;
  readonly line: number;
}

/** `spki-sha256` is comparable with the chains the proxy records (`CertificateSummary.pin`). */
type PinKind = 'spki-sha256' | 'spki-sha1' | 'certificate-sha256' | 'certificate-sha1' | 'certificate-file' | 'ca-file';

export interface Pin {
  readonly kind: PinKind;
  readonly value: string;
  readonly line: number;
}

export interface PinConfiguration {
  /** Workspace-relative, `/`-separated. */
  readonly file: string;
  readonly line: number;
  readonly ecosystem: Ecosystem;
  readonly kind: 'pins' | 'custom-validation';
  /** Empty for custom validation: the hosts it applies to cannot be read from the code. */
  readonly hosts: readonly PinnedHost[];
  readonly pins: readonly Pin[];
  /** What was found, in the ecosystem's words: "<pin-set> of <domain-config>", "X509TrustManager implementation". */
  readonly detail: string;
  /** ISO date (YYYY-MM-DD) after which the pins are no longer enforced (Android expiration, TrustKit kTSKExpirationDate). */
  readonly expiration?: string;
  /** Pins declared but not enforced (TrustKit kTSKEnforcePinning false), or bypassed (Android overridePins="true"). */
  readonly notEnforced?: string;
  /** Pin arguments the scanner could not evaluate (built at run time): a stale verdict is then not possible. */
  readonly unresolvedPins?: number;
  /** Debug builds of this app already accept a user-installed CA (Android <debug-overrides>). */
  readonly debugAcceptsUserCa?: boolean;
}

export interface ScanProblem {
  readonly file: string;
  readonly line: number;
  /** `malformed`: the file could not be read fully (what could be read is still reported); `skipped`: not read at all. */
  readonly kind: 'malformed' | 'skipped';
  readonly message: string;
}

export interface FileScan {
  readonly configurations: readonly PinConfiguration[];
  readonly problems: readonly ScanProblem[];
}

export function describeHost(host: PinnedHost): string {
  switch (host.match) {
    case 'exact':
      return host.domain;
    case 'subdomains':
      return `${host.domain} (and subdomains)`;
    case 'one-label':
      return `*.${host.domain}`;
    case 'any-depth':
      return `**.${host.domain}`;
  }
}
