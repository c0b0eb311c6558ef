/**
 * Request slots (issue 28): a client that sends half a request and never reads gets its 408 and loses
 * its slot, so such clients cannot block every new connection.
 */
import * as assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { curl, waitFor } from '../../support/clients';
import { startHarness, type Harness } from '../../support/harness';

describe('request slots', () => {
  const SLOTS = 30;
  let harness: Harness;
  const sockets: Socket[] = [];
  before(async () => {
    harness = await startHarness({ maxOpenConnections: SLOTS, headersTimeoutMs: 500 });
  });
  after(async () => {
    for (const socket of sockets) socket.destroy();
    await harness.close();
  });

  it('frees the slot of a request that timed out, though its client never reads', async () => {
    let connected = 0;
    for (let i = 0; i < SLOTS; i++) {
      const socket = connect(harness.proxyPort, '127.0.0.1');
      socket.on('error', () => undefined);
      // Half a request, then nothing: and the client never reads what the proxy answers.
      socket.once('connect', () => {
        socket.write(`GET http://127.0.0.1:${harness.origin.port}/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: `);
        socket.pause();
        connected++;
      });
      sockets.push(socket);
    }
    await waitFor(() => (connected === SLOTS ? true : undefined), 30_000, 'every half-request socket connected');
    // Every slot is taken until the proxy frees those that timed out (the clients never close their side).
    let served: string | undefined;
    for (const deadline = Date.now() + 60_000; served === undefined && Date.now() < deadline;) {
      const result = await curl(harness.proxyUrl, `http://127.0.0.1:${harness.origin.port}/`);
      if (result.code === 0) served = result.stdout;
    }
    assert.ok(served !== undefined, 'a new connection was never served: the half-request sockets kept their slots');
  });
});
