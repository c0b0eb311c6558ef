/**
 * A server that stalls its handshake (issue 23) is upstream-failed, never a pin, and the client is not blamed.
 */
import * as assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { createServer as createTcpServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Session, type Listening } from '../../../src/core/session';
import { curl, waitFor } from '../../support/clients';

const tempDir = (): string => mkdtempSync(join(tmpdir(), 'pinscope-hardening2-'));
const listenTcp = async (server: Server): Promise<number> => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
};

describe('a server that stalls its handshake', () => {
  let stall: Server;
  let midHello: Server;
  const session = new Session();
  let proxy: Listening;
  const held: Socket[] = [];
  before(async () => {
    stall = createTcpServer((socket) => {
      held.push(socket);
      socket.on('error', () => undefined);
    });
    // Reads the ClientHello, then sends the first bytes of a ServerHello and stops.
    midHello = createTcpServer((socket) => {
      held.push(socket);
      socket.on('error', () => undefined);
      socket.once('data', () => socket.write(Buffer.from([0x16, 0x03, 0x03, 0x00, 0x7a, 0x02, 0x00, 0x00])));
    });
    const [stallPort, midPort] = [await listenTcp(stall), await listenTcp(midHello)];
    proxy = await session.start({
      caDir: join(tempDir(), 'ca'),
      handshakeTimeoutMs: 1000,
      hostOverrides: [`stall.ok.test=127.0.0.1:${stallPort}`, `midhello.ok.test=127.0.0.1:${midPort}`],
    });
  });
  after(async () => {
    for (const socket of held) socket.destroy();
    await session.stop();
    stall.close();
    midHello.close();
  });

  for (const host of ['stall.ok.test', 'midhello.ok.test']) {
    it(`calls a server that stalls its handshake (${host}) upstream-failed, with no pinning judgement`, async () => {
      const judged = waitFor(() => session.records().find((r) => r.finished && r.host === host), 10_000, host);
      await curl(proxy.url, `https://${host}/`, ['--http1.1', '--cacert', proxy.ca.certPath]);
      const finished = await judged;
      const verdict = await waitFor(() => session.verdictOf(finished.id), 2000);
      assert.equal(verdict.category, 'upstream-failed', verdict.reason);
      assert.equal(verdict.pinning, 'unlikely');
      assert.match(verdict.reason, /timeout: the server did not finish its TLS handshake within 1000 ms/);
      assert.ok(!finished.events.some((e) => e.kind === 'timeout'), 'the client is not blamed');
      assert.ok(!session.hosts().some((h) => h.breaks), 'not counted as breakage');
    });
  }
});
