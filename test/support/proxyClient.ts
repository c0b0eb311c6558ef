/** A Node client that opens a CONNECT tunnel through the proxy, then speaks TLS (or anything) over it. */
import { connect as connectTcp, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { connect as connectTls, type ConnectionOptions, type TLSSocket } from 'node:tls';

/** `allowHalfOpen`: the socket stays open when the far side ends (it is ended by the caller). */
export function openTunnel(proxyPort: number, host: string, port: number, allowHalfOpen = false): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connectTcp({ port: proxyPort, host: '127.0.0.1', allowHalfOpen }, () =>
      socket.write(`CONNECT ${host}:${port} HTTP/1.1\r\nHost: ${host}:${port}\r\n\r\n`),
    );
    let head = '';
    const onData = (chunk: Buffer): void => {
      head += chunk.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      if (!head.startsWith('HTTP/1.1 200')) {
        socket.destroy();
        reject(new Error(`CONNECT refused: ${head.split('\r\n')[0] ?? ''}`));
        return;
      }
      resolve(socket);
    };
    socket.on('data', onData);
    socket.once('error', reject);
  });
}

/** TLS through the proxy; resolves with the socket once secure, rejects with the client's TLS error. */
export async function tlsThroughProxy(proxyPort: number, host: string, port: number, options: ConnectionOptions): Promise<TLSSocket> {
  const socket = await openTunnel(proxyPort, host, port);
  return new Promise((resolve, reject) => {
    const tls = connectTls({ socket, servername: host, ...options }, () => resolve(tls));
    tls.once('error', reject);
  });
}

/** One HTTP/1.1 GET over an established TLS socket; returns the whole response text. */
export function httpGet(tls: TLSSocket, host: string, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    tls.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    tls.once('end', () => resolve(body));
    tls.once('error', reject);
    tls.write(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
  });
}

/**
 * A TLS client's transport that sends its first write (the ClientHello) at once and holds back the rest
 * (its Finished, then anything else) for `delayMs`: the proxy sees the server's side finish first.
 */
export class HeldBackFinished extends Duplex {
  private writes = 0;

  constructor(
    private readonly socket: Socket,
    private readonly delayMs: number,
  ) {
    super();
    socket.on('data', (chunk: Buffer) => {
      this.push(chunk);
    });
    socket.once('end', () => this.push(null));
    socket.once('error', (error) => this.destroy(error));
  }

  override _read(): void {
    // Pushed as the socket delivers.
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.writes++ === 0) this.socket.write(chunk, callback);
    else setTimeout(() => this.socket.write(chunk, callback), this.delayMs);
  }

  override _final(callback: () => void): void {
    setTimeout(() => this.socket.end(callback), this.delayMs);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.socket.destroy();
    callback(error);
  }
}
