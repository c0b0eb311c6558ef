/**
 * The forged flight does not wait for the path to the real server: through an upstream proxy (as for a
 * connection whose bytes are captured) the TCP path is opened first, and the client's handshake runs
 * while it opens, as it does over a connection of Pinscope's own.
 */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { connect as connectTcp, type AddressInfo, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { findEvent } from '../../../src/shared/timelineEvents';
import { inOrder, kinds, startHarness } from '../../support/harness';
import { httpGet, tlsThroughProxy } from '../../support/proxyClient';

/** Long enough for any busy machine to finish a TLS handshake; only the code that waits for the upstream proxy ever reaches it. */
const RELEASE_ANYWAY_MS = 20_000;

/** An upstream proxy that holds every CONNECT until released, then tunnels it. */
function holdingUpstreamProxy(): { listen: () => Promise<number>; release: () => void; answered: () => number; close: () => void } {
  const waiting: (() => void)[] = [];
  let released = false;
  let answered = 0;
  const server = createHttpServer();
  server.on('connect', (req, socket: Socket) => {
    const open = (): void => {
      const [host, port] = (req.url ?? '').split(':');
      const upstream = connectTcp(Number(port), host, () => {
        answered++;
        socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        socket.pipe(upstream).pipe(socket);
      });
      upstream.on('error', () => socket.destroy());
      socket.on('error', () => upstream.destroy());
    };
    if (released) open();
    else waiting.push(open);
  });
  return {
    listen: () => new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port))),
    release: () => {
      released = true;
      for (const open of waiting.splice(0)) open();
    },
    answered: () => answered,
    close: () => server.close(),
  };
}

describe('the server side’s path', () => {
  it('does not hold back the forged certificate while the upstream proxy has not answered', async () => {
    const corporate = holdingUpstreamProxy();
    const harness = await startHarness({ upstreamProxy: `http://127.0.0.1:${await corporate.listen()}` });
    const fallback = setTimeout(() => corporate.release(), RELEASE_ANYWAY_MS);
    try {
      // No ALPN offered: the client's answer does not depend on the server's, so its handshake need not wait.
      const tls = await tlsThroughProxy(harness.proxyPort, 'held.example.test', 443, { ca: readFileSync(harness.caFile, 'utf8') });
      assert.equal(corporate.answered(), 0, 'the client finished its handshake only once the upstream proxy had answered');
      assert.match(tls.getPeerX509Certificate()?.issuer ?? '', /Pinscope/);
      corporate.release();
      const response = await httpGet(tls, 'held.example.test', '/hello');
      assert.match(response, /hello from origin/);
      const notice = await harness.connection('held.example.test');
      assert.equal(notice.verdict.category, 'ok');
      assert.match(findEvent(notice.record.events, 'upstream-connected')?.address ?? '', /via 127\.0\.0\.1/);
    } finally {
      clearTimeout(fallback);
      corporate.release();
      await harness.close();
      corporate.close();
    }
  });

  it('records an upstream proxy that refuses as the server side failing, after the forged certificate was sent', async () => {
    const refusing = createHttpServer();
    refusing.on('connect', (_req, socket: Socket) => socket.end('HTTP/1.1 403 Forbidden\r\n\r\n'));
    await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve));
    const harness = await startHarness({ upstreamProxy: `http://127.0.0.1:${(refusing.address() as AddressInfo).port}` });
    try {
      await tlsThroughProxy(harness.proxyPort, 'refused.example.test', 443, { ca: readFileSync(harness.caFile, 'utf8') }).then(
        (tls) => new Promise((resolve) => tls.once('close', resolve).resume()),
        () => undefined,
      );
      const notice = await harness.connection('refused.example.test');
      assert.equal(notice.verdict.category, 'upstream-failed', JSON.stringify(notice.verdict));
      assert.match(findEvent(notice.record.events, 'upstream-failed')?.reason ?? '', /403/);
      assert.ok(inOrder(kinds(notice), ['client-hello', 'forged-certificate', 'upstream-failed']), kinds(notice).join(' '));
    } finally {
      await harness.close();
      refusing.close();
    }
  });
});
