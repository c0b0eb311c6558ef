/** The benchmark's HTTPS origin, run as its own process: `/small` (64 bytes) and `/bytes?n=N`. */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { sendFiller } from '../support/byteStream';

const [certFile, keyFile] = process.argv.slice(2);
if (!certFile || !keyFile) throw new Error('usage: benchOrigin CERT KEY');
const small = Buffer.alloc(64, 0x61);
const chunk = Buffer.alloc(256 * 1024, 0x62);
const server = createServer({ cert: readFileSync(certFile), key: readFileSync(keyFile), keepAliveTimeout: 30_000 }, (request, response) => {
  const url = new URL(request.url ?? '/', 'https://origin');
  if (url.pathname === '/bytes') {
    const total = Math.min(Number(url.searchParams.get('n') ?? '0'), 1024 ** 3);
    response.writeHead(200, { 'content-length': String(total), 'content-type': 'application/octet-stream' });
    sendFiller(response, total, chunk);
    return;
  }
  response.writeHead(200, { 'content-length': String(small.length), 'content-type': 'text/plain' });
  response.end(small);
});
server.maxConnections = 10_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`${(server.address() as AddressInfo).port}\n`));
