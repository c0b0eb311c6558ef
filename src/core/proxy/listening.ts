/** The proxy's listening socket and the sockets it ends: listening with a precise error, closing, its URL, the key log. */
import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { KeylogFileError, openKeylogFile, type KeylogFile } from './keylogFile';
import { ProxyOptionError, ProxyStartError } from './proxyOptions';

/** Destroys `socket` and resolves once it has closed (at once if it already has). */
export function closeNow(socket: Duplex): Promise<void> {
  return new Promise((resolve) => {
    if (socket.closed) return resolve();
    socket.once('close', () => resolve());
    socket.destroy();
  });
}

/** The URL clients are given for the proxy (an IPv6 host in brackets). */
export function proxyUrl(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** Opens the key log file (`--key-log-file`, `pinscope.keyLogFile`); a path it refuses is the caller's mistake (a ProxyOptionError). */
export function openKeylog(path: string): KeylogFile {
  try {
    return openKeylogFile(path);
  } catch (error) {
    throw error instanceof KeylogFileError ? new ProxyOptionError(error.message, 'EINVAL') : error;
  }
}

/** Listens on host:port and resolves the bound port; a failure is a ProxyStartError that says what to do. */
export function listen(server: Server, host: string, port: number): Promise<number> {
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
