/**
 * The intercepting proxy: an HTTP proxy on loopback that answers CONNECT (intercepting or tunnelling
 * TLS) and forwards absolute-URI plain-HTTP requests. The only module that listens on a socket.
 */
import type { WriteStream } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { loadOrCreateCertificateAuthority, type CertificateAuthority } from '../pki/certificateAuthority';
import { ConnectionStore, type ConnectionRecorder } from '../connectionStore';
import { DEFAULT_MAX_CONNECTIONS_KEPT } from '../../shared/vocabulary';
import { ForgedCertificates } from '../pki/forgedCertificates';
import { DEFAULT_PROFILE, InspectionProfileError, inspectionProfile, type InspectionProfile } from '../pki/inspectionProfiles';
import { InspectionChainError, loadInspectionChain } from '../pki/inspectionChain';
import { parseHostOverride, type HostOverride } from './protocol/hostPatterns';
import { HostPolicy, type PolicyHook } from './hostPolicy';
import { AlpnMemory } from './protocol/alpnPlan';
import { handleTunnel, type InterceptionContext } from './interception';
import { parseConnectTarget, parseProxyPort } from './protocol/proxyTargets';
import { ChainSummaries } from './chainSummaries';
import { parseUpstreamProxy } from './upstreamProxy';
import { buildUpstreamSecureContext, readUpstreamCas, UpstreamCaError } from './upstreamTrust';
import { forwardHttp, redactedUrl } from './httpForwarding';
import { answerAndClose } from './clientAnswers';
import { KeylogFileError, openKeylogFile, type KeylogFile } from './keylogFile';
import { captureStore } from './legCapture';
import type { SkippedCapture } from './capturePolicy';
import type { CapturedConnection } from '../report/capturedTraffic';
import { isLoopbackListen, targetGuard } from './localTargets';
import { TlsSessions } from './tlsSessions';
import { ClientCertificateError, ClientCertificates, type ClientCertificateOption } from './clientCertificates';
import { writeTrustBundle } from '../setup/trustBundle';
import { ConnectionAttribution } from '../process/connectionClients';
import { randomBytes } from 'node:crypto';
import { errorMessage, parkErrors } from '../errors';
import { hostName } from '../hostNames';

export interface ProxyOptions {
  readonly caDir: string;
  readonly host?: string;
  readonly port?: number;
  readonly handshakeTimeoutMs?: number;
  readonly idleTimeoutMs?: number;
  readonly connectTimeoutMs?: number;
  readonly firstBytesTimeoutMs?: number;
  /** Client sockets open at once (the server's limit); not to be confused with `maxConnectionsKept`. */
  readonly maxOpenConnections?: number;
  /** Host patterns tunnelled untouched (the `pinscope.tunnelHosts` setting). */
  readonly tunnelHosts?: readonly string[];
  /** `PATTERN=ADDRESS[:PORT]` connections to reach instead of DNS (the `pinscope.hostOverrides` setting). */
  readonly hostOverrides?: readonly string[];
  readonly upstreamCaFiles?: readonly string[];
  /** The inspection profile (inspectionProfiles.ts): the chain, ALPN and TLS versions the client meets; default `generic`. */
  readonly inspectionProfile?: string;
  /** The organisation's inspection intermediate, for the `own-intermediate` profile. */
  readonly intermediateCa?: { readonly certFile: string; readonly keyFile: string } | null;
  /** The app's client certificates, presented to the servers whose host patterns they match (mutual TLS). */
  readonly clientCertificates?: readonly ClientCertificateOption[];
  readonly upstreamProxy?: string | null;
  readonly keylogFile?: string | null;
  /** Bytes kept of each direction of both legs of an intercepted connection, for pcapng exports (0: none; default 64 KiB). */
  readonly captureBytes?: number;
  /**
   * Relay to this machine's own addresses (loopback, unspecified, link-local). Default: only when
   * listening on loopback, where the user asking is on this machine anyway. Never to the proxy's own port.
   */
  readonly relayToLocalAddresses?: boolean;
  /** How many connection records are kept (the `pinscope.maxConnectionsKept` setting). */
  readonly maxConnectionsKept?: number;
  /** How long a client may take to send its request head (slowloris bound). */
  readonly headersTimeoutMs?: number;
  /** Consulted before the tunnel patterns for every host (e.g. confirmation by tunnelling). */
  readonly policyHook?: PolicyHook;
  /**
   * Name the process behind each connection from this machine (and whether it trusts the CA), looked up
   * as it is accepted (the `pinscope.attributeProcesses` setting, `--no-attribution`). Default on.
   */
  readonly attributeProcesses?: boolean;
  /** Records into this store (a session's, kept across restarts) instead of a new one. */
  readonly store?: ConnectionStore;
  /** Where internal errors go (never key material). */
  readonly onError?: (message: string) => void;
}

/** How long a stopping proxy waits for the process lookups still running. */
const ATTRIBUTION_STOP_WAIT_MS = 5_000;

const DEFAULTS = {
  host: '127.0.0.1',
  port: 0,
  handshakeTimeoutMs: 10_000,
  idleTimeoutMs: 300_000,
  connectTimeoutMs: 10_000,
  firstBytesTimeoutMs: 2_000,
  maxOpenConnections: 2_000,
  headersTimeoutMs: 10_000,
} as const;

export class ProxyStartError extends Error {
  override name = 'ProxyStartError';
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

/** An option value the proxy cannot use (a CA file without certificates, an unsafe key log path…): the caller's mistake. */
export class ProxyOptionError extends ProxyStartError {
  override name = 'ProxyOptionError';
}

/** The inspection profile and the forged leaves it shapes; a bad profile or intermediate is the caller's mistake. */
async function profileCertificates(
  ca: CertificateAuthority,
  options: ProxyOptions,
): Promise<{ profile: InspectionProfile; certificates: ForgedCertificates }> {
  try {
    const profile = inspectionProfile(options.inspectionProfile ?? DEFAULT_PROFILE);
    const chain = await loadInspectionChain(ca, profile, options.intermediateCa ?? undefined);
    const certificates = await ForgedCertificates.create(chain.issuer, undefined, {
      chainPem: chain.chainPem,
      lifetimeDays: profile.leafValidityDays,
      ...(profile.id === DEFAULT_PROFILE ? {} : { tlsVersions: profile.tlsVersions }),
    });
    return { profile, certificates };
  } catch (error) {
    if (error instanceof InspectionProfileError || error instanceof InspectionChainError)
      throw new ProxyOptionError(error.message, 'EINVAL');
    throw error;
  }
}

export class InterceptingProxy {
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly ca: CertificateAuthority,
    /** Public roots + the upstream CAs + the Pinscope CA: what proxied programs should trust. */
    readonly trustBundlePath: string,
    readonly store: ConnectionStore,
    readonly policy: HostPolicy,
    private readonly context: InterceptionContext,
    private readonly keylogStream: WriteStream | undefined,
    readonly host: string,
    readonly port: number,
    /** Set as PINSCOPE_SESSION in the environments this proxy hands out: "started by Pinscope" is known. */
    readonly sessionId: string,
    private readonly attribution: ConnectionAttribution | undefined,
  ) {}

  /** Validates options, loads or creates the CA, makes the leaf key, and listens. Throws precise errors. */
  static async start(options: ProxyOptions): Promise<InterceptingProxy> {
    const host = options.host ?? DEFAULTS.host;
    const port = options.port ?? DEFAULTS.port;
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new ProxyStartError(`Port ${port} is not valid: use 0 (any free port) to 65535.`, 'EINVAL');
    const overrides: HostOverride[] = (options.hostOverrides ?? []).map(parseHostOverride);
    const policy = new HostPolicy(options.tunnelHosts ?? [], options.policyHook);
    const upstreamProxy = options.upstreamProxy ? parseUpstreamProxy(options.upstreamProxy) : null;
    const upstreamCas = await readUpstreamCas(options.upstreamCaFiles ?? []).catch((error: unknown) => {
      throw error instanceof UpstreamCaError ? new ProxyOptionError(error.message, 'EINVAL') : error;
    });
    const secureContext = buildUpstreamSecureContext(upstreamCas);
    const clientCertificates = await ClientCertificates.load(options.clientCertificates ?? [], upstreamCas).catch((error: unknown) => {
      throw error instanceof ClientCertificateError ? new ProxyOptionError(error.message, 'EINVAL') : error;
    });
    const ca = await loadOrCreateCertificateAuthority(options.caDir);
    const trustBundlePath = await writeTrustBundle(ca, upstreamCas).catch(async (error: unknown) => {
      // A read-only CA folder (a shared, provisioned CA) still serves: the bundle goes to a private temporary folder.
      const fallback = await mkdtemp(join(tmpdir(), 'pinscope-trust-'));
      options.onError?.(`the trust bundle cannot be written beside the CA (${errorMessage(error)}); it is in ${fallback}`);
      return writeTrustBundle({ ...ca, directory: fallback }, upstreamCas);
    });
    const { profile, certificates } = await profileCertificates(ca, options);
    const onError = options.onError ?? (() => undefined);
    const store =
      options.store ??
      new ConnectionStore(options.maxConnectionsKept ?? DEFAULT_MAX_CONNECTIONS_KEPT, (error) =>
        onError(`a connection listener failed: ${errorMessage(error)}`),
      );
    const keylog = options.keylogFile ? openKeylog(options.keylogFile) : undefined;
    if (keylog?.tightened) onError(`key log ${options.keylogFile ?? ''} was readable by others: its mode is now 0600`);
    const keylogStream = keylog?.stream;
    keylogStream?.on('error', (error) => onError(`key log ${options.keylogFile ?? ''}: ${error.message}`));
    let boundPort = port;
    const guard = targetGuard(() => boundPort, options.relayToLocalAddresses ?? isLoopbackListen(host), host);
    const context = {
      certificates,
      profile,
      policy,
      alpn: new AlpnMemory(),
      upstream: {
        overrides,
        proxy: upstreamProxy,
        secureContext,
        connectTimeoutMs: options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs,
        sessions: new TlsSessions(),
        chains: new ChainSummaries(),
        guard,
        clientCertificates,
      },
      handshakeTimeoutMs: options.handshakeTimeoutMs ?? DEFAULTS.handshakeTimeoutMs,
      firstBytesTimeoutMs: options.firstBytesTimeoutMs ?? DEFAULTS.firstBytesTimeoutMs,
      idleTimeoutMs: options.idleTimeoutMs ?? DEFAULTS.idleTimeoutMs,
      keylog: keylogStream ? (line: Buffer) => void keylogStream.write(line) : undefined,
      capture: captureStore(options.captureBytes),
      relayedUpstreams: new Set<Duplex>(),
    };
    const headersTimeout = options.headersTimeoutMs ?? DEFAULTS.headersTimeoutMs;
    const server = createServer({
      requestTimeout: Math.max(headersTimeout, 30_000),
      headersTimeout,
      maxHeaderSize: 16_384,
      connectionsCheckingInterval: Math.min(1000, headersTimeout),
    });
    server.maxConnections = options.maxOpenConnections ?? DEFAULTS.maxOpenConnections;
    boundPort = await listen(server, host, port);
    const sessionId = randomBytes(12).toString('hex');
    const url = proxyUrl(host, boundPort);
    const attribution =
      (options.attributeProcesses ?? true)
        ? new ConnectionAttribution({ caDer: ca.certDer, sessionId, proxyUrl: url, listening: { host, port: boundPort } })
        : undefined;
    const proxy = new InterceptingProxy(
      server,
      ca,
      trustBundlePath,
      store,
      policy,
      context,
      keylogStream,
      host,
      boundPort,
      sessionId,
      attribution,
    );
    proxy.attach(onError);
    return proxy;
  }

  get url(): string {
    return proxyUrl(this.host, this.port);
  }

  /** How connections are attributed to processes here, or why they are not. */
  get attributionMethod(): string {
    return this.attribution?.method ?? 'off';
  }

  get openConnections(): number {
    return this.sockets.size;
  }

  setHandshakeTimeout(ms: number): void {
    this.context.handshakeTimeoutMs = ms;
  }

  /** The first bytes of both legs of connection `id` and their TLS secrets, when captured (see legCapture.ts). */
  captureOf(id: number): CapturedConnection | undefined {
    return this.context.capture?.captureOf(id);
  }

  /** Why connection `id` was left out of capture, if it was (see capturePolicy.ts). */
  captureSkipped(id: number): SkippedCapture | undefined {
    return this.context.capture?.skippedWhy(id);
  }

  private attach(onError: (message: string) => void): void {
    this.context.capture?.follow(this.store);
    this.server.on('connection', (socket: Socket) => {
      // First: a client that fails fast exits soon after; the lookup never blocks the handshake.
      this.attribution?.accepted(socket);
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    this.server.on('connect', (request: IncomingMessage, socket: Socket, head: Buffer) => {
      this.onConnect(request, socket, head).catch((error: unknown) => {
        onError(`CONNECT ${request.url ?? ''}: ${errorMessage(error)}`);
        socket.destroy();
      });
    });
    this.server.on('request', (request: IncomingMessage, response: ServerResponse) => this.onRequest(request, response));
    this.server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
      if (!socket.writable || error.code === 'ECONNRESET') return void socket.destroy();
      const status =
        error.code === 'HPE_HEADER_OVERFLOW'
          ? '431 Request Header Fields Too Large'
          : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
            ? '408 Request Timeout'
            : '400 Bad Request';
      answerAndClose(
        socket,
        `HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\nPinscope: ${status.slice(4)} (${error.code ?? 'malformed request'})\n`,
      );
    });
  }

  private async onConnect(request: IncomingMessage, socket: Socket, head: Buffer): Promise<void> {
    const target = parseConnectTarget(request.url ?? '');
    if ('error' in target) {
      answerAndClose(
        socket,
        `HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\nPinscope: ${target.error}\n`,
      );
      return;
    }
    parkErrors(socket);
    const recorder = this.store.open(target.host, target.port, 'intercept');
    this.attributeTo(recorder, socket);
    recorder.add({ kind: 'accepted', remote: `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}` });
    recorder.add({ kind: 'connect', host: target.host, port: target.port });
    socket.setNoDelay(true);
    socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length > 0) socket.unshift(head);
    // Raw bytes the client sent before its first tunnel byte (the CONNECT request), to count TLS records later.
    const tunnelStart = socket.bytesRead - head.length;
    await handleTunnel(this.context, socket, target.host, target.port, recorder, tunnelStart);
  }

  private onRequest(request: IncomingMessage, response: ServerResponse): void {
    let url: URL;
    try {
      url = new URL(request.url ?? '');
      if (url.protocol !== 'http:') throw new Error('not http');
    } catch {
      response.writeHead(400, { 'content-type': 'text/plain', connection: 'close' });
      response.end('Pinscope is an HTTP proxy: send absolute-URI requests (http://host/path) or CONNECT host:port.\n');
      return;
    }
    const port = parseProxyPort(url.port, 80);
    const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    const recorder = this.store.open(hostName(hostname), port, 'http');
    this.attributeTo(recorder, request.socket);
    recorder.add({ kind: 'accepted', remote: `${request.socket.remoteAddress ?? '?'}:${request.socket.remotePort ?? '?'}` });
    // Recorded without credentials: events files and the inspector are not the place for passwords and tokens.
    recorder.add({ kind: 'http-request', method: request.method ?? 'GET', url: redactedUrl(url).slice(0, 2048) });
    forwardHttp({ request, response, url, hostname, port }, recorder, this.context);
  }

  private attributeTo(recorder: ConnectionRecorder, socket: Socket): void {
    const pending = this.attribution?.of(socket);
    if (pending) recorder.attribute(pending);
  }

  /** Stops listening and closes every open connection. */
  async stop(): Promise<void> {
    // The process lookups still running answer first (bounded): a short run's last clients are named.
    await this.attribution?.settled(ATTRIBUTION_STOP_WAIT_MS);
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    // Each client socket's 'close' ends its relay and finishes its record; the server's own 'close' can
    // come first (it is emitted once the sockets are destroyed, before they have closed), so both are waited for.
    const clientsClosed = Promise.all([...this.sockets].map(closeNow));
    this.server.closeAllConnections();
    await Promise.all([closed, clientsClosed]);
    // A relayed server side still closing (the client's side is gone) would finish its record after the
    // stop, and the record would be lost: closed here, and waited for.
    await Promise.all([...this.context.relayedUpstreams].map(closeNow));
    this.context.certificates.dispose();
    this.context.capture?.unfollow();
    this.attribution?.dispose();
    await new Promise<void>((resolve) => (this.keylogStream ? this.keylogStream.end(() => resolve()) : resolve()));
  }
}

function closeNow(socket: Duplex): Promise<void> {
  return new Promise((resolve) => {
    if (socket.closed) return resolve();
    socket.once('close', () => resolve());
    socket.destroy();
  });
}

function proxyUrl(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

function openKeylog(path: string): KeylogFile {
  try {
    return openKeylogFile(path);
  } catch (error) {
    throw error instanceof KeylogFileError ? new ProxyOptionError(error.message, 'EINVAL') : error;
  }
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const where = `${host}:${port}`;
      const messages: Record<string, string> = {
        EADDRINUSE: `Port ${port} on ${host} is already in use by another program. Choose another port, or 0 for any free port.`,
        EACCES: `Listening on ${where} needs privileges this process does not have. Choose a port above 1023.`,
        EADDRNOTAVAIL: `${host} is not an address of this machine, so the proxy cannot listen on ${where}.`,
      };
      reject(new ProxyStartError(messages[error.code ?? ''] ?? `Cannot listen on ${where}: ${error.message}`, error.code));
    });
    server.listen({ host, port, exclusive: true }, () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}
