/** An upstream HTTP proxy (the corporate one the real servers are reached through): its URL, credentials and CONNECT. */
import { connect as connectTcp, type Socket } from 'node:net';
import { parkErrors } from '../errors';
import { networkFailure, UpstreamFailure } from './upstreamFailures';

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

export function connectThroughProxy(
  proxy: URL,
  host: string,
  port: number,
  timeoutMs: number,
): Promise<{ socket: Socket; address: string }> {
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
