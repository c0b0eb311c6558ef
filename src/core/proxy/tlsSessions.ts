/**
 * Upstream TLS sessions (tickets), so that connections resume instead of running full handshakes.
 *
 * A session is kept per server name, address (the target as dialled: an override's address, the host
 * name, or the host through an upstream proxy) and ALPN offer. A host seen for the first time may also
 * resume the latest session of another host at the same address, when that session's certificate covers
 * the new name too — what RFC 8446 §4.6.1 requires of such a resumption (`*.example.com` served from one
 * address is the common case). A server that does not accept the ticket for that name answers with a full
 * handshake, and Node checks the resumed certificate against the new name as it does any other.
 *
 * A resumed handshake carries no certificate, and Node then shows no peer chain: each ticket is kept with
 * the chain of the full handshake that issued it, so a resumed connection records the real chain and pins.
 */
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import { BoundedMap } from '../boundedMap';
import type { CertificateSummary } from '../timeline';

/** The parts of a certificate that `checkServerIdentity` reads: its subject's common name and its alternative names. */
export interface CertificateNames {
  readonly subject: { readonly CN?: string };
  readonly subjectaltname?: string;
}

/** A server's certificate chain as recorded, and the leaf's names (for sibling sessions). */
export interface SessionChain {
  readonly summaries: readonly CertificateSummary[];
  readonly names: CertificateNames | undefined;
}

/** A ticket, and the chain of the handshake that issued it (unknown while a TLS 1.2 handshake is still running). */
export interface RememberedSession {
  readonly ticket: Buffer;
  readonly chain: SessionChain | undefined;
}

/** Names whose coverage a session remembers at most (a wildcard's hosts are few in practice). */
const MAX_NAMES_PER_SESSION = 256;

export class TlsSessions {
  private readonly byServer: BoundedMap<string, RememberedSession>;
  private readonly byAddress: BoundedMap<string, RememberedSession>;

  constructor(capacity = 1000) {
    this.byServer = new BoundedMap(capacity);
    this.byAddress = new BoundedMap(capacity);
  }

  /** The session to offer `servername` at `address` with this ALPN offer: its own, else a sibling's; if any. */
  find(servername: string | null, address: string, alpn: readonly string[]): RememberedSession | undefined {
    const own = this.byServer.get(serverKey(servername, address, alpn));
    if (own || servername === null) return own;
    const shared = this.byAddress.get(addressKey(address, alpn));
    return shared && this.covers(shared, servername) ? shared : undefined;
  }

  /**
   * Whether a sibling's session may be offered for `servername`: its certificate covers the name. Asked
   * again for every connection to a host that resumes a sibling's session (a server that issues no new
   * ticket on resumption leaves the host without one of its own), so each session remembers its answers.
   */
  private covers(session: RememberedSession, servername: string): boolean {
    const names = session.chain?.names;
    if (names === undefined) return false;
    let answers = this.coverage.get(session);
    if (!answers) this.coverage.set(session, (answers = new Map<string, boolean>()));
    let covered = answers.get(servername);
    if (covered === undefined) {
      // checkServerIdentity reads only these two fields of a PeerCertificate.
      covered = checkServerIdentity(servername, names as unknown as PeerCertificate) === undefined;
      if (answers.size < MAX_NAMES_PER_SESSION) answers.set(servername, covered);
    }
    return covered;
  }

  private readonly coverage = new WeakMap<RememberedSession, Map<string, boolean>>();

  /** Keeps a ticket the server sent; with the certificate's chain and names once they are known, for sibling hosts too. */
  remember(servername: string | null, address: string, alpn: readonly string[], ticket: Buffer, chain: SessionChain | undefined): void {
    const session = { ticket, chain };
    this.byServer.set(serverKey(servername, address, alpn), session);
    if (servername !== null && chain?.names) this.byAddress.set(addressKey(address, alpn), session);
  }
}

/**
 * The chain a connection records: on a resumed session, the chain of the handshake it resumes (the server
 * sent none); else, or when that is unknown, what the socket shows (read only then: reading it makes an
 * X509Certificate of each certificate and hashes it).
 */
export function chainAfterHandshake(observed: () => SessionChain, offered: RememberedSession | undefined, resumed: boolean): SessionChain {
  return resumed && offered?.chain && offered.chain.summaries.length > 0 ? offered.chain : observed();
}

const serverKey = (servername: string | null, address: string, alpn: readonly string[]): string =>
  `${servername ?? ''}|${addressKey(address, alpn)}`;
const addressKey = (address: string, alpn: readonly string[]): string => `${address}|${alpn.join(',')}`;
