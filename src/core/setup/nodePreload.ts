/**
 * The Node preload of a routed environment (NODE_OPTIONS=--require, bundled on its own into
 * dist/pinscope-node-preload.js). Node before 22.21/24.5 ignores HTTP(S)_PROXY: this routes the classic
 * `http`/`https` agents (every Agent, the global ones included) through a CONNECT tunnel, and sets
 * fetch's global dispatcher to undici's EnvHttpProxyAgent — whichever of the two the running version
 * does not do itself. NO_PROXY is honoured. The CA comes from NODE_EXTRA_CA_CERTS.
 *
 * It runs inside the user's program: it never throws, never writes output, and does nothing unless
 * PINSCOPE_PROXY is set.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import type { EnvHttpProxyAgent } from 'undici';
import { bypassesProxy, parseNoProxy } from './noProxy';
import { nativeEnvProxy } from './nodeEnvProxy';
import { NODE_UNDICI_FILE } from './nodePreloadFiles';

type ConnectionCallback = (error: Error | null, socket?: Socket) => void;
type CreateConnection = (this: http.Agent, options: Record<string, unknown>, callback?: ConnectionCallback) => Socket | undefined;

const TUNNEL_TIMEOUT_MS = 30_000;
const MAX_RESPONSE_HEAD = 16 * 1024;
/** Where undici (bundled in Node and the npm package alike) looks for the global dispatcher. */
const GLOBAL_DISPATCHER = Symbol.for('undici.globalDispatcher.1');

try {
  install();
} catch {
  // Never break the user's program: an unrouted request shows up as missing in Pinscope instead.
}

function install(): void {
  if (!process.env['PINSCOPE_PROXY']) return;
  const native = process.env['NODE_USE_ENV_PROXY'] === '1' ? nativeEnvProxy(process.version) : { fetch: false, agents: false };
  if (!native.agents) routeAgents();
  if (!native.fetch) routeFetch();
}

function proxyFor(secure: boolean): URL | undefined {
  const env = process.env;
  const raw = secure ? (env['https_proxy'] ?? env['HTTPS_PROXY']) : (env['http_proxy'] ?? env['HTTP_PROXY']);
  if (!raw) return undefined;
  try {
    const url = new URL(raw);
    return url.protocol === 'http:' ? url : undefined;
  } catch {
    return undefined;
  }
}

function routeAgents(): void {
  const noProxy = parseNoProxy(process.env['no_proxy'] ?? process.env['NO_PROXY']);
  const patch = (prototype: { createConnection: CreateConnection }, secure: boolean): void => {
    const original = prototype.createConnection;
    prototype.createConnection = function (this: http.Agent, options, callback) {
      const proxy = proxyFor(secure);
      const host = typeof options['host'] === 'string' ? options['host'] : 'localhost';
      const port = Number(options['port'] ?? (secure ? 443 : 80));
      if (!proxy || typeof callback !== 'function' || options['socketPath'] || bypassesProxy(noProxy, host, port))
        return original.call(this, options, callback);
      openTunnel(proxy, host, port, (error, socket) => {
        if (error || !socket) {
          callback(error ?? new Error('the proxy tunnel failed'));
          return;
        }
        if (!secure) {
          callback(null, socket);
          return;
        }
        try {
          callback(null, original.call(this, { ...options, socket }));
        } catch (tlsError) {
          socket.destroy();
          callback(tlsError instanceof Error ? tlsError : new Error(String(tlsError)));
        }
      });
      return undefined;
    };
  };
  patch(http.Agent.prototype as unknown as { createConnection: CreateConnection }, false);
  patch(https.Agent.prototype as unknown as { createConnection: CreateConnection }, true);
}

/** CONNECT host:port through the proxy; the callback gets the raw socket once the proxy answered 2xx. */
function openTunnel(proxy: URL, host: string, port: number, done: ConnectionCallback): void {
  const authority = host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`;
  const socket = connect(Number(proxy.port) || 80, proxy.hostname);
  let head = Buffer.alloc(0);
  let settled = false;
  const finish = (error: Error | null): void => {
    if (settled) return;
    settled = true;
    socket.off('data', onData);
    socket.off('error', finish);
    socket.setTimeout(0);
    if (error) {
      socket.destroy();
      done(error);
    } else {
      done(null, socket);
    }
  };
  const onData = (chunk: Buffer): void => {
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n');
    if (end < 0) {
      if (head.length > MAX_RESPONSE_HEAD) finish(new Error('the proxy sent an oversized response to CONNECT'));
      return;
    }
    const status = /^HTTP\/1\.[01] (\d{3})/.exec(head.subarray(0, end).toString('latin1'));
    if (!status?.[1] || !status[1].startsWith('2')) {
      finish(new Error(`the proxy refused CONNECT ${authority}: ${head.subarray(0, head.indexOf('\r\n')).toString('latin1')}`));
      return;
    }
    const rest = head.subarray(end + 4);
    if (rest.length > 0) socket.unshift(rest);
    finish(null);
  };
  const authorization = proxy.username
    ? `Proxy-Authorization: Basic ${Buffer.from(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`).toString('base64')}\r\n`
    : '';
  socket.once('connect', () => socket.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n${authorization}\r\n`));
  socket.on('data', onData);
  socket.on('error', finish);
  socket.setTimeout(TUNNEL_TIMEOUT_MS, () =>
    finish(new Error(`the proxy did not answer CONNECT ${authority} within ${TUNNEL_TIMEOUT_MS} ms`)),
  );
}

interface Dispatcher {
  dispatch(options: unknown, handler: unknown): boolean;
  close(): Promise<void>;
  destroy(): Promise<void>;
}

/**
 * fetch's dispatcher, created on first use: loading undici costs startup time that programs which never
 * call fetch should not pay. Set before Node's internal undici installs its own default Agent.
 */
function routeFetch(): void {
  const holder = globalThis as unknown as Record<symbol, unknown>;
  if (holder[GLOBAL_DISPATCHER] !== undefined) return;
  let agent: Dispatcher | undefined;
  const real = (): Dispatcher => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a separate bundle beside this one, loaded on first fetch only (see above)
    const undici = require(join(__dirname, NODE_UNDICI_FILE)) as { EnvHttpProxyAgent: typeof EnvHttpProxyAgent };
    agent ??= quietly(() => new undici.EnvHttpProxyAgent() as unknown as Dispatcher);
    return agent;
  };
  const lazy: Dispatcher = {
    dispatch: (options, handler) => real().dispatch(options, handler),
    close: () => agent?.close() ?? Promise.resolve(),
    destroy: () => agent?.destroy() ?? Promise.resolve(),
  };
  Object.defineProperty(globalThis, GLOBAL_DISPATCHER, { value: lazy, writable: true, enumerable: false, configurable: false });
}

/**
 * undici warns that EnvHttpProxyAgent is experimental (UNDICI-EHPA) when the first one is made: printed
 * by the user's program, red in a Debug Console, pointing at a Pinscope file. Warnings of that code are
 * dropped while ours is made; every other warning goes through.
 */
function quietly<T>(make: () => T): T {
  // eslint-disable-next-line @typescript-eslint/unbound-method -- put back as it was, called with its own `this`
  const emitWarning = process.emitWarning;
  const dropped = (options: unknown, code: unknown): boolean =>
    code === 'UNDICI-EHPA' || (typeof options === 'object' && options !== null && 'code' in options && options.code === 'UNDICI-EHPA');
  process.emitWarning = function (this: NodeJS.Process, ...args: unknown[]) {
    if (dropped(args[1], args[2])) return;
    Reflect.apply(emitWarning, this, args);
  };
  try {
    return make();
  } finally {
    process.emitWarning = emitWarning;
  }
}
