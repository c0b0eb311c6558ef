/**
 * The proxy's resources (issue 23): plain HTTP leaves no origin socket open, per-host state is bounded.
 */
import * as assert from 'node:assert/strict';
import { createServer as createHttpServer, type IncomingHttpHeaders } from 'node:http';
import { connect as connectTcp, type AddressInfo, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { ConnectionRecord } from '../../../src/core/timeline';
import { Diagnosis } from '../../../src/core/diagnosis/diagnosis';
import type { Verdict } from '../../../src/core/diagnosis/pinning';
import { waitFor } from '../../support/clients';
import { startHarness, type Harness } from '../../support/harness';
import { JA4_APP, transcripts } from '../../support/transcripts';

const listenTcp = async (server: Server): Promise<number> => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
};

describe('the resources of the proxy', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ handshakeTimeoutMs: 2000, maxConnectionsKept: 30 });
  });
  after(async () => {
    await h.close();
  });

  it('forwards plain HTTP without hop-by-hop headers and leaves no origin socket open', async () => {
    const open = new Set<Socket>();
    let lastHeaders: IncomingHttpHeaders = {};
    const origin = createHttpServer({ keepAliveTimeout: 60_000 }, (request, response) => {
      lastHeaders = request.headers;
      response.writeHead(200, { 'content-type': 'text/plain', 'content-length': '3' });
      response.end('ok\n');
    });
    origin.on('connection', (socket: Socket) => {
      open.add(socket);
      socket.once('close', () => open.delete(socket));
    });
    const port = await listenTcp(origin);
    try {
      const get = (): Promise<string> =>
        new Promise((resolve) => {
          const socket = connectTcp(h.proxyPort, '127.0.0.1', () =>
            socket.write(
              `GET http://127.0.0.1:${port}/p HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: keep-alive, x-hop\r\nKeep-Alive: timeout=300\r\nX-Hop: secret\r\nTE: trailers\r\nX-End: kept\r\n\r\n`,
            ),
          );
          let reply = '';
          socket.on('data', (chunk: Buffer) => {
            reply += chunk.toString('latin1');
            if (reply.endsWith('ok\n')) {
              socket.destroy();
              resolve(reply);
            }
          });
          socket.on('error', () => resolve(reply));
        });
      for (let i = 0; i < 40; i++) assert.match(await get(), /^HTTP\/1\.1 200/);
      assert.equal(lastHeaders['x-end'], 'kept');
      for (const hop of ['keep-alive', 'x-hop', 'te', 'proxy-connection'])
        assert.equal(lastHeaders[hop], undefined, `${hop} is hop-by-hop`);
      await waitFor(() => (open.size <= 1 ? true : undefined), 5000, `origin sockets to close (${open.size} open)`);
    } finally {
      for (const socket of open) socket.destroy();
      origin.close();
    }
  });

  it("bounds per-host state (live hosts, peer context, confirmation entries) by the store's capacity", () => {
    // The diagnosis is fed recorded connections directly (the session gives it the store's capacity).
    const capacity = h.session.maxConnectionsKept;
    const diagnosis = new Diagnosis({ enabled: true, failuresBeforeTunnel: 5, expiryMs: 60_000 }, () => capacity);
    const feed = (finished: ConnectionRecord): Verdict => diagnosis.finished(finished, () => true);
    for (let i = 0; i < 300; i++) feed(transcripts.ok(`ok${i}.flood.test`, JA4_APP));
    for (let i = 0; i < 300; i++) feed(transcripts.alert(`broken${i}.flood.test`, 'bad_certificate', 'JA4_BROKEN_ONLY'));
    const pinned = feed(transcripts.alert('pinned.flood.test', 'bad_certificate', JA4_APP));
    const more = /accepted forged certificates from the same CA for [^ ]+, [^ ]+, [^ ]+ and (\d+) more/.exec(pinned.evidence.join(' '));
    assert.ok(more?.[1], pinned.evidence.join(' '));
    assert.ok(Number(more[1]) + 3 <= capacity, `the peer context holds ${Number(more[1]) + 3} hosts for one client, capacity ${capacity}`);
    assert.ok(diagnosis.liveHosts().length <= capacity, `${diagnosis.liveHosts().length} live host states`);
    assert.ok(diagnosis.confirmations().length <= capacity, `${diagnosis.confirmations().length} confirmation entries`);
  });
});
