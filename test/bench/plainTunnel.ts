/** The floor for any proxy: a plain CONNECT relay with no interception, run as its own process. */
import { createServer } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';

const target = process.argv[2];
if (!target) throw new Error('usage: plainTunnel ORIGIN_PORT');
const server = createServer();
server.on('connect', (_request, client: Socket, head: Buffer) => {
  const upstream = connect(Number(target), '127.0.0.1', () => {
    client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length > 0) upstream.write(head);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  upstream.on('error', () => client.destroy());
  client.on('error', () => upstream.destroy());
});
server.maxConnections = 10_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`${(server.address() as AddressInfo).port}\n`));
