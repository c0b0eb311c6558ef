/** A minimal HTTP/1.1-over-TLS client for the benchmark: direct or through a CONNECT proxy, keep-alive. */
import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls, type TLSSocket } from 'node:tls';

export type Route = { readonly kind: 'direct'; readonly originPort: number } | { readonly kind: 'proxy'; readonly proxyPort: number };

export async function openTls(route: Route, host: string, ca: string[]): Promise<TLSSocket> {
  if (route.kind === 'direct') {
    return new Promise((resolve, reject) => {
      const tls = connectTls({ host: '127.0.0.1', port: route.originPort, servername: host, ca, ALPNProtocols: ['http/1.1'] }, () =>
        resolve(tls),
      );
      tls.once('error', reject);
    });
  }
  const raw = await new Promise<Socket>((resolve, reject) => {
    const socket = connectTcp(route.proxyPort, '127.0.0.1', () =>
      socket.write(`CONNECT ${host}:443 HTTP/1.1\r\nHost: ${host}:443\r\n\r\n`),
    );
    let head = '';
    const onData = (chunk: Buffer): void => {
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      if (head.startsWith('HTTP/1.1 200')) resolve(socket);
      else reject(new Error(head.split('\r\n')[0]));
    };
    socket.on('data', onData);
    socket.once('error', reject);
  });
  return new Promise((resolve, reject) => {
    const tls = connectTls({ socket: raw, servername: host, ca, ALPNProtocols: ['http/1.1'] }, () => resolve(tls));
    tls.once('error', reject);
  });
}

/** Sequential keep-alive requests on one TLS socket; responses must carry Content-Length. */
export class HttpConnection {
  private buffer: Buffer = Buffer.alloc(0);
  private pending:
    | { resolve: (bytes: number) => void; reject: (error: Error) => void; headerDone: boolean; remaining: number; received: number }
    | undefined;

  constructor(
    private readonly socket: TLSSocket,
    private readonly host: string,
  ) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error: Error) => this.pending?.reject(error));
    socket.on('close', () => this.pending?.reject(new Error('connection closed')));
  }

  request(path: string, close = false): Promise<number> {
    return new Promise((resolve, reject) => {
      // A socket the server closed right after the handshake emits no more 'close' or 'error': the write
      // below would fail silently and the request would wait forever.
      if (this.socket.destroyed) return reject(new Error('connection closed before the request'));
      this.pending = { resolve, reject, headerDone: false, remaining: 0, received: 0 };
      this.socket.write(`GET ${path} HTTP/1.1\r\nHost: ${this.host}\r\n${close ? 'Connection: close\r\n' : ''}\r\n`);
    });
  }

  private onData(chunk: Buffer): void {
    const p = this.pending;
    if (!p) return;
    if (!p.headerDone) {
      this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = this.buffer.subarray(0, end).toString('latin1');
      const length = /content-length: *(\d+)/i.exec(head);
      p.headerDone = true;
      p.remaining = Number(length?.[1] ?? '0');
      chunk = this.buffer.subarray(end + 4);
      this.buffer = Buffer.alloc(0);
    }
    p.remaining -= chunk.length;
    p.received += chunk.length;
    if (p.remaining <= 0) {
      this.pending = undefined;
      p.resolve(p.received);
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

/** One new connection, one request, closed: the latency users feel for a fresh host. */
export async function oneShot(route: Route, host: string, ca: string[]): Promise<number> {
  const started = performance.now();
  const tls = await openTls(route, host, ca);
  const connection = new HttpConnection(tls, host);
  await connection.request('/small');
  connection.close();
  return performance.now() - started;
}
