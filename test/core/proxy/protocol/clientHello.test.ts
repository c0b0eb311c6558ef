/** ClientHellos framed from the first read are exactly what read-tls-client-hello reads from the stream. */
import * as assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { before, describe, it } from 'node:test';
import { readTlsClientHello } from 'read-tls-client-hello';
import { frameClientHello, readClientHello } from '../../../../src/core/proxy/protocol/clientHello';
import { captureClientHello, captureCommandHello, mutate } from '../../../support/clientHellos';

const stream = (bytes: Buffer): Readable => Readable.from([bytes], { objectMode: false });

describe('ClientHello framing', () => {
  const hellos: [string, Buffer][] = [];
  before(async () => {
    hellos.push(
      ['Node, h2 and http/1.1', await captureClientHello()],
      ['Node, no SNI and no ALPN', await captureClientHello({})],
      ['Node, TLS 1.2 at most', await captureClientHello({ servername: 'tls12.example.test', maxVersion: 'TLSv1.2' })],
      [
        'curl',
        await captureCommandHello('curl', (port) => [
          '-s',
          '-m',
          '5',
          '--resolve',
          `curl.example.test:${port}:127.0.0.1`,
          `https://curl.example.test:${port}/`,
        ]),
      ],
      [
        'openssl s_client',
        await captureCommandHello('openssl', (port) => [
          's_client',
          '-connect',
          `127.0.0.1:${port}`,
          '-servername',
          'openssl.example.test',
          '-alpn',
          'h2,http/1.1',
        ]),
      ],
      [
        'Python ssl',
        await captureCommandHello('python3', (port) => [
          '-c',
          `import socket, ssl; ssl.create_default_context().wrap_socket(socket.create_connection(("127.0.0.1", ${port})), server_hostname="python.example.test")`,
        ]),
      ],
    );
  });

  it('frames real ClientHellos from curl, openssl, Node and Python exactly as the library reads them', async () => {
    for (const [client, hello] of hellos) {
      const framed = frameClientHello(hello);
      assert.ok(framed, `${client}: framed from the first read`);
      assert.deepEqual(framed, await readTlsClientHello(stream(hello)), client);
      assert.deepEqual(
        await readClientHello(stream(Buffer.alloc(0)), hello),
        await readClientHello(stream(hello)),
        `${client}: the same summary`,
      );
    }
  });

  it('frames a mutated ClientHello only as the library reads it, and leaves the rest to the library', async () => {
    const [, base] = hellos[0] ?? ['', Buffer.alloc(0)];
    let framedCount = 0;
    for (let seed = 0; seed < 3000; seed++) {
      const bytes = mutate(base, seed);
      const framed = frameClientHello(bytes);
      const library = await readTlsClientHello(stream(bytes)).catch(() => undefined);
      const wholeRecord = bytes.length >= 5 && bytes.length >= 5 + bytes.readUInt16BE(3);
      if (framed) framedCount++;
      if (framed || (library && wholeRecord)) assert.deepEqual(framed, library, `seed ${seed}`);
      // Framed here, its JA3 and JA4 may be remembered from an earlier hello: they are the library's own.
      if (framed)
        assert.deepEqual(
          await readClientHello(stream(Buffer.alloc(0)), bytes),
          await readClientHello(stream(bytes)),
          `seed ${seed}: the same summary`,
        );
    }
    assert.ok(framedCount > 300, `${framedCount} of 3000 mutations still frame (the others fall back to the library)`);
  });

  it('leaves a ClientHello split across reads to the library', async () => {
    const [, hello] = hellos[0] ?? ['', Buffer.alloc(0)];
    const firstRead = hello.subarray(0, 100);
    assert.equal(frameClientHello(firstRead), undefined);
    assert.deepEqual(await readClientHello(stream(hello), firstRead), await readClientHello(stream(hello)));
  });
});
