/**
 * The intercepting proxy: an HTTP proxy on loopback that answers CONNECT (intercepting or tunnelling
 * TLS) and forwards absolute-URI plain-HTTP requests. With listening.ts, the only code that listens on a socket.
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
import { HostPolicy } from './hostPolicy';
import { AlpnMemory } from './protocol/alpnPlan';
import { handleTunnel, type InterceptionContext } from './interception';
import { parseConnectTarget, parseProxyPort } from './protocol/proxyTargets';
import { ChainSummaries } from './chainSummaries';
import { parseUpstreamProxy } from './upstreamProxy';
import { buildUpstreamSecureContext, readUpstreamCas, UpstreamCaError } from './upstreamTrust';
import { forwardHttp, redactedUrl } from './httpForwarding';
import { answerAndClose } from './clientAnswers';
import { closeNow, listen, openKeylog, proxyUrl } from './listening';
import { PROXY_DEFAULTS, ProxyOptionError, ProxyStartError, type ProxyOptions } from './proxyOptions';
import { captureStore } from './legCapture';
import type { SkippedCapture } from './capturePolicy';
import type { CapturedConnection } from '../report/capturedTraffic';
import { isLoopbackListen, targetGuard } from './localTargets';
import { TlsSessions } from './tlsSessions';
import { ClientCertificateError, ClientCertificates } from './clientCertificates';
import { writeTrustBundle } from '../setup/trustBundle';
import { ConnectionAttribution } from '../process/connectionClients';
import { randomBytes } from 'node:crypto';
import { errorMessage, parkErrors } from '../errors';
import { hostName } from '../hostNames';

/** How long a stopping proxy waits for the process lookups still running. */
const ATTRIBUTION_STOP_WAIT_MS = 5_000;

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
    const host = options.host ?? PROXY_DEFAULTS.host;
    const port = options.port ?? PROXY_DEFAULTS.port;
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
        connectTimeoutMs: options.connectTimeoutMs ?? PROXY_DEFAULTS.connectTimeoutMs,
        sessions: new TlsSessions(),
        chains: new ChainSummaries(),
        guard,
        clientCertificates,
      },
      handshakeTimeoutMs: options.handshakeTimeoutMs ?? PROXY_DEFAULTS.handshakeTimeoutMs,
      firstBytesTimeoutMs: options.firstBytesTimeoutMs ?? PROXY_DEFAULTS.firstBytesTimeoutMs,
      idleTimeoutMs: options.idleTimeoutMs ?? PROXY_DEFAULTS.idleTimeoutMs,
      keylog: keylogStream ? (line: Buffer) => void keylogStream.write(line) : undefined,
      capture: captureStore(options.captureBytes),
      relayedUpstreams: new Set<Duplex>(),
    };
    const headersTimeout = options.headersTimeoutMs ?? PROXY_DEFAULTS.headersTimeoutMs;
    const server = createServer({
      requestTimeout: Math.max(headersTimeout, 30_000),
      headersTimeout,
      maxHeaderSize: 16_384,
      connectionsCheckingInterval: Math.min(1000, headersTimeout),
    });
    server.maxConnections = options.maxOpenConnections ?? PROXY_DEFAULTS.maxOpenConnections;
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
