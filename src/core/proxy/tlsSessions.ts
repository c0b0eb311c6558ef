/**
 * Upstream TLS sessions (tickets), so that connections resume instead of running full handshakes.
 *
 * A session is kept per server name, address (the target as dialled: an override's address, the host
 * name, or the host through an upstream proxy) and ALPN offer. A host seen for the first time may also
 * resume the latest session of another host at the same address, when that session's certificate covers
 * the new name too — what RFC 8446 §4.6.1 requires of such a resumption (`*.example.com` served from one
 * address is the common case). A server that does not accept the ticket for that name answers with a full
 * handshake, and Node checks the resumed certificate against the new name as it does any other.
 */
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import { BoundedMap } from '../boundedMap';

/** The parts of a certificate that `checkServerIdentity` reads: its subject's common name and its alternative names. */
export interface CertificateNames {
  readonly subject: { readonly CN?: string };
  readonly subjectaltname?: string;
}

interface SharedSession {
  readonly ticket: Buffer;
  readonly names: CertificateNames;
}

export class TlsSessions {
  private readonly byServer: BoundedMap<string, Buffer>;
  private readonly byAddress: BoundedMap<string, SharedSession>;

  constructor(capacity = 1000) {
    this.byServer = new BoundedMap(capacity);
    this.byAddress = new BoundedMap(capacity);
  }

  /** The session to offer `servername` at `address` with this ALPN offer: its own, else a sibling's; if any. */
  find(servername: string | null, address: string, alpn: readonly string[]): Buffer | undefined {
    const own = this.byServer.get(serverKey(servername, address, alpn));
    if (own || servername === null) return own;
    const shared = this.byAddress.get(addressKey(address, alpn));
    // checkServerIdentity reads only these two fields of a PeerCertificate.
    const covered = shared !== undefined && checkServerIdentity(servername, shared.names as unknown as PeerCertificate) === undefined;
    return covered ? shared.ticket : undefined;
  }

  /** Keeps a ticket the server sent; with the certificate's names once they are known, for sibling hosts too. */
  remember(servername: string | null, address: string, alpn: readonly string[], ticket: Buffer, names: CertificateNames | undefined): void {
    this.byServer.set(serverKey(servername, address, alpn), ticket);
    if (servername !== null && names) this.byAddress.set(addressKey(address, alpn), { ticket, names });
  }
}

const serverKey = (servername: string | null, address: string, alpn: readonly string[]): string => `${servername ?? ''}|${addressKey(address, alpn)}`;
const addressKey = (address: string, alpn: readonly string[]): string => `${address}|${alpn.join(',')}`;
