/** Connections to the real servers: host overrides, an optional upstream HTTP proxy, TLS with the client's offer. */
import { connect as connectTcp, isIP, type LookupFunction, type Socket } from 'node:net';
import { connect as connectTls, TLSSocket, type SecureContext } from 'node:tls';
import type { Duplex } from 'node:stream';
import { findOverride, type HostOverride } from './protocol/hostPatterns';
import type { CertificateSummary } from '../timeline';
import { RELAY_BUFFER } from './relayBuffer';
import { parkErrors } from '../errors';
import { chainAfterHandshake, type SessionChain, type TlsSessions } from './tlsSessions';
import { UpstreamReads } from './upstreamReads';
import type { TargetGuard } from './localTargets';
import { clientCertificateRefusal, type ClientCertificates, type PresentedCertificate } from './clientCertificates';
import { captureTls } from './legCapture';
import type { ChainSummaries } from './chainSummaries';
import { connectTimeout, networkFailure, UpstreamFailure } from './upstreamFailures';
import { connectThroughProxy } from './upstreamProxy';

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

/** TLSSocket's own (undocumented) `setSession`, which tls.connect calls with its `session` option. */
interface SessionSetter {
  setSession(ticket: Buffer): void;
}
const HAS_SET_SESSION = typeof (TLSSocket.prototype as unknown as Partial<SessionSetter>).setSession === 'function';

/**
 * Whether the session is given to the socket after tls.connect rather than as its option: Node 20's
 * tls.connect decodes a `session` option twice (in the TLSSocket and again in connect: ~0.15 ms each, the
 * ticket holds the server's certificate). Over a connection of its own, the handshake starts only once
 * TCP connects, so setting it right after connect is in time; over a given socket it starts in connect.
 */
function setsSessionAfterConnect(path: UpstreamPath): boolean {
  return HAS_SET_SESSION && path.kind === 'direct';
}

/** Runs the TLS handshake with the real server, offering what the client offered, and verifies its certificate. */
export function handshakeUpstream(path: UpstreamPath, options: UpstreamHandshakeOptions): Promise<UpstreamTls> {
  // Sessions are kept per target as dialled (an override's address, or the host name and port).
  const address = path.kind === 'socket' ? path.address : `${path.host}:${path.port}`;
  const session = options.sessions?.find(options.servername, address, options.alpn);
  let reads = path.kind === 'direct' ? new UpstreamReads() : undefined;
  return new Promise((resolve, reject) => {
    const tls = connectTls({
      ...(path.kind === 'socket'
        ? { socket: path.socket }
        : { host: path.host, port: path.port, ...(path.lookup ? { lookup: path.lookup } : {}) }),
      ...(reads ? { onread: reads.onread } : {}),
      ...RELAY_BUFFER,
      ...(session && !setsSessionAfterConnect(path) ? { session: session.ticket } : {}),
      ...(options.servername ? { servername: options.servername } : {}),
      ...(options.alpn.length > 0 ? { ALPNProtocols: [...options.alpn] } : {}),
      ...(options.clientCertificate
        ? { secureContext: options.clientCertificate.secureContext }
        : options.secureContext
          ? { secureContext: options.secureContext }
          : {}),
      rejectUnauthorized: true,
    });
    if (session && setsSessionAfterConnect(path)) (tls as unknown as SessionSetter).setSession(session.ticket);
    if (path.kind === 'socket') reads = captureTls(path.socket, tls);
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
      const chain = chainAfterHandshake(() => options.chains.of(tls), session, tls.isSessionReused());
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
