/**
 * TLS contexts for forged leaves. Every leaf shares one private key, and loading that key is most of a
 * context's cost (OpenSSL 3 decodes a PEM key in ~0.3 ms, an empty context takes ~0.1 ms, a certificate
 * ~0.2 ms). So contexts holding just the key are made ahead of need, one at a time when the event loop
 * is free, and a new host only adds its certificate.
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

  constructor(private readonly keyPem: string, private readonly spareCount = 4) {
    const probe = createSecureContext({ key: keyPem });
    this.prepared = nativeOf(probe) !== undefined;
    if (this.prepared) this.spares.push(probe);
    this.scheduleRefill();
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
