/** The proxy with real sockets and real TLS clients against a local HTTPS origin; timelines asserted event by event. */
import * as assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { makeOriginCertificates } from '../../support/origin';
import { createServer as createHttpServer, request as httpRequest } from 'node:http';
import { connect as connectTcp, createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { connect, createServer as createTlsServer } from 'node:tls';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { findEvent } from '../../../src/shared/timelineEvents';
import { InterceptingProxy } from '../../../src/core/proxy/proxyServer';
import { ProxyStartError } from '../../../src/core/proxy/proxyOptions';
import { curl, runClient, waitFor } from '../../support/clients';
import { inOrder, kinds, startHarness, type Harness } from '../../support/harness';
import { HeldBackFinished, httpGet, openTunnel, tlsThroughProxy } from '../../support/proxyClient';
import { PatternCheck, patternBytes, sendPattern } from '../../support/byteStream';

describe('intercepting proxy', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.close();
  });

  it('intercepts curl over HTTP/1.1 when curl trusts the CA, with the full timeline', async () => {
    const result = await curl(h.proxyUrl, 'https://h1.example.test/hello', ['--http1.1', '--cacert', h.caFile]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'hello from origin over HTTP/1.1\n');
    const notice = await h.connection('h1.example.test');
    // One ALPN offer: the client's handshake runs alongside the server's (whose connection is made once the
    // ClientHello is read), so the server's events may come either side of the client's.
    assert.ok(
      inOrder(kinds(notice), [
        'accepted',
        'connect',
        'policy',
        'client-hello',
        'forged-certificate',
        'handshake-complete',
        'first-data',
        'first-data',
        'closed',
      ]),
      kinds(notice).join(' '),
    );
    assert.ok(inOrder(kinds(notice), ['client-hello', 'upstream-connected', 'upstream-tls', 'first-data']), kinds(notice).join(' '));
    const hello = findEvent(notice.record.events, 'client-hello')?.hello;
    assert.ok(hello);
    assert.equal(hello.sni, 'h1.example.test');
    assert.deepEqual(hello.alpn, ['http/1.1']);
    assert.ok(hello.versions.includes('TLSv1.3'));
    assert.match(hello.ja4, /^t13d\d{4}h1_[0-9a-f]{12}_[0-9a-f]{12}$/);
    assert.match(hello.ja3, /^[0-9a-f]{32}$/);
    const upstream = findEvent(notice.record.events, 'upstream-tls');
    assert.ok(upstream);
    assert.equal(upstream.alpn, 'http/1.1');
    assert.match(upstream.chain[0]?.subject ?? '', /CN=localhost/);
    assert.match(upstream.chain[0]?.pin ?? '', /^[A-Za-z0-9+/]{43}=$/);
    const forged = findEvent(notice.record.events, 'forged-certificate');
    assert.ok(forged);
    assert.equal(forged.subject, 'CN=h1.example.test');
    assert.match(forged.issuer, /Pinscope Inspection CA/);
    const complete = findEvent(notice.record.events, 'handshake-complete');
    assert.ok(complete);
    assert.equal(complete.version, 'TLSv1.3');
    assert.equal(complete.alpn, 'http/1.1');
    assert.equal(notice.verdict.category, 'ok');
    assert.equal(notice.verdict.pinning, 'unlikely');
    const closed = findEvent(notice.record.events, 'closed');
    assert.ok((closed?.bytesToClient ?? 0) > 30 && (closed?.bytesFromClient ?? 0) > 30);
    const times = notice.record.events.map((e) => e.t);
    assert.deepEqual(
      times,
      [...times].sort((a, b) => a - b),
      'times are ordered',
    );
  });

  it('negotiates HTTP/2 with curl --http2 (the protocol upstream chose)', async () => {
    const result = await curl(h.proxyUrl, 'https://h2.example.test/hello', ['--http2', '--cacert', h.caFile]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'hello from origin over HTTP/2.0\n');
    const notice = await h.connection('h2.example.test');
    assert.deepEqual(findEvent(notice.record.events, 'client-hello')?.hello.alpn, ['h2', 'http/1.1']);
    assert.equal(findEvent(notice.record.events, 'handshake-complete')?.alpn, 'h2');
    assert.equal(notice.verdict.category, 'ok');
  });

  it("resumes a sibling host's server session when its certificate covers the new name, and only then", async () => {
    // An ALPN offer no other test makes, so that the first connection finds no session at this address.
    const get = async (host: string): Promise<string> => {
      const tls = await tlsThroughProxy(h.proxyPort, host, 443, {
        servername: host,
        ALPNProtocols: ['http/1.1', 'x-sibling-test'],
        ca: readFileSync(h.caFile),
      });
      try {
        return await httpGet(tls, host, '/hello');
      } finally {
        tls.destroy();
      }
    };
    assert.match(await get('sibling-a.example.test'), /hello from origin/);
    assert.match(await get('sibling-b.example.test'), /hello from origin/);
    const upstreamOf = async (host: string): Promise<ReturnType<typeof findEvent<'upstream-tls'>>> =>
      findEvent((await h.connection(host)).record.events, 'upstream-tls');
    assert.equal((await upstreamOf('sibling-a.example.test'))?.resumed, undefined, 'the first host: a full handshake');
    assert.equal((await upstreamOf('sibling-b.example.test'))?.resumed, true, "a new host under *.example.test: sibling-a's session");
    // The same address, a name the certificate does not cover: no resumption, and the full handshake's
    // certificate check fails as it must.
    await get('deep.sibling.example.test').catch(() => undefined);
    const deep = await h.connection('deep.sibling.example.test');
    assert.equal(findEvent(deep.record.events, 'upstream-tls'), undefined);
    assert.equal(findEvent(deep.record.events, 'upstream-failed')?.stage, 'certificate');
  });

  it('counts the bytes relayed each way exactly', async () => {
    const host = 'counted.example.test';
    const tls = await tlsThroughProxy(h.proxyPort, host, 443, { ALPNProtocols: ['http/1.1'], ca: readFileSync(h.caFile) });
    const response = await httpGet(tls, host, '/hello');
    const closed = findEvent((await h.connection(host)).record.events, 'closed');
    assert.ok(closed);
    assert.equal(
      closed.bytesFromClient,
      Buffer.byteLength(`GET /hello HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`),
      'the request, as httpGet sends it',
    );
    assert.equal(closed.bytesToClient, Buffer.byteLength(response));
  });

  it('relays large downloads byte for byte, several at once, to clients that read slowly', async () => {
    // The server's bytes pass through one shared read buffer and pooled slabs (UpstreamReads): a piece
    // overwritten before it was sent, or sent twice, shows as a mismatch in the pattern.
    const ca = readFileSync(h.caFile);
    const sizes = [24 * 1024 * 1024 + 7, 8 * 1024 * 1024, 3 * 1024 * 1024 + 1];
    const results = await Promise.all(
      sizes.map(async (size, i) => {
        const host = `bulk-${i}.example.test`;
        const tls = await tlsThroughProxy(h.proxyPort, host, 443, { ALPNProtocols: ['http/1.1'], ca });
        tls.write(`GET /pattern?n=${size} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
        const check = new PatternCheck();
        let head = Buffer.alloc(0);
        let sinceBreak = 0;
        tls.on('data', (chunk: Buffer) => {
          if (head.indexOf('\r\n\r\n') < 0) {
            head = Buffer.concat([head, chunk]);
            const end = head.indexOf('\r\n\r\n');
            if (end >= 0) check.push(head.subarray(end + 4));
          } else {
            check.push(chunk);
          }
          // A slow reader now and then: the proxy's side fills and the server's reads pause and resume.
          if ((sinceBreak += chunk.length) > (i + 1) * 1024 * 1024) {
            sinceBreak = 0;
            tls.pause();
            setTimeout(() => tls.resume(), 20);
          }
        });
        await new Promise((resolve) => tls.once('end', resolve));
        return { check, head: head.subarray(0, head.indexOf('\r\n')).toString() };
      }),
    );
    for (const [i, { check, head }] of results.entries()) {
      assert.equal(head, 'HTTP/1.1 200 OK');
      assert.equal(check.mismatch, undefined, `download ${i}: first wrong byte at ${check.mismatch ?? -1}`);
      assert.equal(check.received, sizes[i]);
    }
  });

  it('gives curl a 16 MB download byte for byte over HTTP/1.1 and HTTP/2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pinscope-curl-download-'));
    const size = 16 * 1024 * 1024 + 3;
    for (const version of ['--http1.1', '--http2']) {
      const file = join(dir, `${version.slice(2)}.bin`);
      const result = await curl(h.proxyUrl, `https://curl-bulk.example.test/pattern?n=${size}`, [
        version,
        '--cacert',
        h.caFile,
        '-o',
        file,
      ]);
      assert.equal(result.code, 0, result.stderr);
      assert.ok(readFileSync(file).equals(patternBytes(0, size)), `curl ${version}: the bytes differ`);
    }
  });

  it('echoes a large upload byte for byte while relaying the echo back', async () => {
    const host = 'upload.example.test';
    const size = 8 * 1024 * 1024 + 5;
    const tls = await tlsThroughProxy(h.proxyPort, host, 443, { ALPNProtocols: ['http/1.1'], ca: readFileSync(h.caFile) });
    tls.write(`POST /echo HTTP/1.1\r\nHost: ${host}\r\nContent-Length: ${size}\r\nConnection: close\r\n\r\n`);
    sendPattern(tls, size, false);
    const check = new PatternCheck();
    let head = Buffer.alloc(0);
    let body = false;
    tls.on('data', (chunk: Buffer) => {
      if (body) return check.push(chunk);
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      body = true;
      check.push(head.subarray(end + 4));
    });
    await new Promise((resolve) => tls.once('end', resolve));
    assert.match(head.toString('latin1'), new RegExp(`^HTTP/1.1 200 OK\r\n[^]*content-length: ${size}\r\n`, 'i'));
    assert.equal(check.mismatch, undefined, `first wrong byte at ${check.mismatch ?? -1}`);
    assert.equal(check.received, size);
  });

  it("closes the server's side when a client goes away in the middle of a download", async () => {
    const own = await startHarness();
    try {
      const host = 'abandoned.example.test';
      const tls = await tlsThroughProxy(own.proxyPort, host, 443, { ALPNProtocols: ['http/1.1'], ca: readFileSync(own.caFile) });
      tls.write(`GET /pattern?n=${1024 * 1024 * 1024} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
      let received = 0;
      await new Promise<void>((resolve) =>
        tls.on('data', (chunk: Buffer) => {
          if ((received += chunk.length) > 2 * 1024 * 1024) resolve();
        }),
      );
      tls.destroy();
      const closed = findEvent((await own.connection(host)).record.events, 'closed');
      assert.ok(closed && closed.bytesToClient < 1024 * 1024 * 1024);
      // Had the server's side been left open, its 1 GB would have been read to the end.
      assert.deepEqual(await waitFor(() => own.origin.downloads[0], 5000, 'the download to end'), 'cut off');
    } finally {
      await own.close();
    }
  });

  it('passes on what a server says first over TLS, and its close, even before the client has finished its handshake', async () => {
    // The client's Finished is held back, so the server's greeting and FIN reach the proxy before the relay starts.
    const host = 'greeting.example.test';
    const tunnel = await openTunnel(h.proxyPort, host, 443);
    const tls = connect({ socket: new HeldBackFinished(tunnel, 300), servername: host, ca: readFileSync(h.caFile) });
    let text = '';
    tls.on('data', (chunk: Buffer) => {
      text += chunk.toString();
    });
    await new Promise((resolve, reject) => tls.once('end', resolve).once('error', reject));
    assert.equal(text, `220 ${host} ready\r\n`);
    const notice = await h.connection(host);
    assert.ok(inOrder(kinds(notice), ['upstream-tls', 'handshake-complete', 'first-data', 'fin', 'closed']), kinds(notice).join(' '));
    assert.equal(findEvent(notice.record.events, 'first-data')?.from, 'upstream');
    assert.equal(findEvent(notice.record.events, 'closed')?.bytesToClient, text.length);
  });

  it('holds what a server sends before the relay starts, pausing past 256 KiB, and passes all of it on', async () => {
    const host = 'big-greeting.example.test';
    const tunnel = await openTunnel(h.proxyPort, host, 443);
    const tls = connect({ socket: new HeldBackFinished(tunnel, 300), servername: host, ca: readFileSync(h.caFile) });
    const check = new PatternCheck();
    tls.on('data', (chunk: Buffer) => check.push(chunk));
    await new Promise((resolve, reject) => tls.once('end', resolve).once('error', reject));
    assert.equal(check.mismatch, undefined, `first wrong byte at ${check.mismatch ?? -1}`);
    assert.equal(check.received, 1024 * 1024);
    assert.equal(findEvent((await h.connection(host)).record.events, 'closed')?.bytesToClient, 1024 * 1024);
  });

  it('lets a client resume its session with the forged certificate on later connections', async () => {
    const host = 'resuming-client.example.test';
    let ticket: Buffer | undefined;
    const reused: boolean[] = [];
    for (let i = 0; i < 3; i++) {
      const tls = await tlsThroughProxy(h.proxyPort, host, 443, {
        ALPNProtocols: ['http/1.1'],
        ca: readFileSync(h.caFile),
        ...(ticket ? { session: ticket } : {}),
      });
      tls.on('session', (session: Buffer) => {
        ticket = session;
      });
      reused.push(tls.isSessionReused());
      assert.match(await httpGet(tls, host, '/hello'), /hello from origin/);
    }
    assert.deepEqual(reused, [false, true, true], "the first connection is served from the shared context, the next from the host's own");
    const recorded = await Promise.all(
      [0, 1, 2].map(async (i) => findEvent((await h.connection(host, i)).record.events, 'handshake-complete')?.resumed ?? false),
    );
    assert.deepEqual(recorded, [false, true, true], 'the timeline says so');
    const reusedLeaf = await Promise.all(
      [0, 1, 2].map(async (i) => findEvent((await h.connection(host, i)).record.events, 'forged-certificate')?.cached),
    );
    assert.deepEqual(
      reusedLeaf,
      [false, true, true],
      'the leaf is new to the first connection (though forged at its CONNECT), reused after',
    );
  });

  it('serves each new host its own certificate while several wait for their servers at once', async () => {
    // Two offers and no memory of the choice: every client's handshake waits for its server's, so the
    // ClientHellos all arrive before the first server answers.
    const hosts = Array.from({ length: 6 }, (_, i) => `waiting-${i}.example.test`);
    const served = await Promise.all(
      hosts.map(async (host) => {
        const tls = await tlsThroughProxy(h.proxyPort, host, 443, {
          servername: host,
          ALPNProtocols: ['http/1.1', 'x-waiting-test'],
          ca: readFileSync(h.caFile),
        });
        try {
          return tls.getPeerX509Certificate()?.subjectAltName;
        } finally {
          tls.destroy();
        }
      }),
    );
    assert.deepEqual(
      served,
      hosts.map((host) => `DNS:${host}`),
    );
  });

  it("waits for the server's ALPN choice the first time, then promises the remembered one without waiting", async () => {
    // Without process attribution: with it, the forged flight may wait (at most FLIGHT_HOLD_MS) for the
    // process lookup, during which a local origin finishes its side first; that order is not this test's point.
    const plain = await startHarness({ attributeProcesses: false });
    try {
      for (const attempt of [1, 2]) {
        const result = await curl(plain.proxyUrl, `https://alpn-memory.example.test/hello?${attempt}`, [
          '--http2',
          '--cacert',
          plain.caFile,
        ]);
        assert.equal(result.code, 0, result.stderr);
        assert.equal(result.stdout, 'hello from origin over HTTP/2.0\n');
      }
      await checkAlpnMemory(plain);
    } finally {
      await plain.close();
    }
  });

  async function checkAlpnMemory(h: Harness): Promise<void> {
    const first = await h.connection('alpn-memory.example.test', 0);
    const second = await h.connection('alpn-memory.example.test', 1);
    assert.ok(inOrder(kinds(first), ['client-hello', 'upstream-tls', 'forged-certificate', 'handshake-complete']), kinds(first).join(' '));
    assert.ok(inOrder(kinds(second), ['client-hello', 'forged-certificate', 'upstream-tls', 'first-data']), kinds(second).join(' '));
    assert.equal(findEvent(second.record.events, 'upstream-tls')?.alpn, 'h2');
    assert.equal(findEvent(second.record.events, 'handshake-complete')?.alpn, 'h2');
    assert.equal(second.verdict.category, 'ok');
  }

  it('records curl that does not trust the CA as cert-rejected with unknown_ca', async () => {
    const result = await curl(h.proxyUrl, 'https://untrusting.example.test/hello');
    assert.notEqual(result.code, 0);
    const notice = await h.connection('untrusting.example.test');
    const alert = findEvent(notice.record.events, 'client-alert');
    assert.ok(alert);
    assert.equal(alert.name, 'unknown_ca');
    assert.equal(alert.code, 48);
    assert.ok(inOrder(kinds(notice), ['client-hello', 'forged-certificate', 'client-alert', 'closed']));
    assert.equal(notice.verdict.category, 'cert-rejected');
    assert.equal(notice.verdict.alert, 'unknown_ca');
  });

  it('records curl --pinnedpubkey as closed after a completed handshake: pinning likely', async () => {
    const result = await curl(h.proxyUrl, 'https://pinned.example.test/hello', [
      '--cacert',
      h.caFile,
      '--pinnedpubkey',
      'sha256//YLh1dUR9y6Kja30RrAn7JKnbQG/uEtLMkBgFF2Fuihg=',
    ]);
    assert.equal(result.code, 90, result.stderr);
    const notice = await h.connection('pinned.example.test');
    assert.ok(inOrder(kinds(notice), ['forged-certificate', 'handshake-complete', 'close-notify', 'closed']), kinds(notice).join(' '));
    assert.ok(!notice.record.events.some((e) => e.kind === 'first-data' && e.from === 'client'));
    assert.match(notice.verdict.reason, /close_notify/);
    assert.equal(notice.verdict.category, 'closed-after-handshake');
    assert.equal(notice.verdict.pinning, 'likely');
  });

  it('records openssl s_client that verifies and rejects the forged chain', async () => {
    const result = await runClient(
      'openssl',
      [
        's_client',
        '-connect',
        'sclient.example.test:443',
        '-proxy',
        `127.0.0.1:${h.proxyPort}`,
        '-servername',
        'sclient.example.test',
        '-verify_return_error',
        '-brief',
      ],
      { input: '' },
    );
    assert.notEqual(result.code, 0);
    const notice = await h.connection('sclient.example.test');
    assert.equal(notice.verdict.category, 'cert-rejected');
    assert.match(notice.verdict.alert ?? '', /unknown_ca|unable/);
  });

  it('relays for a Node https client that trusts the CA', async () => {
    const tls = await tlsThroughProxy(h.proxyPort, 'node.example.test', 443, { ca: readFileSync(h.caFile, 'utf8') });
    const response = await httpGet(tls, 'node.example.test', '/hello');
    assert.match(response, /^HTTP\/1\.1 200/);
    assert.match(response, /hello from origin/);
    const notice = await h.connection('node.example.test');
    assert.equal(notice.verdict.category, 'ok');
  });

  it('records a Node client that pins in checkServerIdentity (TLS 1.3: FIN after our flight)', async () => {
    await assert.rejects(
      tlsThroughProxy(h.proxyPort, 'nodepin.example.test', 443, {
        ca: readFileSync(h.caFile, 'utf8'),
        checkServerIdentity: () => new Error('pin mismatch'),
      }),
      /pin mismatch/,
    );
    const notice = await h.connection('nodepin.example.test');
    assert.ok(!kinds(notice).includes('client-alert'));
    assert.equal(notice.verdict.category, 'closed-after-handshake');
    assert.notEqual(notice.verdict.pinning, 'unlikely');
  });

  it('tells a bare FIN after a TLS 1.3 handshake from a close_notify', async () => {
    const tunnel = await openTunnel(h.proxyPort, 'barefin.example.test', 443);
    await new Promise<void>((resolve, reject) => {
      const tls = connect({ socket: tunnel, servername: 'barefin.example.test', ca: readFileSync(h.caFile, 'utf8') }, () => {
        tunnel.end(); // FIN on the raw socket, no close_notify
        resolve();
      });
      tls.on('error', reject);
    });
    const notice = await h.connection('barefin.example.test');
    assert.ok(
      notice.record.events.some((e) => e.kind === 'fin' && e.from === 'client'),
      kinds(notice).join(' '),
    );
    assert.ok(!kinds(notice).includes('close-notify'));
    assert.equal(notice.verdict.category, 'closed-after-handshake');
  });

  it('carries a websocket through the interception', async () => {
    const tunnel = await openTunnel(h.proxyPort, 'ws.example.test', 443);
    const ws = new WebSocket('wss://ws.example.test/ws', {
      createConnection: () =>
        connect({ socket: tunnel, servername: 'ws.example.test', ca: readFileSync(h.caFile, 'utf8'), ALPNProtocols: ['http/1.1'] }),
    });
    const echoed = await new Promise<string>((resolve, reject) => {
      ws.once('open', () => ws.send('ping over a websocket'));
      ws.once('message', (data: Buffer) => resolve(data.toString()));
      ws.once('error', reject);
    });
    assert.equal(echoed, 'ping over a websocket');
    ws.close();
    const notice = await h.connection('ws.example.test');
    assert.equal(notice.verdict.category, 'ok');
  });

  it('forwards plain HTTP absolute-URI requests', async () => {
    const plain = createHttpServer((req, res) => res.end(`plain ${req.url ?? ''}`));
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    const port = (plain.address() as AddressInfo).port;
    const result = await curl(h.proxyUrl, `http://127.0.0.1:${port}/path?q=1`);
    assert.equal(result.stdout, 'plain /path?q=1');
    const notice = await h.connection('127.0.0.1');
    assert.equal(notice.record.mode, 'http');
    assert.equal(notice.verdict.category, 'ok');
    plain.close();
  });

  it('relays a non-TLS protocol in a CONNECT tunnel untouched and records not-tls', async () => {
    const echo = createTcpServer((socket) => socket.pipe(socket));
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    const port = (echo.address() as AddressInfo).port;
    const socket = await openTunnel(h.proxyPort, '127.0.0.1', port);
    const reply = await new Promise<string>((resolve) => {
      socket.once('data', (d: Buffer) => resolve(d.toString()));
      socket.write('PING not tls\n');
    });
    assert.equal(reply, 'PING not tls\n');
    socket.end();
    const notice = await h.connection('127.0.0.1', 1);
    assert.equal(notice.verdict.category, 'not-tls');
    assert.equal(findEvent(notice.record.events, 'not-tls')?.firstBytes, Buffer.from('PING not tls\n').toString('hex'));
    echo.close();
  });

  it('relays a non-TLS protocol raw to a host and port it intercepted TLS for before', async () => {
    // One port that speaks TLS to TLS clients and echoes anything else.
    const certs = makeOriginCertificates(['mixed.example.test']);
    const mixedCa = join(mkdtempSync(join(tmpdir(), 'pinscope-mixed-')), 'ca.pem');
    writeFileSync(mixedCa, certs.caPem);
    const tlsSide = createTlsServer({ cert: certs.leafPem, key: certs.keyPem }, (socket) =>
      socket.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok'),
    );
    const mixed = createTcpServer((socket) =>
      socket.once('data', (first: Buffer) => {
        socket.pause();
        socket.unshift(first);
        if (first[0] === 0x16) tlsSide.emit('connection', socket);
        else socket.pipe(socket).resume();
      }),
    );
    await new Promise<void>((resolve) => mixed.listen(0, '127.0.0.1', resolve));
    const mixedPort = (mixed.address() as AddressInfo).port;
    const m = await startHarness({ hostOverrides: [`mixed.example.test=127.0.0.1:${mixedPort}`], upstreamCaFiles: [mixedCa] });
    try {
      const tls = await tlsThroughProxy(m.proxyPort, 'mixed.example.test', 443, {
        ALPNProtocols: ['http/1.1'],
        ca: readFileSync(m.caFile),
      });
      assert.match(await httpGet(tls, 'mixed.example.test', '/'), /ok$/);
      const socket = await openTunnel(m.proxyPort, 'mixed.example.test', 443);
      const reply = await new Promise<string>((resolve) => {
        const timer = setTimeout(() => resolve('(no reply in 3 s)'), 3000);
        socket.once('data', (d: Buffer) => {
          clearTimeout(timer);
          resolve(d.toString());
        });
        socket.write('PING not tls\n');
      });
      assert.equal(reply, 'PING not tls\n', 'the bytes reached the server raw');
      socket.end();
      const notice = await m.connection('mixed.example.test', 1);
      assert.equal(notice.verdict.category, 'not-tls');
    } finally {
      await m.close();
      mixed.close();
    }
  });

  it('tunnels a tunnelHosts host untouched: the client sees the real certificate', async () => {
    h.session.setTunnelHosts(['tunnelled-host.example.test']);
    const result = await curl(h.proxyUrl, 'https://tunnelled-host.example.test/hello', ['--cacert', h.origin.caFile]);
    assert.equal(result.code, 0, result.stderr);
    const notice = await h.connection('tunnelled-host.example.test');
    assert.equal(notice.record.mode, 'tunnel');
    assert.ok(!kinds(notice).includes('forged-certificate'));
    assert.equal(notice.verdict.category, 'ok');
    h.session.setTunnelHosts([]);
  });

  it('records an unreachable upstream and a failed DNS lookup, and ends the client cleanly', async () => {
    const refused = await startHarness({ hostOverrides: ['refused.example.test=127.0.0.1:1'] });
    try {
      const result = await curl(refused.proxyUrl, 'https://refused.example.test/', ['--cacert', refused.caFile]);
      assert.notEqual(result.code, 0);
      const notice = await refused.connection('refused.example.test');
      assert.equal(notice.verdict.category, 'upstream-failed');
      assert.equal(findEvent(notice.record.events, 'upstream-failed')?.stage, 'connect');
      await curl(refused.proxyUrl, 'https://no-such-host.invalid/', ['--cacert', refused.caFile]);
      const dns = await refused.connection('no-such-host.invalid');
      assert.equal(findEvent(dns.record.events, 'upstream-failed')?.stage, 'dns');
    } finally {
      await refused.close();
    }
  });

  it('records an upstream whose certificate is not valid', async () => {
    const strict = await startHarness({ upstreamCaFiles: [] });
    try {
      await curl(strict.proxyUrl, 'https://badcert.example.test/', ['--cacert', strict.caFile]);
      const notice = await strict.connection('badcert.example.test');
      assert.equal(notice.verdict.category, 'upstream-failed');
      assert.equal(findEvent(notice.record.events, 'upstream-failed')?.stage, 'certificate');
    } finally {
      await strict.close();
    }
  });

  it('handles many concurrent connections', async () => {
    const ca = readFileSync(h.caFile, 'utf8');
    const responses = await Promise.all(
      Array.from({ length: 60 }, async (_, i) => {
        const tls = await tlsThroughProxy(h.proxyPort, `c${i % 7}.example.test`, 443, { ca });
        return httpGet(tls, `c${i % 7}.example.test`, '/hello');
      }),
    );
    assert.ok(responses.every((r) => r.includes('hello from origin')));
    const finished = await waitFor(() =>
      h.judged.filter((j) => /^c\d\.example\.test$/.test(j.line.host)).length === 60 ? true : undefined,
    );
    assert.equal(finished, true);
  });

  it('chains through an upstream HTTP proxy, for TLS (CONNECT) and plain HTTP (absolute URI)', async () => {
    const seen: string[] = [];
    const corporate = createHttpServer((req, res) => {
      seen.push(`${req.method ?? ''} ${req.url ?? ''}`);
      const target = new URL(req.url ?? '');
      const forward = httpRequest(
        { host: target.hostname, port: target.port, path: target.pathname, method: req.method, headers: req.headers },
        (upstream) => {
          res.writeHead(upstream.statusCode ?? 502, upstream.headers);
          upstream.pipe(res);
        },
      );
      req.pipe(forward);
    });
    corporate.on('connect', (req, socket: Socket) => {
      seen.push(`CONNECT ${req.url ?? ''}`);
      const [host, port] = (req.url ?? '').split(':');
      const upstream = connectTcp(Number(port), host, () => {
        socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        socket.pipe(upstream).pipe(socket);
      });
      upstream.on('error', () => socket.destroy());
    });
    await new Promise<void>((resolve) => corporate.listen(0, '127.0.0.1', resolve));
    const chained = await startHarness({ upstreamProxy: `http://127.0.0.1:${(corporate.address() as AddressInfo).port}` });
    const plain = createHttpServer((_req, res) => res.end('plain through the chain'));
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    try {
      const tls = await curl(chained.proxyUrl, 'https://chain.example.test/hello', ['--cacert', chained.caFile]);
      assert.equal(tls.code, 0, tls.stderr);
      assert.ok(seen.includes(`CONNECT 127.0.0.1:${chained.origin.port}`), seen.join(', '));
      const notice = await chained.connection('chain.example.test');
      assert.match(findEvent(notice.record.events, 'upstream-connected')?.address ?? '', /via 127\.0\.0\.1/);
      const http = await curl(chained.proxyUrl, `http://127.0.0.1:${(plain.address() as AddressInfo).port}/x`);
      assert.equal(http.stdout, 'plain through the chain');
      assert.ok(
        seen.some((line) => line.startsWith('GET http://127.0.0.1:')),
        seen.join(', '),
      );
    } finally {
      await chained.close();
      corporate.close();
      plain.close();
    }
  });

  it('writes an NSS key log when asked', async () => {
    const keylog = join(mkdtempSync(join(tmpdir(), 'pinscope-keylog-')), 'keys.log');
    const logged = await startHarness({ keylogFile: keylog });
    try {
      const result = await curl(logged.proxyUrl, 'https://keys.example.test/hello', ['--cacert', logged.caFile]);
      assert.equal(result.code, 0, result.stderr);
      await logged.connection('keys.example.test');
    } finally {
      await logged.close();
    }
    assert.match(readFileSync(keylog, 'utf8'), /^CLIENT_HANDSHAKE_TRAFFIC_SECRET [0-9a-f]{64} [0-9a-f]+$/m);
  });

  it('keeps the cheap live host state consistent with the full re-judgement', () => {
    const live = new Map<string, boolean>(h.session.liveHosts().map((x) => [x.host, x.breaks]));
    const full = h.session.hosts();
    assert.ok(full.length > 5);
    for (const host of full) assert.equal(live.get(host.host), host.breaks, host.host);
    assert.equal(live.get('untrusting.example.test'), true);
    assert.equal(live.get('h1.example.test'), false);
  });

  it('reports a port in use precisely', async () => {
    await assert.rejects(
      InterceptingProxy.start({ caDir: join(mkdtempSync(join(tmpdir(), 'pinscope-port-')), 'ca'), port: h.proxyPort }),
      (error: unknown) => error instanceof ProxyStartError && /Port \d+ on 127\.0\.0\.1 is already in use/.test(error.message),
    );
  });
});
