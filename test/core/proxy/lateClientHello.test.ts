/**
 * A client that says nothing for the first-bytes wait is not taken for a server-speaks-first protocol
 * until someone speaks: a slow TLS client (its own loop busy, a burst) that sends its ClientHello after
 * the wait is still intercepted, so that a pinning client is seen pinning rather than relayed untouched.
 * A server that speaks first is still relayed untouched.
 */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect as connectTcp, createServer, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { findEvent } from '../../../src/shared/timelineEvents';
import { startHarness, type Harness } from '../../support/harness';
import { listenOnLoopback } from '../../support/loopback';
import { httpGet, openTunnel } from '../../support/proxyClient';

const BANNER = '220 banner.example.test ESMTP ready\r\n';

describe('a ClientHello sent after the first-bytes wait', () => {
  let h: Harness;
  /** Called when the proxy connects to the server: its wait for the client's first bytes is over. */
  let onServerConnection: () => void = () => undefined;
  /** Passes connections on to the origin, telling the test of each. */
  const relay = createServer((socket: Socket) => {
    const origin = connectTcp(h.origin.port, '127.0.0.1');
    socket.pipe(origin).pipe(socket);
    socket.on('error', () => origin.destroy());
    origin.on('error', () => socket.destroy());
    onServerConnection();
  });
  /** A server that speaks first (SMTP's greeting), then closes. */
  const banner = createServer((socket: Socket) => socket.end(BANNER));
  const serverConnected = (): Promise<void> =>
    new Promise((resolve) => {
      onServerConnection = resolve;
    });

  before(async () => {
    const relayPort = await listenOnLoopback(relay);
    const bannerPort = await listenOnLoopback(banner);
    h = await startHarness({
      firstBytesTimeoutMs: 200,
      attributeProcesses: false,
      hostOverrides: [`late.example.test=127.0.0.1:${relayPort}`, `banner.example.test=127.0.0.1:${bannerPort}`],
    });
  });
  after(async () => {
    relay.close();
    banner.close();
    await h.close();
  });

  /** A tunnel whose first-bytes wait is over: the proxy has connected to the server to hear it speak first. */
  const silentTunnel = async (): Promise<Socket> => {
    const connected = serverConnected();
    const socket = await openTunnel(h.proxyPort, 'late.example.test', 443);
    await connected;
    return socket;
  };

  it('intercepts a trusting client: its request goes through the forged handshake', async () => {
    const socket = await silentTunnel();
    const tls = connectTls({ socket, servername: 'late.example.test', ca: readFileSync(h.caFile) });
    await new Promise<void>((resolve, reject) => tls.once('secureConnect', resolve).once('error', reject));
    const response = await httpGet(tls, 'late.example.test', '/hello');
    assert.match(response, /^HTTP\/1\.1 200/);
    const notice = await h.connection('late.example.test');
    const events = notice.record.events;
    assert.ok(findEvent(events, 'client-hello'), 'the late ClientHello was read');
    assert.ok(findEvent(events, 'forged-certificate'), 'and answered with the forged certificate');
    assert.equal(findEvent(events, 'not-tls'), undefined, 'not taken for a server-speaks-first protocol');
    assert.equal(findEvent(events, 'timeout'), undefined, 'the wait is not a timeout of the client');
    assert.equal(notice.line.category, 'ok', notice.line.reason);
  });

  it('sees a pinning client reject the forged certificate', async () => {
    const socket = await silentTunnel();
    const tls = connectTls({
      socket,
      servername: 'late.example.test',
      ca: readFileSync(h.caFile),
      // A pin that the forged certificate cannot match: the client closes right after the handshake.
      checkServerIdentity: () => new Error('the public key is not the pinned one'),
    });
    await new Promise<void>((resolve) => tls.once('error', () => resolve()).once('close', () => resolve()));
    const notice = await h.connection('late.example.test', 1);
    const events = notice.record.events;
    assert.ok(findEvent(events, 'forged-certificate'), 'the forged certificate was served');
    assert.equal(findEvent(events, 'not-tls'), undefined);
    assert.notEqual(notice.line.category, 'ok', notice.line.reason);
    assert.notEqual(notice.line.category, 'not-tls', notice.line.reason);
  });

  it('still relays a server that speaks first, untouched', async () => {
    const socket = await openTunnel(h.proxyPort, 'banner.example.test', 25);
    let text = '';
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
    });
    await new Promise((resolve) => socket.once('end', resolve));
    assert.equal(text, BANNER, 'the server spoke first and its words reached the client');
    socket.destroy();
    const notice = await h.connection('banner.example.test');
    assert.ok(findEvent(notice.record.events, 'not-tls'), notice.line.reason);
    assert.equal(notice.line.category, 'not-tls', notice.line.reason);
  });
});
