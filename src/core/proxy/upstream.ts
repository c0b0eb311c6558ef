/** Connections to the real servers: host overrides, an optional upstream HTTP proxy, TLS with the client's offer. */
import { X509Certificate } from 'node:crypto';
import { connect as connectTcp, isIP, type LookupFunction, type Socket } from 'node:net';
import { connect as connectTls, rootCertificates, createSecureContext, type SecureContext, type TLSSocket } from 'node:tls';
import { readFile } from 'node:fs/promises';
import { findOverride, type HostOverride } from './protocol/hostPatterns';
import type { CertificateSummary, UpstreamFailureStage } from '../timeline';
import { spkiPin } from '../pki/x509';
import { recordedSans } from '../pki/subjectAltNames';
import { RELAY_BUFFER } from './relayBuffer';
import { BoundedMap } from '../boundedMap';
import type { ConnectionRecorder } from '../connectionStore';
import { errorMessage, parkErrors } from '../errors';
import { chainAfterHandshake, type CertificateNames, type SessionChain, type TlsSessions } from './tlsSessions';
import { UpstreamReads } from './upstreamReads';
import type { TargetGuard } from './localTargets';
import { clientCertificateRefusal, type ClientCertificates, type PresentedCertificate } from './clientCertificates';
import type { Duplex } from 'node:stream';
import { captureTls } from './legCapture';

export class UpstreamFailure extends Error {
  override name = 'UpstreamFailure';
  constructor(
    readonly stage: UpstreamFailureStage,
    message: string,
  ) {
    super(message);
  }
}

/** Puts an upstream failure on the connection's timeline, with the stage it failed at. */
export function recordUpstreamFailure(recorder: ConnectionRecorder, error: unknown): void {
  const failure = error instanceof UpstreamFailure ? error : new UpstreamFailure('connect', errorMessage(error));
  recorder.add({ kind: 'upstream-failed', stage: failure.stage, reason: failure.message });
}

export interface UpstreamConfig {
  readonly overrides: readonly HostOverride[];
  readonly proxy: URL | null;
  /** Built once at start: Node's roots plus the user's extra CAs; undefined means Node's defaults. */
  readonly secureContext: SecureContext | undefined;
  readonly connectTimeoutMs: number;
  /** TLS sessions per server (and for sibling hosts at one address), so that connections resume. */
  readonly sessions: TlsSessions;
  readonly chains: ChainSummaries;
  /** Addresses the proxy does not relay to (see localTargets.ts); host overrides are the operator's choice and bypass it. */
  readonly guard?: TargetGuard | undefined;
  /** The app's client certificates, presented to the servers whose patterns they match. */
  readonly clientCertificates?: ClientCertificates | undefined;
}

const CERTIFICATE_ERROR_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'HOSTNAME_MISMATCH',
  'INVALID_CA',
  'CERT_SIGNATURE_FAILURE',
]);

export class UpstreamCaError extends Error {
  override name = 'UpstreamCaError';
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\r\n]+?-----END CERTIFICATE-----/g;

/**
 * Reads the user's extra upstream CA files (PEM) and keeps their certificates only: these go into the
 * trust bundle every proxied program reads, so a private key (or anything else) in the file never does.
 */
export function readUpstreamCas(extraCaFiles: readonly string[]): Promise<string[]> {
  return Promise.all(
    extraCaFiles.map(async (file) => {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (error) {
        throw new UpstreamCaError(`Cannot use upstream CA file ${file}: ${(error as NodeJS.ErrnoException).code ?? errorMessage(error)}`);
      }
      const certificates = text.match(PEM_CERTIFICATE) ?? [];
      if (certificates.length === 0)
        throw new UpstreamCaError(
          `Cannot use upstream CA file ${file}: it holds no certificate (expected PEM "-----BEGIN CERTIFICATE-----")`,
        );
      for (const [index, pem] of certificates.entries()) {
        try {
          new X509Certificate(pem);
        } catch (error) {
          throw new UpstreamCaError(`Cannot use upstream CA file ${file}: certificate ${index + 1} is not valid (${errorMessage(error)})`);
        }
      }
      return `${certificates.join('\n')}\n`;
    }),
  );
}

/**
 * One SecureContext for every upstream connection (tls.connect without one makes a context per
 * connection): Node's default trust store, or its root certificates plus the extra CAs.
 */
export function buildUpstreamSecureContext(extraCas: readonly string[]): SecureContext {
  return createSecureContext(extraCas.length === 0 ? {} : { ca: [...rootCertificates, ...extraCas] });
}

/** The Basic credentials of a proxy URL (http://user:pass@host:port), if it has any. */
export function proxyAuthorization(proxy: URL): string | undefined {
  if (!proxy.username) return undefined;
  return `Basic ${Buffer.from(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`).toString('base64')}`;
}

export function parseUpstreamProxy(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`"${raw}" is not an upstream proxy URL: expected http://HOST:PORT`);
  }
  if (url.protocol !== 'http:') throw new Error(`"${raw}" is not an upstream proxy URL: only http:// proxies are supported`);
  if (!url.port) url.port = '80';
  return url;
}

/** Opens a TCP path to host:port: directly (honouring overrides) or through the upstream proxy's CONNECT. */
export function connectUpstream(host: string, port: number, config: UpstreamConfig): Promise<{ socket: Socket; address: string }> {
  const { host: targetHost, port: targetPort, lookup } = dialled(host, port, config);
  const refused = refusedLiteral(host, port, config);
  if (refused) return Promise.reject(refused);
  if (config.proxy) return connectThroughProxy(config.proxy, targetHost, targetPort, config.connectTimeoutMs);
  return new Promise((resolve, reject) => {
    const socket = connectTcp({ host: targetHost, port: targetPort, noDelay: true, ...(lookup ? { lookup } : {}) });
    const timer = setTimeout(() => fail(connectTimeout(targetHost, targetPort, config.connectTimeoutMs)), config.connectTimeoutMs);
    const fail = (error: UpstreamFailure): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    };
    socket.once('error', (error: NodeJS.ErrnoException) => fail(networkFailure(error, targetHost, targetPort)));
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      parkErrors(socket);
      resolve({ socket, address: `${socket.remoteAddress ?? targetHost}:${socket.remotePort ?? targetPort}` });
    });
  });
}

function connectThroughProxy(proxy: URL, host: string, port: number, timeoutMs: number): Promise<{ socket: Socket; address: string }> {
  return new Promise((resolve, reject) => {
    const socket = connectTcp({ host: proxy.hostname, port: Number(proxy.port), noDelay: true });
    const timer = setTimeout(
      () => fail(new UpstreamFailure('timeout', `the upstream proxy ${proxy.host} did not answer CONNECT within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const fail = (error: UpstreamFailure): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    };
    socket.once('error', (error: NodeJS.ErrnoException) =>
      fail(
        new UpstreamFailure('proxy', `upstream proxy ${proxy.host}: ${networkFailure(error, proxy.hostname, Number(proxy.port)).message}`),
      ),
    );
    const authority = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    const credentials = proxyAuthorization(proxy);
    const auth = credentials ? `Proxy-Authorization: ${credentials}\r\n` : '';
    socket.once('connect', () => socket.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n${auth}\r\n`));
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (head.length > 16384) fail(new UpstreamFailure('proxy', `the upstream proxy ${proxy.host} sent an oversized response`));
        return;
      }
      socket.off('data', onData);
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(head.subarray(0, end).toString('latin1'));
      if (status?.[1] !== '200') {
        fail(
          new UpstreamFailure(
            'proxy',
            `the upstream proxy ${proxy.host} refused CONNECT ${authority}: ${head.subarray(0, head.indexOf('\r\n')).toString('latin1').slice(0, 200)}`,
          ),
        );
        return;
      }
      clearTimeout(timer);
      socket.removeAllListeners('error');
      parkErrors(socket);
      const rest = head.subarray(end + 4);
      if (rest.length > 0) socket.unshift(rest);
      resolve({ socket, address: `${authority} via ${proxy.host}` });
    };
    socket.on('data', onData);
  });
}

function connectTimeout(host: string, port: number, ms: number): UpstreamFailure {
  return new UpstreamFailure('timeout', `no TCP connection to ${host}:${port} within ${ms} ms`);
}

function networkFailure(error: NodeJS.ErrnoException, host: string, port: number): UpstreamFailure {
  if (error.code === 'EPINSCOPE_REFUSED') return new UpstreamFailure('connect', error.message);
  if (error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN' || error.syscall === 'getaddrinfo') {
    return new UpstreamFailure('dns', `DNS lookup of ${host} failed (${error.code ?? 'error'})`);
  }
  if (error.code === 'ETIMEDOUT') return new UpstreamFailure('timeout', `TCP connection to ${host}:${port} timed out`);
  return new UpstreamFailure('connect', `TCP connection to ${host}:${port} failed: ${error.code ?? error.message}`);
}

export interface UpstreamTls {
  readonly socket: TLSSocket;
  readonly version: string;
  readonly alpn: string | null;
  readonly chain: readonly CertificateSummary[];
  /** Whether the server resumed an earlier session (this host's, or a sibling's its certificate covers). */
  readonly resumed: boolean;
  /** How the server's bytes are read, when the connection is our own (else they are read as a stream). */
  readonly reads: UpstreamReads | undefined;
}

/**
 * Where the server's side of the TLS runs: over a TCP path already open (through an upstream proxy), or
 * over a connection of its own, whose reads then go through UpstreamReads (no Buffer per piece read).
 */
export type UpstreamPath =
  | { readonly kind: 'socket'; readonly socket: Socket | Duplex; readonly address: string }
  | {
      readonly kind: 'direct';
      readonly host: string;
      readonly port: number;
      readonly lookup?: LookupFunction | undefined;
      readonly connectTimeoutMs: number;
      readonly onConnected: (address: string) => void;
    };

/** The direct path to host:port, honouring the host overrides. */
export function directPath(host: string, port: number, config: UpstreamConfig, onConnected: (address: string) => void): UpstreamPath {
  return { kind: 'direct', ...dialled(host, port, config), connectTimeoutMs: config.connectTimeoutMs, onConnected };
}

/** Why a host given as an IP address is refused by the guard (names are checked after DNS, by the lookup). */
export function refusedLiteral(host: string, port: number, config: UpstreamConfig): UpstreamFailure | undefined {
  if (!config.guard || findOverride(config.overrides, host) || isIP(host) === 0) return undefined;
  const reason = config.guard.refusal(host, port);
  return reason ? new UpstreamFailure('connect', reason) : undefined;
}

/** The address and port actually dialled for host:port: a host override's, else the host's own (through the guard's lookup). */
function dialled(host: string, port: number, config: UpstreamConfig): { host: string; port: number; lookup?: LookupFunction | undefined } {
  const override = findOverride(config.overrides, host);
  if (override) return { host: override.address, port: override.port ?? port };
  return { host, port, lookup: config.guard?.lookupFor(port) };
}

export interface UpstreamHandshakeOptions {
  readonly servername: string | null;
  readonly alpn: readonly string[];
  readonly secureContext: SecureContext | undefined;
  readonly timeoutMs: number;
  readonly chains: ChainSummaries;
  readonly sessions?: TlsSessions;
  /** The app's client certificate for this server, when one is configured (its context replaces `secureContext`). */
  readonly clientCertificate?: PresentedCertificate | undefined;
  /** Told when the server refuses the session for want of a client certificate after the handshake (TLS 1.3). */
  readonly onClientCertificateRefusal?: (reason: string) => void;
}

/** Runs the TLS handshake with the real server, offering what the client offered, and verifies its certificate. */
export function handshakeUpstream(path: UpstreamPath, options: UpstreamHandshakeOptions): Promise<UpstreamTls> {
  // Sessions are kept per target as dialled (an override's address, or the host name and port).
  const address = path.kind === 'socket' ? path.address : `${path.host}:${path.port}`;
  const session = options.sessions?.find(options.servername, address, options.alpn);
  const reads = path.kind === 'direct' ? new UpstreamReads() : undefined;
  return new Promise((resolve, reject) => {
    const tls = connectTls({
      ...(path.kind === 'socket'
        ? { socket: path.socket }
        : { host: path.host, port: path.port, ...(path.lookup ? { lookup: path.lookup } : {}) }),
      ...(reads ? { onread: reads.onread } : {}),
      ...RELAY_BUFFER,
      ...(session ? { session: session.ticket } : {}),
      ...(options.servername ? { servername: options.servername } : {}),
      ...(options.alpn.length > 0 ? { ALPNProtocols: [...options.alpn] } : {}),
      ...(options.clientCertificate
        ? { secureContext: options.clientCertificate.secureContext }
        : options.secureContext
          ? { secureContext: options.secureContext }
          : {}),
      rejectUnauthorized: true,
    });
    if (path.kind === 'socket') captureTls(path.socket, tls);
    // Tickets arrive after the handshake in TLS 1.3, before its end in TLS 1.2: the certificate's names
    // (for sibling hosts) are added to whichever comes last.
    let known: SessionChain | undefined;
    let lastTicket: Buffer | undefined;
    const remember = (): void => {
      if (lastTicket) options.sessions?.remember(options.servername, address, options.alpn, lastTicket, known);
    };
    if (options.sessions)
      tls.on('session', (ticket: Buffer) => {
        lastTicket = ticket;
        remember();
      });
    let connected = path.kind === 'socket';
    let timer: NodeJS.Timeout;
    const fail = (error: UpstreamFailure): void => {
      clearTimeout(timer);
      tls.destroy();
      reject(error);
    };
    const startHandshakeTimer = (): void => {
      timer = setTimeout(
        () => fail(new UpstreamFailure('timeout', `the server's TLS handshake did not finish within ${options.timeoutMs} ms`)),
        options.timeoutMs,
      );
    };
    if (path.kind === 'direct') {
      // tls.connect does not pass `noDelay` on to its TCP socket; without it, small writes wait for delayed ACKs.
      tls.setNoDelay(true);
      timer = setTimeout(() => fail(connectTimeout(path.host, path.port, path.connectTimeoutMs)), path.connectTimeoutMs);
      tls.once('connect', () => {
        connected = true;
        clearTimeout(timer);
        path.onConnected(`${tls.remoteAddress ?? path.host}:${tls.remotePort ?? path.port}`);
        startHandshakeTimer();
      });
    } else {
      startHandshakeTimer();
    }
    tls.once('error', (error: NodeJS.ErrnoException) => {
      if (!connected && path.kind === 'direct') return fail(networkFailure(error, path.host, path.port));
      const refusal = clientCertificateRefusal(error, {
        serverCertificateSeen: Boolean(tls.getPeerX509Certificate()),
        presented: options.clientCertificate?.subject,
      });
      if (refusal) return fail(new UpstreamFailure('client-certificate', refusal));
      const code = error.code ?? '';
      const stage = CERTIFICATE_ERROR_CODES.has(code) ? 'certificate' : 'tls';
      const reason =
        stage === 'certificate'
          ? `the server's certificate is not valid: ${error.message} (${code})`
          : `TLS with the server failed: ${error.message}`;
      fail(new UpstreamFailure(stage, reason));
    });
    tls.once('end', () => fail(new UpstreamFailure('closed', 'the server closed the connection during the TLS handshake')));
    tls.once('secureConnect', () => {
      clearTimeout(timer);
      tls.removeAllListeners('error');
      tls.removeAllListeners('end');
      parkErrors(tls);
      const onRefusal = options.onClientCertificateRefusal;
      if (onRefusal) {
        // In TLS 1.3 the server judges the client's certificate after our side of the handshake is done.
        tls.once('error', (error: NodeJS.ErrnoException) => {
          const refusal = clientCertificateRefusal(error, { serverCertificateSeen: true, presented: options.clientCertificate?.subject });
          if (refusal) onRefusal(refusal);
        });
      }
      const chain = chainAfterHandshake(options.chains.of(tls), session, tls.isSessionReused());
      known = chain;
      remember();
      resolve({
        socket: tls,
        reads,
        version: tls.getProtocol() ?? 'unknown',
        alpn: typeof tls.alpnProtocol === 'string' ? tls.alpnProtocol : null,
        chain: chain.summaries,
        resumed: tls.isSessionReused(),
      });
    });
  });
}

/** A server's certificate chain as recorded, and the leaf's names (for sibling sessions). */
export type UpstreamChain = SessionChain;

/** Summaries of certificate chains seen, keyed by the chain's fingerprints: servers send the same chain again and again. */
export class ChainSummaries extends BoundedMap<string, UpstreamChain> {
  constructor(capacity = 1000) {
    super(capacity);
  }

  /** The peer's chain, leaf first, as sent (summarised once per distinct chain). */
  of(tls: TLSSocket): UpstreamChain {
    const chain: X509Certificate[] = [];
    const seen = new Set<string>();
    for (let current = tls.getPeerX509Certificate(); current && !seen.has(current.fingerprint256); current = current.issuerCertificate) {
      seen.add(current.fingerprint256);
      chain.push(current);
    }
    const key = [...seen].join(' ');
    const known = this.get(key);
    if (known) return known;
    const leaf = chain[0];
    const summarised = { summaries: chain.map(summarise), names: leaf ? certificateNames(leaf) : undefined };
    this.set(key, summarised);
    return summarised;
  }
}

/** What checkServerIdentity reads of a certificate, from the X509Certificate (after which Node 20's getPeerCertificate() returns {}). */
function certificateNames(x509: X509Certificate): CertificateNames {
  const commonName = /^CN=(.*)$/m.exec(x509.subject)?.[1];
  return {
    subject: commonName === undefined ? {} : { CN: commonName },
    ...(x509.subjectAltName === undefined ? {} : { subjectaltname: x509.subjectAltName }),
  };
}

function summarise(x509: X509Certificate): CertificateSummary {
  const { sans, omitted } = recordedSans(x509.subjectAltName);
  return {
    subject: x509.subject.replace(/\n/g, ', '),
    issuer: x509.issuer.replace(/\n/g, ', '),
    validFrom: new Date(x509.validFrom).toISOString(),
    validTo: new Date(x509.validTo).toISOString(),
    serialNumber: x509.serialNumber,
    pin: spkiPin(x509.publicKey.export({ type: 'spki', format: 'der' })),
    sans,
    ...(omitted ? { sansOmitted: omitted } : {}),
  };
}
