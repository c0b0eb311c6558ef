/**
 * Breakage the inspection path itself causes, whatever the client thinks of our certificate: never a
 * pinning suspect, never evidence about the client's trust. Each has its own words and fix:
 *  - `client-certificate`: the real server demands a client certificate (mutual TLS), which no inspecting
 *    proxy can present (category `client-cert-required`);
 *  - `http2-not-offered`: the client asked for HTTP/2 only (gRPC does) and the path, like an inspection
 *    profile without HTTP/2, offers HTTP/1.1 only;
 *  - `tls-version`: the client offers only TLS versions the path does not (e.g. TLS 1.3 only, against a
 *    path capped at TLS 1.2).
 * Pure: read from the timeline (the `path` the forged certificate was served with) and the category.
 */
import { findEvent, type InspectionPathSummary, type TimelineEvent } from '../../shared/timelineEvents';
import { SERVER_SIDE_BREAKAGE, type Category } from '../../shared/vocabulary';

export type PathCause = 'client-certificate' | 'http2-not-offered' | 'tls-version';

export interface PathExplanation {
  readonly cause: PathCause;
  readonly evidence: readonly string[];
  readonly fix: string;
}

/** Zscaler's deployment guide (help.zscaler.com/zia/deploying-ssl-inspection, read 2026-12-05). */
export const ZSCALER_MUTUAL_TLS_WORDS =
  'Ensure to update the global bypass list to bypass TLS sessions using Client Certificate Authentication. Zscaler does not support the decryption of mutually authenticated TLS sessions.';

/**
 * The inspection path a connection's forged certificate was served with, when well-formed: records may
 * come from a recording file, and a malformed one is read as "no profile" rather than trusted.
 */
function pathOf(events: readonly TimelineEvent[]): InspectionPathSummary | undefined {
  const path: unknown = findEvent(events, 'forged-certificate')?.path;
  if (typeof path !== 'object' || path === null) return undefined;
  const { profile, chainLength, tlsVersions, alpnWithheld } = path as Record<string, unknown>;
  const strings = (value: unknown): value is string[] => Array.isArray(value) && value.every((v) => typeof v === 'string');
  if (
    typeof profile !== 'string' ||
    typeof chainLength !== 'number' ||
    !strings(tlsVersions) ||
    tlsVersions.length !== 2 ||
    !strings(alpnWithheld)
  )
    return undefined;
  return path as InspectionPathSummary;
}

const VERSION_ORDER = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];
const rank = (version: string): number => VERSION_ORDER.indexOf(version);

/** Why the path and the client share no protocol, from the timeline; undefined when they do (or no profile was in play). */
export function pathMismatch(
  events: readonly TimelineEvent[],
): { readonly cause: 'http2-not-offered' | 'tls-version'; readonly reason: string } | undefined {
  const hello = findEvent(events, 'client-hello')?.hello;
  const path = pathOf(events);
  if (!hello || !path) return undefined;
  const [min, max] = path.tlsVersions;
  // Older recordings may lack the offered versions.
  const offered: unknown = hello.versions;
  const known = Array.isArray(offered) ? offered.filter((v): v is string => typeof v === 'string' && rank(v) >= 0) : [];
  if (known.length > 0 && known.every((v) => rank(v) < rank(min) || rank(v) > rank(max))) {
    return {
      cause: 'tls-version',
      reason: `the client offers only ${known.join(', ')}, and the inspection path (${path.profile}) offers ${min === max ? min : `${min} to ${max}`}: no TLS version in common`,
    };
  }
  const done = findEvent(events, 'handshake-complete');
  const offeredOnlyWithheld = hello.alpn.length > 0 && hello.alpn.every((p) => path.alpnWithheld.includes(p));
  if (offeredOnlyWithheld && hello.alpn.includes('h2') && (done?.alpn ?? null) === null) {
    return {
      cause: 'http2-not-offered',
      reason: `the client asks for HTTP/2 only (ALPN ${hello.alpn.join(', ')}), as gRPC does, and the inspection path (${path.profile}) offers HTTP/1.1 only: the client got no application protocol`,
    };
  }
  return undefined;
}

/**
 * What a rejection under an intermediate profile says about what the app pins: with the organisation's
 * own intermediate sent, an app pinning that intermediate would have accepted the chain; with a vendor
 * lookalike, an app pinning the real vendor intermediate cannot be told apart. Undefined without one.
 */
export function chainNote(events: readonly TimelineEvent[]): string | undefined {
  const path = pathOf(events);
  if (!path || path.chainLength < 2) return undefined;
  if (path.profile === 'own-intermediate') {
    return "the chain held the organisation's own intermediate, so an app pinning that intermediate would have accepted it: this one pins the leaf or the real server's key or root (or does not trust the organisation's root)";
  }
  return `the chain held Pinscope's lookalike of the ${path.profile.split('-')[0] ?? path.profile} intermediate, not the real one: an app pinning the real box's intermediate breaks here too (check it with --intermediate-ca and the organisation's intermediate)`;
}

const capitalised = (text: string): string => `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;

/** The explanation for a breakage the path causes, or undefined for any other. */
export function pathExplanation(category: Category, reason: string, events: readonly TimelineEvent[]): PathExplanation | undefined {
  if (SERVER_SIDE_BREAKAGE.has(category)) {
    return {
      cause: 'client-certificate',
      evidence: [
        capitalised(reason),
        "Not pinning: an inspecting proxy cannot present the app's client certificate (it never holds the app's key), so the real server refuses every inspected session. This host breaks under any SSL inspection and must be exempted.",
        `Zscaler's deployment guide says so: "${ZSCALER_MUTUAL_TLS_WORDS}"`,
      ],
      fix: 'Request an SSL-inspection exemption for this host (Export Exemption Request): mutual TLS cannot be inspected. To test the rest of the app through Pinscope meanwhile, present its certificate upstream with --client-cert HOST_PATTERN=CERT,KEY (setting pinscope.clientCertificates).',
    };
  }
  if (category !== 'tls-mismatch') return undefined;
  const mismatch = pathMismatch(events);
  if (!mismatch) return undefined;
  if (mismatch.cause === 'http2-not-offered') {
    return {
      cause: 'http2-not-offered',
      evidence: [
        capitalised(mismatch.reason),
        'Not pinning: the client never judged a certificate problem; it needs HTTP/2 and the inspection path does not speak it.',
      ],
      fix: "Turn HTTP/2 inspection on for this traffic in the inspection product (Zscaler: the SSL inspection rule's HTTP/2 option), or exempt the host from decryption so HTTP/2 runs end to end; check under --profile generic that the app works when HTTP/2 is offered.",
    };
  }
  return {
    cause: 'tls-version',
    evidence: [capitalised(mismatch.reason), 'Not pinning: the handshake failed on the TLS version before any certificate was judged.'],
    fix: "Raise the inspection path's maximum TLS version (Palo Alto: the decryption profile's Max Version), or let the app offer the path's versions; exempting the host from decryption also keeps the server's TLS version end to end.",
  };
}
