/**
 * Every accepted connection gets exactly one finished record, whoever leaves first and whenever: real
 * sockets, a client that sends its ClientHello and then a FIN or a RST at each stage of the interception
 * (the server's TCP connection pending, its TLS handshake pending, the forged flight sent), and a server
 * that closes before the client does (the client's FIN or RST must still be read, see relay.ts).
 */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import type { JudgedNotice } from '../../../src/core/session';
import { waitFor } from '../../support/clients';
import { captureClientHello } from '../../support/clientHellos';
import { startHarness, type Harness } from '../../support/harness';
import { listenOnLoopback } from '../../support/loopback';
import { openTunnel } from '../../support/proxyClient';
import { Duplex } from 'node:stream';

type Ending = 'fin' | 'rst';

function leave(socket: Socket, how: Ending): void {
  if (how === 'fin') socket.end();
  else socket.resetAndDestroy();
}

/**
 * A client's transport that never ends by itself: the TLS client over it is half-open (it inherits
 * `allowHalfOpen`), so it can still write after the proxy's close, and it leaves when the test says so
 * (as a process that exits without closing its TLS).
 */
class Transport extends Duplex {
  constructor(private readonly socket: Socket) {
    super({ allowHalfOpen: true });
    socket.allowHalfOpen = true;
    socket.on('data', (chunk: Buffer) => {
      this.push(chunk);
    });
    socket.once('end', () => this.push(null));
    socket.once('error', (error) => this.destroy(error));
  }

  override _read(): void {
    // Pushed as the socket delivers.
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.socket.write(chunk, callback);
  }
}

/** A TCP server that accepts and never says anything (a server whose TLS, or an upstream proxy whose CONNECT, never answers). */
async function silentServer(): Promise<{ port: number; server: Server; held: Socket[] }> {
  const held: Socket[] = [];
  const server = createServer((socket) => {
    socket.on('error', () => undefined);
    held.push(socket);
  });
  return { port: await listenOnLoopback(server), server, held };
}

/** The one finished record of `host`, with one `closed` event. */
async function onlyRecord(harness: Harness, host: string): Promise<JudgedNotice> {
  const notice = await harness.connection(host);
  const records = harness.judged.filter((j) => j.line.host === host);
  assert.equal(records.length, 1, `${host}: ${records.length} records`);
  assert.equal(notice.record.events.filter((e) => e.kind === 'closed').length, 1);
  return notice;
}

describe('every connection is recorded once, whoever leaves first', () => {
  let harness: Harness;
  let silent: Awaited<ReturnType<typeof silentServer>>;
  let caPem: string;
  before(async () => {
    silent = await silentServer();
    harness = await startHarness({ handshakeTimeoutMs: 2000, attributeProcesses: false });
    caPem = readFileSync(harness.caFile, 'utf8');
  });
  after(async () => {
    for (const socket of silent.held) socket.destroy();
    silent.server.close();
    await harness.close();
  });

  for (const how of ['fin', 'rst'] as const) {
    it(`the server closes first, the client sends its ${how} later: its ending is read and the record finishes`, async () => {
      // The origin answers and closes (Connection: close); the proxy passes its close on to the client,
      // which leaves later, without a close_notify.
      const host = `ending-${how}.example.test`;
      const raw = await openTunnel(harness.proxyPort, host, 443);
      raw.on('error', () => undefined);
      const transport = new Transport(raw);
      const tls = connectTls({ socket: transport, ca: caPem, servername: host, ALPNProtocols: ['http/1.1'] });
      tls.on('error', () => undefined);
      await new Promise<void>((resolve) => tls.once('secureConnect', resolve));
      let response = '';
      tls.on('data', (chunk: Buffer) => {
        response += chunk.toString();
      });
      tls.write(`GET /hello HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
      await new Promise<void>((resolve) => tls.once('end', resolve));
      assert.match(response, /^HTTP\/1\.1 200/);
      // The proxy's server side closes meanwhile (its FIN was passed on); the client still says something
      // (as gRPC's client does: a GOAWAY), then leaves.
      await new Promise((resolve) => setTimeout(resolve, 300));
      await new Promise((resolve) => tls.write('late bytes', resolve));
      leave(raw, how);
      const notice = await onlyRecord(harness, host);
      const order = notice.record.events.map((e) => ('from' in e ? `${e.kind} ${e.from}` : e.kind));
      const serverFin = order.indexOf('fin upstream');
      const clientEnd = order.findIndex((e) => /^(fin|close-notify|rst) client$/.test(e));
      assert.ok(serverFin >= 0 && clientEnd > serverFin, order.join(', '));
      assert.equal(notice.line.category, 'ok', notice.line.reason);
    });
  }
});

describe('a client that leaves at each stage of the interception is recorded once', () => {
  let harness: Harness;
  let proxied: Harness;
  let silentOrigin: Awaited<ReturnType<typeof silentServer>>;
  let silentProxy: Awaited<ReturnType<typeof silentServer>>;
  let hello: Buffer;
  let oneProtocolHello: Buffer;
  before(async () => {
    silentOrigin = await silentServer();
    silentProxy = await silentServer();
    hello = await captureClientHello({ servername: 'stage.example.test', ALPNProtocols: ['h2', 'http/1.1'] });
    oneProtocolHello = await captureClientHello({ servername: 'stage.example.test', ALPNProtocols: ['http/1.1'] });
    const origin = `127.0.0.1:${silentOrigin.port}`;
    harness = await startHarness({ handshakeTimeoutMs: 2000, attributeProcesses: false, hostOverrides: [`*.silent.test=${origin}`] });
    // Through an upstream proxy that never answers CONNECT: the server's TCP path stays pending.
    proxied = await startHarness({
      handshakeTimeoutMs: 2000,
      attributeProcesses: false,
      upstreamProxy: `http://127.0.0.1:${silentProxy.port}`,
    });
  });
  after(async () => {
    for (const socket of [...silentOrigin.held, ...silentProxy.held]) socket.destroy();
    silentOrigin.server.close();
    silentProxy.server.close();
    await harness.close();
    await proxied.close();
  });

  const stages: { name: string; proxy: () => Harness; host: string; bytes: () => Buffer }[] = [
    { name: 'half a ClientHello sent', proxy: () => harness, host: 'half', bytes: () => hello.subarray(0, 40) },
    { name: "the server's TCP connection pending (upstream proxy silent)", proxy: () => proxied, host: 'connect', bytes: () => hello },
    {
      name: "the server's TLS handshake pending (server silent), the forged flight waiting for its ALPN choice",
      proxy: () => harness,
      host: 'tls',
      bytes: () => hello,
    },
    {
      name: "the forged flight sent, the server's TLS handshake pending",
      proxy: () => harness,
      host: 'flight',
      bytes: () => oneProtocolHello,
    },
  ];
  for (const stage of stages) {
    for (const how of ['fin', 'rst'] as const) {
      it(`${stage.name}, then the client's ${how}`, async () => {
        const proxy = stage.proxy();
        const host = `${stage.host}-${how}.silent.test`;
        const socket = await openTunnel(proxy.proxyPort, host, 443);
        socket.on('error', () => undefined);
        socket.write(stage.bytes());
        // What the proxy has seen before the client leaves: the ClientHello (or its half), nothing else expected.
        await waitFor(
          () =>
            proxy.session
              .records()
              .some((r) => r.host === host && r.events.some((e) => e.kind === (stage.host === 'half' ? 'connect' : 'client-hello')))
              ? true
              : undefined,
          30_000,
          `${host}: the ClientHello read`,
        );
        leave(socket, how);
        const notice = await onlyRecord(proxy, host);
        assert.notEqual(notice.line.category, 'ok', notice.line.reason);
      });
    }
  }
});
