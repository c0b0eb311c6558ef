/**
 * Forged leaf certificates, one per host, as an SSL-inspection service makes them. One leaf key pair
 * per process (generated at start-up, off the connection path); certificates and their TLS contexts are
 * kept in a bounded LRU cache. The leaf key is ECDSA P-256 (a handshake signature costs ~0.06 ms instead
 * of ~1 ms with RSA-2048), certified by the RSA CA, as many inspection services do.
 */
import { generateKeyPair, type KeyObject } from 'node:crypto';
import type { SecureContext } from 'node:tls';
import { promisify } from 'node:util';
import { forge } from './forge';
import { BoundedMap } from '../boundedMap';
import type { LeafIssuer } from './inspectionChain';
import type { TlsVersion } from './inspectionProfiles';
import { LeafContexts } from './leafContexts';
import { forgedSan } from './subjectAltNames';
import { LeafDer, derToPem, type LeafFields } from './leafDer';
import { octetString, randomSerial, spkiKeyIdentifier, spkiPin, subjectNameDer } from './x509';

/** Back-dated so that clients with a slightly wrong clock still accept it. */
const LEAF_BACKDATE_MS = 60 * 60 * 1000;
/** Well inside the 398 days browsers accept for a TLS server certificate. */
export const LEAF_LIFETIME_DAYS = 30;
const DEFAULT_LEAF_CACHE_SIZE = 2000;
/** TLS contexts kept (~30 KB each): the most recently used hosts'; others are remade from their certificate (~0.25 ms). */
export const DEFAULT_LEAF_CONTEXTS_KEPT = 256;

export interface ForgedCertificate {
  readonly host: string;
  readonly subject: string;
  readonly issuer: string;
  readonly serialNumber: string;
  readonly notBefore: string;
  readonly notAfter: string;
  readonly pin: string;
  /** Its subject alternative names as recorded (`DNS:host` or `IP:address`): the one name it is forged for. */
  readonly sans: readonly string[];
  readonly certPem: string;
}

/** A forged certificate and the TLS context that serves it. */
export interface ForgedLeaf {
  readonly certificate: ForgedCertificate;
  /** Whether the certificate was served before (in an earlier connection's handshake); forging it ahead, at CONNECT, does not count. */
  readonly cached: boolean;
  readonly secureContext: SecureContext;
}

const generateEcKeyPair = promisify(generateKeyPair);

/** How an inspection profile shapes the leaves (inspectionProfiles.ts); absent: the generic profile. */
export interface LeafShape {
  /** Certificates sent after each leaf (PEM), e.g. the inspection intermediate; '' for none. */
  readonly chainPem: string;
  readonly lifetimeDays: number;
  readonly tlsVersions?: { readonly min: TlsVersion; readonly max: TlsVersion };
}

export class ForgedCertificates {
  private readonly cache: BoundedMap<string, ForgedCertificate>;
  /** Certificates already served in a handshake: what `cached` reports (a certificate forged at CONNECT is new to its first handshake). */
  private readonly servedBefore = new WeakSet<ForgedCertificate>();
  private readonly keyPem: string;
  private readonly spkiDer: Buffer;
  private readonly pin: string;
  private readonly issuerName: string;
  /** The CA's subject as encoded in its certificate, copied into every leaf as its issuer. */
  private readonly issuerDer: Buffer;
  /** Encodes and signs each leaf around the parts all leaves share. */
  private readonly der: LeafDer;
  private readonly contexts: LeafContexts;
  /** A host's own context, or `null` once its first connection was served from the shared one. */
  private readonly liveContexts: BoundedMap<string, SecureContext | null>;

  private constructor(
    ca: LeafIssuer,
    leafKey: KeyObject,
    leafPublicKey: KeyObject,
    capacity: number,
    private readonly shape: LeafShape,
  ) {
    this.cache = new BoundedMap(capacity);
    this.keyPem = leafKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    this.contexts = new LeafContexts(this.keyPem, undefined, shape.tlsVersions);
    this.liveContexts = new BoundedMap(Math.min(capacity, DEFAULT_LEAF_CONTEXTS_KEPT));
    this.spkiDer = leafPublicKey.export({ type: 'spki', format: 'der' });
    this.pin = spkiPin(this.spkiDer);
    this.issuerName = distinguishedName(ca.cert.subject.attributes);
    this.issuerDer = subjectNameDer(ca.certDer);
    this.der = new LeafDer(
      this.issuerDer,
      this.spkiDer,
      [
        { name: 'basicConstraints', cA: false, critical: true },
        { name: 'keyUsage', digitalSignature: true, critical: true },
        { name: 'extKeyUsage', serverAuth: true },
        { name: 'subjectKeyIdentifier', value: octetString(spkiKeyIdentifier(this.spkiDer)) },
        { name: 'authorityKeyIdentifier', keyIdentifier: ca.keyIdentifier },
      ],
      ca.key,
    );
  }

  /** Generates the process's leaf key pair (asynchronously, off the event loop). */
  static async create(
    ca: LeafIssuer,
    capacity = DEFAULT_LEAF_CACHE_SIZE,
    shape: LeafShape = { chainPem: '', lifetimeDays: LEAF_LIFETIME_DAYS },
  ): Promise<ForgedCertificates> {
    const { privateKey, publicKey } = await generateEcKeyPair('ec', { namedCurve: 'P-256' });
    return new ForgedCertificates(ca, privateKey, publicKey, capacity, shape);
  }

  /** How many certificates each handshake sends: the leaf, and the profile's intermediate when it has one. */
  get chainLength(): number {
    return 1 + (this.shape.chainPem.match(/-----BEGIN CERTIFICATE-----/g)?.length ?? 0);
  }

  get size(): number {
    return this.cache.size;
  }

  /** Stops preparing TLS contexts ahead of need. */
  dispose(): void {
    this.contexts.dispose();
  }

  /** Whether `host`'s certificate is forged already. */
  has(host: string): boolean {
    return this.cache.has(host.toLowerCase());
  }

  /** The forged certificate for `host`, from the cache or forged now (say, at CONNECT, ahead of the ClientHello). */
  certificateFor(rawHost: string): ForgedCertificate {
    return this.lookup(rawHost.toLowerCase()).certificate;
  }

  /**
   * Forges `host`'s certificate if need be and readies the context its next connection is served from:
   * called at CONNECT, while the client is still sending its ClientHello, so that the handshake that
   * follows finds both done (a context's certificate costs ~0.3 ms, see docs/performance.md).
   */
  prepare(rawHost: string): void {
    const host = rawHost.toLowerCase();
    const served = this.served(this.lookup(host).certificate);
    const context = this.liveContexts.get(host);
    if (context === undefined) this.contexts.prime(served);
    else if (context === null) this.liveContexts.set(host, this.contexts.make(served));
  }

  /**
   * The forged certificate for `host` and the TLS context to serve it with. The context may be shared:
   * make the TLSSocket from it at once, before asking for another host's.
   */
  forHost(rawHost: string): ForgedLeaf {
    const host = rawHost.toLowerCase();
    const { certificate } = this.lookup(host);
    const cached = this.servedBefore.has(certificate);
    this.servedBefore.add(certificate);
    const served = this.served(certificate);
    let secureContext = this.liveContexts.get(host);
    if (secureContext === undefined) {
      // A host's first connection (W1-like: many hosts, once each) borrows the shared context.
      this.liveContexts.set(host, null);
      return { certificate, cached, secureContext: this.contexts.forOneSocket(served) };
    }
    if (secureContext === null) {
      secureContext = this.contexts.make(served);
      this.liveContexts.set(host, secureContext);
    }
    return { certificate, cached, secureContext };
  }

  /**
   * What a handshake sends: the leaf, and a profile's intermediate; never the root, which clients that
   * trust it already have (RFC 8446 §4.4.2 lets it be omitted): sending it would cost every handshake its
   * bytes and every client a parse.
   */
  private served(certificate: ForgedCertificate): string {
    return this.shape.chainPem === '' ? certificate.certPem : `${certificate.certPem}${this.shape.chainPem}`;
  }

  private lookup(host: string): { certificate: ForgedCertificate } {
    const known = this.cache.get(host);
    if (known) return { certificate: known };
    const certificate = this.issue(host);
    this.cache.set(host, certificate);
    return { certificate };
  }

  private issue(host: string): ForgedCertificate {
    const now = Date.now();
    const notBefore = new Date(now - LEAF_BACKDATE_MS);
    const notAfter = new Date(now + this.shape.lifetimeDays * 24 * 60 * 60 * 1000);
    const serialNumber = randomSerial();
    const der = this.der.certificate({ serialHex: serialNumber, notBefore, notAfter, subject: leafSubject(host), altName: host });
    return {
      host,
      subject: host.length <= 64 ? `CN=${host}` : 'O=Pinscope forged certificate',
      issuer: this.issuerName,
      serialNumber,
      notBefore: notBefore.toISOString(),
      notAfter: notAfter.toISOString(),
      pin: this.pin,
      sans: [forgedSan(host)],
      certPem: derToPem(der),
    };
  }
}

/**
 * The leaf's subject: the host as common name when it fits the 64 characters X.520 allows (a longer
 * host is named by its subjectAltName alone: a truncated common name would be a name the certificate
 * is not for), and an organization that says what the certificate is.
 */
function leafSubject(host: string): LeafFields['subject'] {
  return [
    ...(host.length <= 64 ? [{ oid: COMMON_NAME, value: host }] : []),
    { oid: ORGANIZATION_NAME, value: 'Pinscope forged certificate' },
  ];
}

const COMMON_NAME = '2.5.4.3';
const ORGANIZATION_NAME = '2.5.4.10';

function distinguishedName(attributes: readonly forge.pki.CertificateField[]): string {
  // forge keeps a parsed UTF8String as its UTF-8 bytes.
  const text = (a: forge.pki.CertificateField): string =>
    (a.valueTagClass as unknown) === forge.asn1.Type.UTF8 ? forge.util.decodeUtf8(String(a.value)) : String(a.value);
  return attributes.map((a) => `${a.shortName ?? a.name ?? '?'}=${text(a)}`).join(', ');
}
