/**
 * Plain-HTTP forwarding (absolute-URI requests): one request per upstream connection, which headers stay
 * on one hop (RFC 9110 §7.6.1), and URLs with their secrets removed.
 */
import {
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
} from 'node:http';
import type { ConnectionRecorder } from '../connectionStore';
import { errorMessage } from '../errors';
import { connectUpstream, refusedLiteral, type UpstreamConfig } from './upstream';
import { proxyAuthorization } from './upstreamProxy';

const HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
];

/** The headers without hop-by-hop ones: the fixed list and every header the Connection header names. */
function endToEndHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const named = (headers.connection ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '');
  const drop = new Set([...HOP_BY_HOP, ...named]);
  return Object.fromEntries(Object.entries(headers).filter(([name, value]) => value !== undefined && !drop.has(name.toLowerCase())));
}

/** Query parameters whose values are credentials, by name (case-insensitive, `_`/`-` ignored). */
const SECRET_PARAMETER =
  /^(?:access|refresh|id|auth|api|session|bearer)?(?:token|key|secret|password|passwd|pwd|pass|auth|authorization|signature|sig|code|credentials?|apikey|sessionid|sid)$/;

/** The URL as recorded (events file, inspector): user:password and credential-like query values become REDACTED. */
export function redactedUrl(url: URL): string {
  const copy = new URL(url.href);
  if (copy.username) copy.username = 'REDACTED';
  if (copy.password) copy.password = 'REDACTED';
  for (const name of [...new Set(copy.searchParams.keys())]) {
    if (SECRET_PARAMETER.test(name.toLowerCase().replace(/[-_]/g, ''))) copy.searchParams.set(name, 'REDACTED');
  }
  return copy.href;
}

/** A plain-HTTP request to forward, its target already parsed (and its record opened). */
export interface PlainRequest {
  readonly request: IncomingMessage;
  readonly response: ServerResponse;
  readonly url: URL;
  readonly hostname: string;
  readonly port: number;
}

/**
 * Forwards one request: through the upstream proxy in absolute form when there is one, otherwise straight
 * to the origin; the exchange lands on the connection's timeline.
 */
export function forwardHttp(
  { request, response, url, hostname, port }: PlainRequest,
  recorder: ConnectionRecorder,
  settings: { readonly upstream: UpstreamConfig; readonly idleTimeoutMs: number },
): void {
  let fromClient = 0;
  let toClient = 0;
  request.on('data', (chunk: Buffer) => {
    fromClient += chunk.length;
  });
  const finish = (): void => recorder.finish(fromClient, toClient);
  response.once('close', finish);
  // Through an upstream proxy, plain HTTP is forwarded to it in absolute form; otherwise straight to the origin.
  const upstreamProxy = settings.upstream.proxy;
  const refused = refusedLiteral(hostname, port, settings.upstream);
  const target = refused
    ? Promise.reject(refused)
    : upstreamProxy
      ? connectUpstream(upstreamProxy.hostname, Number(upstreamProxy.port), {
          ...settings.upstream,
          overrides: [],
          proxy: null,
          guard: undefined,
        })
      : connectUpstream(hostname, port, settings.upstream);
  target.then(
    ({ socket, address }) => {
      recorder.add({ kind: 'upstream-connected', address: upstreamProxy ? `${address} (upstream proxy)` : address });
      // One request per upstream connection: hop-by-hop headers stay on their hop, the origin is asked
      // to close, and the socket is closed once the exchange ends or goes idle (never left to the origin).
      const headers = { ...endToEndHeaders(request.headers), connection: 'close' };
      const credentials = upstreamProxy ? proxyAuthorization(upstreamProxy) : undefined;
      if (credentials) headers['proxy-authorization'] = credentials;
      socket.setTimeout(settings.idleTimeoutMs, () => socket.destroy());
      response.once('close', () => socket.destroy());
      const path = upstreamProxy ? url.href : `${url.pathname}${url.search}`;
      const upstreamRequest = httpRequest({ createConnection: () => socket, method: request.method, path, headers });
      upstreamRequest.on('response', (upstreamResponse) => {
        recorder.add({ kind: 'first-data', from: 'upstream', bytes: 0 });
        response.writeHead(upstreamResponse.statusCode ?? 502, endToEndHeaders(upstreamResponse.headers));
        upstreamResponse.on('data', (chunk: Buffer) => {
          toClient += chunk.length;
        });
        upstreamResponse.once('end', () => socket.destroySoon());
        upstreamResponse.pipe(response);
      });
      upstreamRequest.on('error', (error) => {
        recorder.add({ kind: 'upstream-failed', stage: 'closed', reason: error.message });
        if (!response.headersSent) response.writeHead(502, { 'content-type': 'text/plain' });
        response.end(`Pinscope: upstream error: ${error.message}\n`);
      });
      request.pipe(upstreamRequest);
    },
    (error: unknown) => {
      recorder.add({ kind: 'upstream-failed', stage: 'connect', reason: errorMessage(error) });
      response.writeHead(502, { 'content-type': 'text/plain', connection: 'close' });
      response.end(`Pinscope: cannot reach ${url.host}: ${errorMessage(error)}\n`);
    },
  );
}
