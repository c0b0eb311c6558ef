/** The benchmark's HTTPS origin, run as its own process: `/small` (64 bytes) and `/bytes?n=N`. */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';

const [certFile, keyFile] = process.argv.slice(2);
if (!certFile || !keyFile) throw new Error('usage: benchOrigin CERT KEY');
const small = Buffer.alloc(64, 0x61);
const chunk = Buffer.alloc(256 * 1024, 0x62);
const server = createServer({ cert: readFileSync(certFile), key: readFileSync(keyFile), keepAliveTimeout: 30_000 }, (request, response) => {
  const url = new URL(request.url ?? '/', 'https://origin');
  if (url.pathname === '/bytes') {
    const total = Math.min(Number(url.searchParams.get('n') ?? '0'), 1024 ** 3);
    response.writeHead(200, { 'content-length': String(total), 'content-type': 'application/octet-stream' });
    let sent = 0;
    const pump = (): void => {
      while (sent < total) {
        const piece = chunk.subarray(0, Math.min(chunk.length, total - sent));
        sent += piece.length;
        if (!response.write(piece)) return void response.once('drain', pump);
      }
      response.end();
    };
    pump();
    return;
  }
  response.writeHead(200, { 'content-length': String(small.length), 'content-type': 'text/plain' });
  response.end(small);
});
server.maxConnections = 10_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`${(server.address() as AddressInfo).port}\n`));
