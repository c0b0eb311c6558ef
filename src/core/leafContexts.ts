/**
 * TLS contexts for forged leaves. Every leaf shares one private key, and loading that key is most of a
 * context's cost (OpenSSL 3 decodes a PEM key in ~0.3 ms, an empty context takes ~0.1 ms, a certificate
 * ~0.2 ms). So contexts holding just the key are made ahead of need, one at a time when the event loop
 * is free, and a host only adds its certificate.
 *
 * A host's first connection needs no context of its own at all: OpenSSL copies a context's certificate
 * and key into each connection when the connection is created (SSL_new), so one scratch context, given
 * the host's certificate just before a TLSSocket is made from it, serves any number of first connections.
 */
import { createSecureContext, type SecureContext } from 'node:tls';

/** The native half of a SecureContext; Node's own createSecureContext adds certificates through it. */
interface NativeContext {
  setCert(pem: string): void;
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

  constructor(private readonly keyPem: string, private readonly spareCount = 4) {
    this.scratch = createSecureContext({ key: keyPem });
    this.prepared = nativeOf(this.scratch) !== undefined;
    this.scheduleRefill();
  }

  /**
   * A context serving `certPem` to ONE TLSSocket, which must be created from it before this is called
   * again (the socket keeps the certificate; the context moves on to the next one).
   */
  forOneSocket(certPem: string): SecureContext {
    const native = nativeOf(this.scratch);
    if (!native) return createSecureContext({ key: this.keyPem, cert: certPem });
    native.setCert(certPem);
    return this.scratch;
  }

  /** A context with the leaf key and `certPem`. */
  make(certPem: string): SecureContext {
    if (!this.prepared) return createSecureContext({ key: this.keyPem, cert: certPem });
    const context = this.spares.pop() ?? createSecureContext({ key: this.keyPem });
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

  private scheduleRefill(): void {
    if (!this.prepared || this.refill || this.spares.length >= this.spareCount) return;
    this.refill = setImmediate(() => {
      this.refill = undefined;
      this.spares.push(createSecureContext({ key: this.keyPem }));
      this.scheduleRefill();
    });
    this.refill.unref();
  }
}
