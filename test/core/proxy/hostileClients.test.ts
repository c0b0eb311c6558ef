/**
 * Hostile and broken clients on the proxy port: bad requests, fuzzed ClientHellos, stalls, resets,
 * faults, load and soak. Counts are bounded for CI; PINSCOPE_SOAK=10000 runs the full soak.
 */
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { connect as connectTcp, createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { connect as connectTls, createSecureContext, TLSSocket } from 'node:tls';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeOriginCertificates } from '../../support/origin';
import { Readable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { after, before, describe, it } from 'node:test';
import { readClientHello } from '../../../src/core/proxy/protocol/clientHello';
import { findEvent } from '../../../src/shared/timelineEvents';
import { curl, waitFor } from '../../support/clients';
import { startHarness, type Harness } from '../../support/harness';
import { openTunnel } from '../../support/proxyClient';
import { captureClientHello, mutate } from '../../support/clientHellos';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const SOAK = Number(process.env['PINSCOPE_SOAK'] ?? '1000');

/** Sends raw bytes to the proxy port and returns what came back before it closed (or 3 s passed). */
function rawExchange(port: number, data: Buffer | string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connectTcp(port, '127.0.0.1', () => socket.write(data));
    let reply = '';
    socket.on('data', (c: Buffer) => {
      reply += c.toString('latin1');
    });
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(reply));
    setTimeout(() => {
      socket.destroy();
    }, 3000);
  });
}

function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}

describe('hostile clients and load', () => {
  let h: Harness;
  let realHello: Buffer;
  before(async () => {
    // Without process attribution: these clients run inside the proxy's own process, which attribution
    // searches last (after every other process's descriptors) and which holds thousands of sockets, so
    // each of these floods' lookups is the worst case. Attribution's own bounds are tested in test/core/process.
    h = await startHarness({
      handshakeTimeoutMs: 700,
      headersTimeoutMs: 1000,
      firstBytesTimeoutMs: 500,
      maxConnectionsKept: 20_000,
      attributeProcesses: false,
    });
    realHello = await captureClientHello();
  });
  after(async () => {
    await h.close();
  });

  const stillWorks = async (): Promise<void> => {
    const result = await curl(h.proxyUrl, 'https://alive.example.test/hello', ['--cacert', h.caFile]);
    assert.equal(result.code, 0, `the proxy still serves others: ${result.stderr}`);
  };

  it('answers garbage, malformed and oversized requests with precise HTTP errors', async () => {
    assert.match(
      await rawExchange(h.proxyPort, Buffer.from([0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5, 0x0d, 0x0a, 0x0d, 0x0a])),
      /^HTTP\/1\.1 400 Bad Request/,
    );
    assert.match(await rawExchange(h.proxyPort, 'GARBAGE GARBAGE\r\n\r\n'), /^HTTP\/1\.1 400/);
    assert.match(await rawExchange(h.proxyPort, `GET http://x.test/ HTTP/1.1\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`), /^HTTP\/1\.1 431/);
    assert.match(await rawExchange(h.proxyPort, 'GET /relative HTTP/1.1\r\nHost: x\r\n\r\n'), /^HTTP\/1\.1 400[\s\S]*absolute-URI/);
    assert.match(
      await rawExchange(h.proxyPort, 'CONNECT <script>:443 HTTP/1.1\r\n\r\n'),
      /^HTTP\/1\.1 400[\s\S]*(not a valid hostname|not host:port|HPE_INVALID_URL)/,
    );
    assert.match(
      await rawExchange(h.proxyPort, 'CONNECT example.test:99999 HTTP/1.1\r\n\r\n'),
      /^HTTP\/1\.1 400[\s\S]*(out of range|not host:port)/,
    );
    await stillWorks();
  });

  it('survives a fuzz of mutated real ClientHellos: every connection recorded, no crash, no hang', async () => {
    const count = 2000;
    const before = h.session.records().filter((r) => r.finished).length;
    const fdsBefore = openFds();
    for (let batch = 0; batch < count; batch += 50) {
      await Promise.all(
        Array.from({ length: 50 }, async (_, i) => {
          const socket = await openTunnel(h.proxyPort, `fuzz${(batch + i) % 10}.example.test`, 443);
          socket.on('error', () => undefined);
          socket.write(mutate(realHello, batch + i));
          await new Promise((resolve) => setTimeout(resolve, 20));
          socket.destroy();
        }),
      );
    }
    await waitFor(
      () => (h.session.records().filter((r) => r.finished).length - before >= count ? true : undefined),
      20_000,
      `${count} fuzzed connections to finish`,
    );
    // A record is finished at the client's FIN or reset; its socket's 'close' may come a moment later.
    await waitFor(() => (h.proxy.openConnections === 0 ? true : undefined), 3000, 'no socket left open');
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.ok(
      openFds() <= fdsBefore + 20,
      `file descriptors after the fuzz: ${fdsBefore} → ${openFds()} (upstream sockets must close too)`,
    );
    await stillWorks();
  });

  it('reads a ClientHello that waited unread while the proxy was busy past its first-bytes wait, as TLS', async () => {
    const host = 'busy-loop.example.test';
    const socket = await openTunnel(h.proxyPort, host, 443);
    socket.on('error', () => undefined);
    // The proxy answered 200 and now waits for the first bytes (500 ms here): give it a turn to start its timer.
    await new Promise((resolve) => setTimeout(resolve, 50));
    socket.write(realHello);
    // The proxy runs in this process: keep its event loop busy past the wait, the hello unread in its socket.
    const until = performance.now() + 1500;
    while (performance.now() < until);
    const notice = await h.connection(host);
    socket.destroy();
    assert.ok(findEvent(notice.record.events, 'client-hello'), notice.record.events.map((e) => e.kind).join(' '));
    assert.equal(findEvent(notice.record.events, 'not-tls'), undefined, 'the hello was there: not "sent nothing"');
  });

  it('parses truncated and mutated ClientHellos without throwing synchronously or hanging', async () => {
    for (let seed = 0; seed < 3000; seed++) {
      const stream = Readable.from([mutate(realHello, seed)]);
      const outcome = await Promise.race([
        readClientHello(stream).then(
          () => 'parsed',
          () => 'rejected',
        ),
        new Promise((resolve) => setTimeout(() => resolve('hang'), 200)),
      ]);
      assert.notEqual(outcome, 'hang', `seed ${seed}`);
    }
  });

  it('uses only a well-formed SNI: control characters and markup are recorded, never trusted', async () => {
    const hostile = Buffer.from(realHello.toString('latin1').replace('fuzz.example.test', 'fuzz<img\u0001.exam.te'), 'latin1');
    const socket = await openTunnel(h.proxyPort, 'sni.example.test', 443);
    socket.on('error', () => undefined);
    socket.write(hostile);
    const record = await waitFor(() => h.session.records().find((r) => r.finished && r.host === 'sni.example.test'), 5000);
    socket.destroy();
    const hello = findEvent(record.events, 'client-hello');
    assert.ok(hello);
    assert.equal(hello.hello.sni, 'fuzz<img\u0001.exam.te');
    assert.ok(record.events.some((e) => e.kind === 'error' && /SNI is not a valid host name/.test(e.reason)));
    const forged = findEvent(record.events, 'forged-certificate');
    assert.ok(forged);
    assert.equal(forged.subject, 'CN=sni.example.test', 'the certificate names the CONNECT host, not the hostile SNI');
  });

  it('bounds clients that stall before CONNECT (slowloris) and after it, and keeps serving', async () => {
    const stalled: Socket[] = [];
    for (let i = 0; i < 30; i++) {
      const s = connectTcp(h.proxyPort, '127.0.0.1', () => s.write('CONNECT slow.example.test:443 HTTP/1.1\r\nX-Slow: '));
      s.on('error', () => undefined);
      s.resume();
      stalled.push(s);
    }
    const silent = await Promise.all(Array.from({ length: 30 }, () => openTunnel(h.proxyPort, 'silent.example.test', 443)));
    for (const s of silent) {
      s.on('error', () => undefined);
      s.write(realHello.subarray(0, 10));
    }
    await stillWorks();
    await waitFor(
      () => (stalled.every((s) => s.destroyed || s.readableEnded) ? true : undefined),
      8000,
      'the header timeout to close stalled clients',
    );
    const timedOut = await waitFor(
      () => {
        const records = h.session.records().filter((r) => r.finished && r.host === 'silent.example.test');
        return records.length >= 30 ? records : undefined;
      },
      5000,
      'the handshake timeout',
    );
    assert.ok(timedOut.every((r) => r.events.some((e) => e.kind === 'timeout')));
    for (const s of [...stalled, ...silent]) s.destroy();
  });

  it('records half-open clients and bursts of resets', async () => {
    const half = await openTunnel(h.proxyPort, 'half.example.test', 443);
    half.on('error', () => undefined);
    half.end(realHello.subarray(0, 40));
    const resets = await Promise.all(Array.from({ length: 100 }, () => openTunnel(h.proxyPort, 'burst.example.test', 443)));
    for (const s of resets) {
      s.on('error', () => undefined);
      s.write(realHello);
      s.resetAndDestroy();
    }
    await waitFor(() => h.session.records().find((r) => r.finished && r.host === 'half.example.test'), 5000, 'the half-open client');
    await waitFor(
      () => (h.session.records().filter((r) => r.finished && r.host === 'burst.example.test').length === 100 ? true : undefined),
      10_000,
      'all resets recorded',
    );
    await stillWorks();
  });

  it('survives a client that resets while the server handshake is running, and one whose server resets before the relay', async () => {
    // A server that accepts TCP and never answers TLS: the client's handshake waits for it (two ALPN offers).
    const silent = createTcpServer((socket) => socket.on('error', () => undefined));
    // A server that answers TLS, then resets the connection before any request.
    const certs = makeOriginCertificates(['resetting.example.test']);
    const caFile = join(mkdtempSync(join(tmpdir(), 'pinscope-resetting-')), 'ca.pem');
    writeFileSync(caFile, certs.caPem);
    const resettingContext = createSecureContext({ key: certs.keyPem, cert: certs.leafPem });
    const resetting = createTcpServer((raw) => {
      const tls = new TLSSocket(raw, { isServer: true, secureContext: resettingContext, ALPNProtocols: ['http/1.1'] });
      tls.on('error', () => undefined);
      tls.once('secure', () => setTimeout(() => raw.resetAndDestroy(), 50));
    });
    for (const server of [silent, resetting]) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const m = await startHarness({
      handshakeTimeoutMs: 1000,
      upstreamCaFiles: [caFile],
      hostOverrides: [
        `silent.example.test=127.0.0.1:${(silent.address() as AddressInfo).port}`,
        `resetting.example.test=127.0.0.1:${(resetting.address() as AddressInfo).port}`,
      ],
    });
    try {
      const waiting = await openTunnel(m.proxyPort, 'silent.example.test', 443);
      waiting.on('error', () => undefined);
      waiting.write(realHello);
      await new Promise((resolve) => setTimeout(resolve, 300));
      waiting.resetAndDestroy();
      // Not reading while it waits, the proxy learns of the reset only from the bounded handshake timeout,
      // and the stall is the silent server's (issue 23): upstream-failed, not a client timeout.
      const lost = await m.connection('silent.example.test');
      assert.ok(
        lost.record.events.some((e) => e.kind === 'upstream-failed' && e.stage === 'timeout'),
        lost.record.events.map((e) => e.kind).join(' '),
      );
      // The client finishes its handshake slowly (it is paused), so the server's reset comes first.
      const raw = await openTunnel(m.proxyPort, 'resetting.example.test', 443);
      const client = connectTls({
        socket: raw,
        servername: 'resetting.example.test',
        ALPNProtocols: ['http/1.1'],
        ca: readFileSync(m.caFile),
      });
      client.on('error', () => undefined);
      await new Promise((resolve) => client.once('close', resolve));
      const cut = await m.connection('resetting.example.test');
      assert.ok(cut.record.finished);
      // Either would have been an uncaught exception in this process; the proxy still answers CONNECT.
      (await openTunnel(m.proxyPort, 'alive.example.test', 443)).destroy();
    } finally {
      await m.close();
      silent.close();
      resetting.close();
    }
  });

  it('records an upstream that closes mid-stream', async () => {
    const abrupt = createTcpServer((socket) =>
      socket.once('data', () => {
        socket.write('partial');
        socket.destroy();
      }),
    );
    await new Promise<void>((resolve) => abrupt.listen(0, '127.0.0.1', resolve));
    const tunnel = await openTunnel(h.proxyPort, '127.0.0.1', (abrupt.address() as AddressInfo).port);
    tunnel.write('hello\n');
    await new Promise((resolve) => tunnel.once('close', resolve));
    const record = await waitFor(() => h.session.records().find((r) => r.finished && r.port === (abrupt.address() as AddressInfo).port));
    assert.ok(record.events.some((e) => (e.kind === 'fin' || e.kind === 'rst') && e.from === 'upstream'));
    abrupt.close();
  });

  it(`soak: ${SOAK} sequential and 500 concurrent connections leave no file descriptors or memory behind`, async () => {
    const ca = h.caFile;
    await stillWorks();
    gc();
    const fdsBefore = openFds();
    const heapBefore = process.memoryUsage().heapUsed;
    const caPem = readFileSync(ca, 'utf8');
    const once = async (host: string): Promise<void> => {
      const socket = await openTunnel(h.proxyPort, host, 443);
      await new Promise<void>((resolve, reject) => {
        const tls = connectTls({ socket, servername: host, ca: caPem }, () => {
          tls.end();
        });
        tls.on('close', () => resolve());
        tls.on('error', reject);
      });
    };
    for (let i = 0; i < SOAK; i++) await once(`soak${i % 20}.example.test`);
    await Promise.all(Array.from({ length: 500 }, (_, i) => once(`conc${i % 20}.example.test`)));
    await waitFor(() => (h.proxy.openConnections === 0 ? true : undefined), 10_000, 'all connections closed');
    await new Promise((resolve) => setTimeout(resolve, 200));
    gc();
    const fdsAfter = openFds();
    const heapAfter = process.memoryUsage().heapUsed;
    const storeGrowth = (SOAK + 500) * 4 * 1024; // the kept timelines themselves, ~4 KB each at most
    console.log(
      `soak: fds ${fdsBefore} → ${fdsAfter}, heap ${(heapBefore / 2 ** 20).toFixed(1)} → ${(heapAfter / 2 ** 20).toFixed(1)} MiB`,
    );
    assert.ok(fdsAfter <= fdsBefore + 5, `file descriptors: ${fdsBefore} → ${fdsAfter}`);
    assert.ok(heapAfter - heapBefore < storeGrowth + 30 * 2 ** 20, `heap grew by ${((heapAfter - heapBefore) / 2 ** 20).toFixed(1)} MiB`);
  });

  it('keeps the event store within its bound and says how much it dropped', async () => {
    const small = await startHarness({ maxConnectionsKept: 50 });
    try {
      for (let i = 0; i < 120; i++) await curl(small.proxyUrl, 'https://bound.example.test/hello', ['--cacert', small.caFile]);
      await waitFor(() => (small.judged.length === 120 ? true : undefined), 10_000);
      assert.ok(small.session.connectionsKept <= 50);
      assert.equal(small.session.connectionsDropped, 70);
    } finally {
      await small.close();
    }
  });

  it('listens on loopback by default', () => {
    assert.equal(h.proxy.host, '127.0.0.1');
    assert.match(h.proxyUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
  });
});
