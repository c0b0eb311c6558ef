/** A local HTTPS origin on 127.0.0.1 with its own test CA, standing in for "the real server". */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createSecureServer, type Http2SecureServer, type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';
import type { IncomingMessage } from 'node:http';
import { createServer as createTlsServer } from 'node:tls';
import type { Duplex } from 'node:stream';
import { join } from 'node:path';
import forge from 'node-forge';
import { WebSocketServer } from 'ws';
import { buildSignedCertificate, keyIdentifier, octetString } from '../../src/core/pki/x509';
import { patternBytes, sendFiller, sendPattern } from './byteStream';
import { listenOnLoopback } from './loopback';
import { temporaryDirectory } from './temporaryDirectories';

export interface Origin {
  readonly port: number;
  /** A TLS server that speaks first: a greeting line (1 MiB of patternBytes for `big-*` names), then it closes (like SMTPS or IMAPS). */
  readonly greetingPort: number;
  /** How each `/pattern` download ended: sent in full, or cut off by the connection closing. */
  readonly downloads: ('finished' | 'cut off')[];
  readonly caFile: string;
  readonly caPem: string;
  readonly leafPem: string;
  readonly dir: string;
  close(): Promise<void>;
}

function forgeKey(publicKey: KeyObject): forge.pki.PublicKey {
  return forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString());
}

/** Makes a CA and a server certificate for `localhost`, `*.example.test`, `example.test` and 127.0.0.1. */
export function makeOriginCertificates(names: readonly string[] = ['localhost', 'example.test', '*.example.test']): {
  caPem: string;
  leafPem: string;
  keyPem: string;
} {
  const caKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const caName = [{ name: 'commonName', value: 'Pinscope Test Origin CA' }];
  const now = Date.now();
  const caPublic = forgeKey(caKeys.publicKey);
  const ca = buildSignedCertificate(
    {
      subject: caName,
      issuer: caName,
      publicKey: caPublic,
      notBefore: new Date(now - 86_400_000),
      notAfter: new Date(now + 86_400_000 * 30),
      extensions: [
        { name: 'basicConstraints', cA: true, critical: true },
        { name: 'keyUsage', keyCertSign: true, critical: true },
        { name: 'subjectKeyIdentifier', value: octetString(keyIdentifier(caPublic)) },
      ],
    },
    caKeys.privateKey,
  );
  const leafKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const leaf = buildSignedCertificate(
    {
      subject: [{ name: 'commonName', value: names[0] ?? 'localhost' }],
      issuer: caName,
      publicKey: forgeKey(leafKeys.publicKey),
      notBefore: new Date(now - 86_400_000),
      notAfter: new Date(now + 86_400_000 * 30),
      extensions: [
        { name: 'basicConstraints', cA: false },
        { name: 'extKeyUsage', serverAuth: true },
        { name: 'subjectAltName', altNames: [...names.map((value) => ({ type: 2, value })), { type: 7, ip: '127.0.0.1' }] },
      ],
    },
    caKeys.privateKey,
  );
  return {
    caPem: forge.pki.certificateToPem(ca),
    leafPem: forge.pki.certificateToPem(leaf),
    keyPem: leafKeys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

/**
 * Serves `/hello` (text), `/bytes?n=N` (N bytes), `/pattern?n=N` (N checkable bytes, see patternBytes),
 * `/echo` (request body back), and websockets on `/ws` (echo), over HTTP/1.1 and HTTP/2; and a greeting
 * over TLS on a port of its own.
 */
export async function startOrigin(): Promise<Origin> {
  const { caPem, leafPem, keyPem } = makeOriginCertificates();
  const dir = temporaryDirectory('origin');
  const caFile = join(dir, 'origin-ca.pem');
  writeFileSync(caFile, caPem);
  const downloads: ('finished' | 'cut off')[] = [];
  const server: Http2SecureServer = createSecureServer({ key: keyPem, cert: leafPem, allowHTTP1: true }, (request, response) =>
    handle(request, response, downloads),
  );
  const sockets = new WebSocketServer({ noServer: true });
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) =>
    sockets.handleUpgrade(request, socket, head, (ws) => ws.on('message', (data, binary) => ws.send(data, { binary }))),
  );
  const open = new Set<Duplex>();
  server.on('connection', (socket: Duplex) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
  });
  const port = await listenOnLoopback(server);
  // A name starting with `big-` is greeted with 1 MiB of patternBytes instead of a line.
  const greeter = createTlsServer({ key: keyPem, cert: leafPem }, (socket) =>
    socket.end(
      (socket.servername || '').startsWith('big-') ? patternBytes(0, 1024 * 1024) : `220 ${socket.servername || 'origin'} ready\r\n`,
    ),
  );
  const greetingPort = await listenOnLoopback(greeter);
  return {
    port,
    caFile,
    caPem,
    leafPem,
    dir,
    greetingPort,
    downloads,
    close: () =>
      new Promise<void>((resolve) => {
        sockets.close();
        greeter.close();
        server.close(() => resolve());
        for (const client of sockets.clients) client.terminate();
        // A client's keep-alive connection would hold close() forever: after a grace period, say how
        // many were still open (visible in the test's output) and cut them.
        setTimeout(() => {
          if (open.size === 0) return;
          process.stderr.write(`origin: ${open.size} connection(s) still open 2 s after close(), destroyed\n`);
          for (const socket of open) socket.destroy();
        }, 2000).unref();
      }),
  };
}

function handle(request: Http2ServerRequest, response: Http2ServerResponse, downloads: ('finished' | 'cut off')[]): void {
  const url = new URL(request.url, 'https://origin');
  if (url.pathname === '/hello') {
    response.writeHead(200, { 'content-type': 'text/plain', 'x-http-version': request.httpVersion });
    response.end(`hello from origin over HTTP/${request.httpVersion}\n`);
  } else if (url.pathname === '/bytes') {
    const total = Math.min(Number(url.searchParams.get('n') ?? '0'), 1024 * 1024 * 1024);
    response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(total) });
    sendFiller(response, total, Buffer.alloc(64 * 1024, 0x61));
  } else if (url.pathname === '/pattern') {
    const total = Math.min(Number(url.searchParams.get('n') ?? '0'), 1024 * 1024 * 1024);
    response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(total) });
    response.once('close', () => downloads.push(response.writableFinished ? 'finished' : 'cut off'));
    sendPattern(response, total);
  } else if (url.pathname === '/echo') {
    const length = request.headers['content-length'];
    response.writeHead(200, { 'content-type': 'application/octet-stream', ...(length ? { 'content-length': length } : {}) });
    request.pipe(response);
  } else {
    response.writeHead(404);
    response.end('not found\n');
  }
}
