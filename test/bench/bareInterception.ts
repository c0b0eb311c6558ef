/**
 * The floor for interception in Node: CONNECT, one TLS server socket serving a fixed certificate (an
 * ECDSA leaf, as Pinscope's are: bareLeaf.ts), one TLS client socket to the origin (sessions resumed),
 * connected as soon as the CONNECT arrives, piped both ways. No per-host leaves, no timeline, no
 * diagnosis: what any interceptor built on Node's TLS does and holds per connection (W1, W2, W5).
 * Run as its own process: `bareInterception ORIGIN_PORT CERT KEY ORIGIN_CA`; prints its port.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { connect, createSecureContext, rootCertificates, TLSSocket } from 'node:tls';

const [originPort, certFile, keyFile, originCaFile] = process.argv.slice(2);
if (!originPort || !certFile || !keyFile || !originCaFile) throw new Error('usage: bareInterception ORIGIN_PORT CERT KEY ORIGIN_CA');
const served = createSecureContext({ cert: readFileSync(certFile), key: readFileSync(keyFile) });
const upstreamContext = createSecureContext({ ca: [...rootCertificates, readFileSync(originCaFile, 'utf8')] });
let session: Buffer | undefined;

const server = createServer();
server.on('connect', (request: { url?: string }, client: Socket) => {
  const host = (request.url ?? '').split(':')[0] ?? '';
  client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
  const toClient = new TLSSocket(client, { isServer: true, secureContext: served, ALPNProtocols: ['http/1.1'] });
  const toOrigin = connect({
    host: '127.0.0.1',
    port: Number(originPort),
    servername: host,
    secureContext: upstreamContext,
    ALPNProtocols: ['http/1.1'],
    ...(session ? { session } : {}),
  });
  // tls.connect does not pass `noDelay` on: without it, a small write can wait for a delayed ACK (~40 ms).
  toOrigin.setNoDelay(true);
  toOrigin.on('session', (ticket: Buffer) => {
    session = ticket;
  });
  toClient.pipe(toOrigin);
  toOrigin.pipe(toClient);
  toClient.on('error', () => toOrigin.destroy());
  toOrigin.on('error', () => toClient.destroy());
});
server.maxConnections = 10_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`${(server.address() as AddressInfo).port}\n`));
// A normal exit on SIGTERM, so that `--cpu-prof` writes its profile.
process.once('SIGTERM', () => process.exit(0));
