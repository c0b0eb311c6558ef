/**
 * What happened on the wire for one connection through the proxy: the events of its timeline, as the
 * core records them, the CLI writes them (`--events`) and the inspector shows them.
 *
 * - A *connection* is one TCP connection from the app under test to the proxy (one CONNECT tunnel,
 *   or one plain-HTTP request forwarded).
 * - Its *timeline* is the ordered list of events seen on it, each with `t`: milliseconds since the
 *   connection was accepted (high-resolution).
 * - *Client* is the app under test; *upstream* is the real server.
 *
 * Every string in these events may have come off the network: whoever shows them escapes them.
 */
import type { Mode } from './vocabulary';

export type Direction = 'client' | 'upstream';

export interface CertificateSummary {
  readonly subject: string;
  readonly issuer: string;
  readonly validFrom: string;
  readonly validTo: string;
  readonly serialNumber: string;
  /** base64 SHA-256 of the SubjectPublicKeyInfo. */
  readonly pin: string;
  /**
   * Subject alternative names, `DNS:name` or `IP:address`, at most 100, anything but printable ASCII
   * shown as `\u{…}`. Absent in recordings made before SANs were recorded.
   */
  readonly sans?: readonly string[];
  /** Names beyond the 100 kept in `sans`; absent when none were left out. */
  readonly sansOmitted?: number;
}

export interface ClientHelloSummary {
  readonly sni: string | null;
  readonly alpn: readonly string[];
  /** Offered versions, e.g. `TLSv1.3`, from supported_versions or the legacy field. */
  readonly versions: readonly string[];
  readonly cipherSuites: readonly number[];
  readonly ja3: string;
  readonly ja4: string;
}

/** `client-certificate`: the server demands a client certificate (mutual TLS) and refused the session without one, or refused the one presented. */
/**
 * The inspection profile's path, as the client met it (absent under the generic profile): the profile, how
 * many certificates were sent, the TLS versions offered, and the client's ALPN protocols it withheld.
 */
export interface InspectionPathSummary {
  readonly profile: string;
  readonly chainLength: number;
  readonly tlsVersions: readonly [string, string];
  readonly alpnWithheld: readonly string[];
}

export type UpstreamFailureStage = 'dns' | 'connect' | 'timeout' | 'tls' | 'certificate' | 'proxy' | 'closed' | 'client-certificate';

export type TimelineEvent =
  | { readonly t: number; readonly kind: 'accepted'; readonly remote: string }
  | { readonly t: number; readonly kind: 'connect'; readonly host: string; readonly port: number }
  | { readonly t: number; readonly kind: 'http-request'; readonly method: string; readonly url: string }
  | { readonly t: number; readonly kind: 'policy'; readonly mode: Mode; readonly reason: string }
  | { readonly t: number; readonly kind: 'client-hello'; readonly hello: ClientHelloSummary }
  | { readonly t: number; readonly kind: 'not-tls'; readonly firstBytes: string; readonly reason: string }
  | { readonly t: number; readonly kind: 'upstream-connected'; readonly address: string }
  /** `resumed`: the server resumed an earlier session (this host's, or a sibling's its certificate covers). */
  | {
      readonly t: number;
      readonly kind: 'upstream-tls';
      readonly version: string;
      readonly alpn: string | null;
      readonly chain: readonly CertificateSummary[];
      readonly resumed?: true;
    }
  | { readonly t: number; readonly kind: 'upstream-failed'; readonly stage: UpstreamFailureStage; readonly reason: string }
  | {
      readonly t: number;
      readonly kind: 'forged-certificate';
      readonly subject: string;
      readonly issuer: string;
      readonly pin: string;
      readonly serialNumber: string;
      readonly cached: boolean;
      readonly sans?: readonly string[];
      readonly validFrom?: string;
      readonly validTo?: string;
      readonly path?: InspectionPathSummary;
    }
  | { readonly t: number; readonly kind: 'client-alert'; readonly name: string; readonly code: number | null; readonly message: string }
  | { readonly t: number; readonly kind: 'tls-error'; readonly reason: string; readonly code: string | null }
  /** `resumed`: the client resumed an earlier session, so the forged certificate was not sent again. */
  | {
      readonly t: number;
      readonly kind: 'handshake-complete';
      readonly version: string;
      readonly cipher: string;
      readonly alpn: string | null;
      readonly resumed?: true;
    }
  | { readonly t: number; readonly kind: 'first-data'; readonly from: Direction; readonly bytes: number }
  | { readonly t: number; readonly kind: 'close-notify'; readonly from: Direction }
  | { readonly t: number; readonly kind: 'fin'; readonly from: Direction }
  | { readonly t: number; readonly kind: 'rst'; readonly from: Direction }
  | { readonly t: number; readonly kind: 'timeout'; readonly phase: 'first-bytes' | 'handshake' | 'idle' }
  | { readonly t: number; readonly kind: 'error'; readonly reason: string }
  | { readonly t: number; readonly kind: 'closed'; readonly bytesFromClient: number; readonly bytesToClient: number };

export type EventKind = TimelineEvent['kind'];
export type EventOf<K extends EventKind> = Extract<TimelineEvent, { kind: K }>;

export function findEvent<K extends EventKind>(events: readonly TimelineEvent[], kind: K): EventOf<K> | undefined {
  return events.find((e): e is EventOf<K> => e.kind === kind);
}
