/**
 * A client that says nothing for the first-bytes wait is relayed as a server-speaks-first protocol; what
 * it sends while the server's connection is being made must reach the server. Under load (W5: 500
 * clients at once, their ClientHellos read late) such bytes were dropped: the socket was left flowing
 * with no reader until the relay started, and the client waited forever for an answer.
 */
import * as assert from 'node:assert/strict';
import { connect as connectTcp, createServer, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startHarness, type Harness } from '../../support/harness';
import { listenOnLoopback } from '../../support/loopback';
import { openTunnel } from '../../support/proxyClient';

describe('bytes sent after the first-bytes wait, while the server is being connected', () => {
  const echo = createServer((socket) => socket.pipe(socket));
  /** An upstream proxy that answers CONNECT only when released: the server's connection stays pending. */
  const connects: { socket: Socket; release: () => void }[] = [];
  let onConnect: () => void = () => undefined;
  const slowProxy = createServer((socket) => {
    socket.once('data', (request: Buffer) => {
      const [host, port] = (/^CONNECT (\S+) /.exec(request.toString('latin1'))?.[1] ?? ':').split(':');
      connects.push({
        socket,
        release: () => {
          const upstream = connectTcp(Number(port), host ?? '127.0.0.1', () => {
            socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
            socket.pipe(upstream).pipe(socket);
          });
          upstream.on('error', () => socket.destroy());
        },
      });
      onConnect();
    });
  });
  let h: Harness;
  before(async () => {
    const echoPort = await listenOnLoopback(echo);
    const proxyPort = await listenOnLoopback(slowProxy);
    h = await startHarness({
      firstBytesTimeoutMs: 200,
      attributeProcesses: false,
      hostOverrides: [`echo.test=127.0.0.1:${echoPort}`],
      upstreamProxy: `http://127.0.0.1:${proxyPort}`,
    });
  });
  after(async () => {
    for (const { socket } of connects) socket.destroy();
    echo.close();
    slowProxy.close();
    await h.close();
  });

  it('relays them to the server once it is connected', async () => {
    const asked = new Promise<void>((resolve) => {
      onConnect = resolve;
    });
    const client = await openTunnel(h.proxyPort, 'echo.test', 7);
    // The upstream proxy is asked only after the first-bytes wait: the relay's server side is pending now.
    await asked;
    // Bounded only so that the failure reads as one (lost bytes are never answered): 10 s, far beyond need.
    const echoed = new Promise<string>((resolve) => {
      let text = '';
      const timer = setTimeout(() => resolve(text), 10_000);
      client.on('data', (chunk: Buffer) => {
        text += chunk.toString('latin1');
        if (text.includes('\n')) {
          clearTimeout(timer);
          resolve(text);
        }
      });
    });
    await new Promise<void>((resolve) => client.write('late words\n', () => resolve()));
    // Let the proxy read them (a later poll of its loop) before its server side exists.
    await new Promise((resolve) => setTimeout(resolve, 200));
    connects[0]?.release();
    assert.equal(await echoed, 'late words\n', 'the bytes sent while the server was being connected reached it');
    client.destroy();
    const notice = await h.connection('echo.test');
    assert.ok(notice.record.events.some((e) => e.kind === 'not-tls'));
  });
});
