/** Real ClientHellos, captured as they arrive at a TCP server, and seeded mutations of them. */
import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { connect as connectTls, type ConnectionOptions } from 'node:tls';

/** The first bytes a client sends to a TCP port: `start(port)` starts the client; it is stopped afterwards. */
function captureFirstBytes(start: (port: number) => () => void): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let stop = (): void => undefined;
    const timer = setTimeout(() => {
      stop();
      server.close();
      reject(new Error('no ClientHello within 5 s'));
    }, 5000);
    const server = createServer((socket) =>
      socket.once('data', (chunk: Buffer) => {
        clearTimeout(timer);
        resolve(chunk);
        socket.destroy();
        server.close();
        stop();
      }),
    );
    server.listen(0, '127.0.0.1', () => {
      stop = start((server.address() as AddressInfo).port);
    });
  });
}

/** A ClientHello as Node's TLS client sends it. */
export function captureClientHello(
  options: ConnectionOptions = { servername: 'fuzz.example.test', ALPNProtocols: ['h2', 'http/1.1'] },
): Promise<Buffer> {
  return captureFirstBytes((port) => {
    const tls = connectTls({ port, host: '127.0.0.1', ...options });
    tls.on('error', () => undefined);
    return () => tls.destroy();
  });
}

/** A ClientHello as an external client sends it: `args(port)` is its command line. */
export function captureCommandHello(command: string, args: (port: number) => string[]): Promise<Buffer> {
  return captureFirstBytes((port) => {
    const child = spawn(command, args(port), { stdio: 'ignore' });
    child.on('error', () => undefined);
    return () => child.kill();
  });
}

/** A seeded mutation of a ClientHello: truncated, bytes flipped, lengths rewritten, or garbage appended. */
export function mutate(hello: Buffer, seed: number): Buffer {
  let state = (seed * 2654435761) >>> 0;
  const random = (n: number): number => {
    state = (state * 1103515245 + 12345) >>> 0;
    return state % n;
  };
  const copy = Buffer.from(hello);
  switch (seed % 5) {
    case 0:
      return copy.subarray(0, random(copy.length));
    case 1:
      for (let i = 0; i < 1 + random(8); i++) copy[random(copy.length)] = random(256);
      return copy;
    case 2:
      copy.writeUInt16BE(random(65536), 3);
      return copy;
    case 3: {
      const at = 5 + random(copy.length - 5);
      copy.writeUInt16BE(random(65536), Math.min(at, copy.length - 2));
      return copy;
    }
    default:
      return Buffer.concat([copy.subarray(0, random(copy.length)), Buffer.alloc(random(2000), random(256))]);
  }
}
