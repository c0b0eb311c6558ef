/**
 * A tunnelled client's first application data, read from its TLS record headers: real clients (curl,
 * openssl s_client, Python) talk TLS 1.2 and 1.3 to a real server through a tap that feeds their bytes to
 * the scanner, trusting the server or rejecting its certificate.
 */
import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connect, createServer, type Server } from 'node:net';
import { ClientRecordScanner } from '../../../src/core/proxy/tunnelRecords';
import { startOrigin, type Origin } from '../../support/origin';
import { listenOnLoopback } from '../../support/loopback';
import { runClient } from '../../support/clients';

interface Tap {
  readonly port: number;
  /** The scanner's answer for every connection, once its client has closed. */
  readonly answers: Promise<boolean>[];
  close(): void;
}

async function startTap(originPort: number): Promise<Tap> {
  const answers: Promise<boolean>[] = [];
  const server: Server = createServer((client) => {
    const scanner = new ClientRecordScanner();
    let found = false;
    const upstream = connect(originPort, '127.0.0.1');
    answers.push(new Promise((resolve) => client.once('close', () => resolve(found))));
    client.on('data', (chunk: Buffer) => {
      found = scanner.feed(chunk);
    });
    client.pipe(upstream).pipe(client);
    // When the server closes first, pipe() unpipes and pauses the client: what it sends next (its FIN
    // too) would stay unread and 'close' never come. Keep reading it into the scanner.
    upstream.once('close', () => client.resume());
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  const port = await listenOnLoopback(server);
  return { port, answers, close: () => server.close() };
}

describe("a tunnelled client's first application data", () => {
  let origin: Origin;
  let tap: Tap;
  before(async () => {
    origin = await startOrigin();
    tap = await startTap(origin.port);
  });
  after(async () => {
    tap.close();
    await origin.close();
  });

  const lastAnswer = async (): Promise<boolean> => {
    const answer = tap.answers.at(-1);
    assert.ok(answer, 'the client connected');
    return answer;
  };
  const curl = (version: string[], trust: string[]) =>
    runClient('curl', [
      '-sS',
      '--max-time',
      '15',
      '--noproxy',
      '*',
      ...version,
      ...trust,
      '--resolve',
      `example.test:${tap.port}:127.0.0.1`,
      `https://example.test:${tap.port}/hello`,
    ]);

  for (const [name, version] of [
    ['TLS 1.3', ['--tlsv1.3']],
    ['TLS 1.2', ['--tlsv1.2', '--tls-max', '1.2']],
  ] as const) {
    it(`${name}: curl that trusts the server sends application data`, async () => {
      const result = await curl([...version], ['--cacert', origin.caFile]);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(await lastAnswer(), true);
    });

    it(`${name}: curl that rejects the server's certificate sends none (its alert is not data)`, async () => {
      const result = await curl([...version], []);
      assert.notEqual(result.code, 0, 'curl does not trust the test CA');
      assert.equal(await lastAnswer(), false);
    });
  }

  for (const flag of ['-tls1_3', '-tls1_2']) {
    it(`openssl s_client ${flag} rejecting the certificate sends none`, async () => {
      const result = await runClient(
        'openssl',
        ['s_client', flag, '-connect', `127.0.0.1:${tap.port}`, '-servername', 'example.test', '-verify_return_error'],
        { input: 'GET /hello HTTP/1.1\r\nHost: example.test\r\n\r\n' },
      );
      assert.notEqual(result.code, 0, 'openssl refuses the unknown issuer');
      assert.equal(await lastAnswer(), false);
    });

    it(`openssl s_client ${flag} trusting it and sending a request sends application data`, async () => {
      await runClient(
        'openssl',
        [
          's_client',
          flag,
          '-connect',
          `127.0.0.1:${tap.port}`,
          '-servername',
          'example.test',
          '-CAfile',
          origin.caFile,
          '-verify_return_error',
        ],
        { input: 'GET /hello HTTP/1.1\r\nHost: example.test\r\nConnection: close\r\n\r\n' },
      );
      assert.equal(await lastAnswer(), true);
    });
  }

  it('Python that completes the handshake and closes without a request sends none', async () => {
    const script = `import socket, ssl\nc = ssl.create_default_context(cafile=${JSON.stringify(origin.caFile)})\ns = c.wrap_socket(socket.create_connection(('127.0.0.1', ${tap.port})), server_hostname='example.test')\ns.close()\n`;
    const result = await runClient('python3', ['-c', script]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(await lastAnswer(), false);
  });

  it('a stream that is not TLS counts from its first byte', () => {
    assert.equal(new ClientRecordScanner().feed(Buffer.from('SSH-2.0-OpenSSH_9.2\r\n')), true);
  });

  it('is not misled by a TLS 1.3 second ClientHello after a ChangeCipherSpec (a HelloRetryRequest)', () => {
    const record = (type: number, length: number): Buffer =>
      Buffer.concat([Buffer.from([type, 3, 3, length >> 8, length & 0xff]), Buffer.alloc(length)]);
    const scanner = new ClientRecordScanner();
    // ClientHello, ChangeCipherSpec, the second ClientHello, the Finished, an encrypted alert: no data yet.
    for (const [type, length] of [
      [22, 200],
      [20, 1],
      [22, 250],
      [23, 53],
      [23, 19],
    ] as const)
      assert.equal(scanner.feed(record(type, length)), false);
    assert.equal(scanner.feed(record(23, 80)), true, 'the record after them is');
    const tls12 = new ClientRecordScanner();
    // TLS 1.2: ClientHello, ClientKeyExchange, ChangeCipherSpec, the encrypted Finished (40 bytes), then data.
    for (const [type, length] of [
      [22, 200],
      [22, 70],
      [20, 1],
      [22, 40],
    ] as const)
      assert.equal(tls12.feed(record(type, length)), false);
    assert.equal(tls12.feed(record(23, 30)), true);
  });

  it('reads record headers split across chunks', () => {
    const scanner = new ClientRecordScanner();
    const record = (type: number, length: number): Buffer =>
      Buffer.concat([Buffer.from([type, 3, 3, length >> 8, length & 0xff]), Buffer.alloc(length)]);
    const stream = Buffer.concat([record(22, 200), record(20, 1), record(23, 53), record(23, 19), record(23, 80)]);
    const answers = [...stream].map((byte) => scanner.feed(Buffer.from([byte])));
    assert.equal(
      answers.indexOf(true),
      stream.length - 80 - 1,
      'the first byte of the TLS 1.3 record after the Finished and an alert-sized one',
    );
  });
});
