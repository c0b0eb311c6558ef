/** Reads into one buffer of ours for sockets made without `onread`: a plain socket, and a TLSSocket over a stream. */
import * as assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import { Duplex, PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { connect as connectTls, createServer as createTlsServer, type Server } from 'node:tls';
import { readIntoUserBuffer } from '../../../src/core/proxy/userBufferReads';
import { makeOriginCertificates } from '../../support/origin';

const PAYLOAD = Buffer.alloc(300_000, 0x61);

/** Collects what `socket` reads through the buffer; resolves at its end with the bytes and the 'data' events seen. */
function collect(socket: Socket): Promise<{ bytes: Buffer; dataEvents: number }> {
  const buffer = Buffer.alloc(16 * 1024);
  const pieces: Buffer[] = [];
  let dataEvents = 0;
  assert.equal(
    readIntoUserBuffer(socket, { buffer, callback: (bytes) => pieces.push(Buffer.from(buffer.subarray(0, bytes))) > 0 }),
    true,
    'this Node lets a made socket read into a buffer',
  );
  socket.on('data', () => dataEvents++);
  return once(socket, 'end').then(() => ({ bytes: Buffer.concat(pieces), dataEvents }));
}

describe('reads into a buffer of ours', () => {
  let plain: ReturnType<typeof createServer>;
  let tls: Server;
  before(async () => {
    plain = createServer((socket) => socket.end(PAYLOAD));
    const certificates = makeOriginCertificates(['buffer.test']);
    tls = createTlsServer({ cert: certificates.leafPem, key: certificates.keyPem }, (socket) => socket.end(PAYLOAD));
    plain.listen(0, '127.0.0.1');
    tls.listen(0, '127.0.0.1');
    await Promise.all([once(plain, 'listening'), once(tls, 'listening')]);
  });
  after(() => {
    plain.close();
    tls.close();
  });

  it('a connected socket: every byte through the callback, none as data', async () => {
    const socket = connect((plain.address() as AddressInfo).port, '127.0.0.1');
    socket.pause();
    await once(socket, 'connect');
    const read = collect(socket);
    socket.resume();
    const { bytes, dataEvents } = await read;
    assert.ok(bytes.equals(PAYLOAD), `${bytes.length} of ${PAYLOAD.length} bytes`);
    assert.equal(dataEvents, 0);
    socket.destroy();
  });

  it('a TLSSocket over a stream (where Node ignores onread): the decrypted bytes through the callback', async () => {
    const raw = connect((tls.address() as AddressInfo).port, '127.0.0.1');
    await once(raw, 'connect');
    // A JavaScript stream between, as a captured leg's tee is.
    const toServer = new PassThrough();
    const fromServer = new PassThrough();
    toServer.pipe(raw);
    raw.pipe(fromServer);
    const stream = new Duplex({
      read(): void {
        fromServer.resume();
      },
      write(chunk: Buffer, _encoding, done): void {
        toServer.write(chunk, done);
      },
    });
    fromServer.on('data', (chunk: Buffer) => stream.push(chunk));
    fromServer.on('end', () => stream.push(null));
    const socket = connectTls({ socket: stream, rejectUnauthorized: false });
    const read = collect(socket);
    const { bytes, dataEvents } = await read;
    assert.ok(bytes.equals(PAYLOAD), `${bytes.length} of ${PAYLOAD.length} bytes`);
    assert.equal(dataEvents, 0);
    socket.destroy();
    raw.destroy();
  });
});
