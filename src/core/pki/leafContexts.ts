/**
 * TLS contexts for forged leaves. Every leaf shares one private key, and loading that key is most of a
 * context's cost (docs/performance.md). So contexts holding just the key are made ahead of need, one at
 * a time when the event loop is free, and a host only adds its certificate.
 *
 * A host's first connection needs no context of its own at all: OpenSSL copies a context's certificate
 * and key into each connection when the connection is created (SSL_new), so one scratch context, given
 * the host's certificate just before a TLSSocket is made from it, serves any number of first connections.
 * All of these contexts share one set of session ticket keys, so that a client resumes its session on
 * its next connection whichever context served the first (as an inspection service's would).
 */
import { randomBytes } from 'node:crypto';
import { createSecureContext, type SecureContext } from 'node:tls';
import type { TlsVersion } from './inspectionProfiles';

/** The native half of a SecureContext; Node's own createSecureContext adds certificates through it. */
interface NativeContext {
  setCert(pem: string): void;
}

/** A leaf followed by an intermediate: setCert adds a chain's certificates to those a context holds, so a reused context would send every earlier host's too. */
function isChain(certPem: string): boolean {
  return certPem.indexOf('-----BEGIN CERTIFICATE-----', 1) > 0;
}

function nativeOf(context: SecureContext): NativeContext | undefined {
  const native = (context as unknown as { context?: Partial<NativeContext> }).context;
  return typeof native?.setCert === 'function' ? (native as NativeContext) : undefined;
}

export class LeafContexts {
  private readonly spares: SecureContext[] = [];
  private refill: NodeJS.Immediate | undefined;
  /** Whether this Node lets a certificate be added to an existing context (otherwise: one context per call). */
  readonly prepared: boolean;

  private readonly scratch: SecureContext;
  /** The certificate the scratch context holds now. */
  private scratchPem: string | undefined;
  /** Session ticket keys (48 random bytes) shared by every leaf context of this process. */
  private readonly ticketKeys = randomBytes(48);

  constructor(
    private readonly keyPem: string,
    private readonly spareCount = 4,
    private readonly versions?: { readonly min: TlsVersion; readonly max: TlsVersion },
  ) {
    this.scratch = this.withKey();
    this.prepared = nativeOf(this.scratch) !== undefined;
    this.scheduleRefill();
  }

  /**
   * A context serving `certPem` to ONE TLSSocket, which must be created from it before this is called
   * again (the socket keeps the certificate; the context moves on to the next one).
   */
  forOneSocket(certPem: string): SecureContext {
    const native = nativeOf(this.scratch);
    if (!native) return this.withKey(certPem);
    if (isChain(certPem)) return this.make(certPem);
    if (this.scratchPem !== certPem) native.setCert(certPem);
    this.scratchPem = certPem;
    return this.scratch;
  }

  /**
   * Gives the scratch context `certPem` now, ahead of forOneSocket (at CONNECT, while the client is still
   * sending its ClientHello), so that the handshake need not wait for it; another socket served from the
   * scratch context meanwhile simply makes forOneSocket set it again.
   */
  prime(certPem: string): void {
    const native = nativeOf(this.scratch);
    if (!native || isChain(certPem) || this.scratchPem === certPem) return;
    native.setCert(certPem);
    this.scratchPem = certPem;
  }

  /** A context with the leaf key and `certPem`. */
  make(certPem: string): SecureContext {
    if (!this.prepared) return this.withKey(certPem);
    const context = this.spares.pop() ?? this.withKey();
    this.scheduleRefill();
    nativeOf(context)?.setCert(certPem);
    return context;
  }

  get spareContexts(): number {
    return this.spares.length;
  }

  /** Stops making spares (the proxy is stopping). */
  dispose(): void {
    if (this.refill) clearImmediate(this.refill);
    this.refill = undefined;
    this.spares.length = 0;
  }

  private withKey(certPem?: string): SecureContext {
    const versions = this.versions ? { minVersion: this.versions.min, maxVersion: this.versions.max } : {};
    return createSecureContext({
      key: this.keyPem,
      ticketKeys: this.ticketKeys,
      ...versions,
      ...(certPem === undefined ? {} : { cert: certPem }),
    });
  }

  private scheduleRefill(): void {
    if (!this.prepared || this.refill || this.spares.length >= this.spareCount) return;
    this.refill = setImmediate(() => {
      this.refill = undefined;
      this.spares.push(this.withKey());
      this.scheduleRefill();
    });
    this.refill.unref();
  }
}
