/**
 * A TLS listener on 127.0.0.1 that asks a process attributor about every connection the moment it is
 * accepted (as the proxy will), with a self-signed certificate no client trusts unless told to.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server, type Socket } from 'node:net';
import { createSecureContext, TLSSocket } from 'node:tls';
import type { Attribution, ProcessAttributor } from '../../src/core/process/processIdentity';

export interface TestCertificate {
  readonly certPath: string;
  readonly cert: string;
  readonly key: string;
}

/** A P-256 self-signed certificate for localhost, made by the openssl command. */
export function makeCertificate(): Promise<TestCertificate> {
  const dir = mkdtempSync(join(tmpdir(), 'pinscope-attr-'));
  const certPath = join(dir, 'cert.pem');
  const keyPath = join(dir, 'key.pem');
  return new Promise((resolve, reject) => {
    execFile(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost',
        '-days',
        '2',
        '-keyout',
        keyPath,
        '-out',
        certPath,
      ],
      (error) => {
        if (error) return reject(new Error(`openssl failed: ${error.message}`));
        resolve({ certPath, cert: readFileSync(certPath, 'utf8'), key: readFileSync(keyPath, 'utf8') });
      },
    );
  });
}

export interface AttributionServer {
  readonly port: number;
  /** Attributions by client port, looked up at accept. */
  readonly attributions: Map<number, Promise<Attribution>>;
  /** Resolves with the attribution of the next `count` connections (in accept order). */
  next(count?: number): Promise<Attribution[]>;
  close(): Promise<void>;
}

/**
 * Like the proxy, the listener answers a ClientHello only after `answerDelayMs` (the proxy connects to the
 * real server first) and once the connection is attributed (the attributor's deadline bounds that): a
 * client that does not trust the certificate fails and exits right after the answer, so it is still
 * there while it is looked up, however loaded the machine. A wrong attribution still fails the tests.
 */
export async function startAttributionServer(
  attributor: ProcessAttributor,
  certificate: TestCertificate,
  answerDelayMs = 100,
): Promise<AttributionServer> {
  const attributions = new Map<number, Promise<Attribution>>();
  const accepted: Promise<Attribution>[] = [];
  const waiters: (() => void)[] = [];
  const open = new Set<Socket>();
  const secureContext = createSecureContext({ cert: certificate.cert, key: certificate.key });
  const server: Server = createServer((socket: Socket) => {
    socket.on('error', () => undefined);
    open.add(socket);
    socket.once('close', () => open.delete(socket));
    const attribution = attributor.attribute({
      remoteAddress: socket.remoteAddress ?? '',
      remotePort: socket.remotePort ?? 0,
      localAddress: socket.localAddress ?? '',
      localPort: socket.localPort ?? 0,
    });
    attributions.set(socket.remotePort ?? 0, attribution);
    accepted.push(attribution);
    for (const wake of waiters.splice(0)) wake();
    const delay = new Promise<void>((resolve) => setTimeout(resolve, answerDelayMs).unref());
    void Promise.all([attribution, delay]).then(() => {
      if (socket.destroyed) return;
      const tls = new TLSSocket(socket, { isServer: true, secureContext });
      tls.on('error', () => socket.destroy());
      tls.once('secure', () => tls.end('hello\n'));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  let taken = 0;
  return {
    port,
    attributions,
    async next(count = 1) {
      while (accepted.length < taken + count) await new Promise<void>((resolve) => waiters.push(resolve));
      const batch = accepted.slice(taken, taken + count);
      taken += count;
      return Promise.all(batch);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
