/**
 * The pcapng writer, with a real TLS handshake between two Node sockets over an in-memory pair: the
 * blocks are walked as a reader would, and tshark (Debian's, installed by .ci/run) decrypts the file
 * with the secrets it carries and no key-log option.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Duplex } from 'node:stream';
import { connect, createSecureContext, TLSSocket, type ConnectionOptions } from 'node:tls';
import { describe, it } from 'node:test';
import {
  captureFromJson,
  captureToJson,
  type CapturedConnection,
  type LegEvent,
  type LegSide,
} from '../../../src/core/report/capturedTraffic';
import { pcapng } from '../../../src/core/report/pcapng';
import { makeOriginCertificates } from '../../support/origin';
import { temporaryDirectory } from '../../support/temporaryDirectories';

/** Two ends of an in-memory connection; what each end writes is kept as a leg's event. */
function recordedPair(events: LegEvent[]): [Duplex, Duplex] {
  const ends: Duplex[] = [];
  const make = (from: LegSide, peer: () => Duplex): Duplex => {
    let ended = false;
    const end = (): void => {
      if (ended) return;
      ended = true;
      events.push({ at: Date.now(), from, kind: 'fin' });
      peer().push(null);
    };
    return new Duplex({
      read() {
        /* pushed by the peer's writes */
      },
      write(chunk: Buffer, _encoding, done) {
        events.push({ at: Date.now(), from, kind: 'data', bytes: Buffer.from(chunk) });
        peer().push(chunk);
        done();
      },
      final(done) {
        end();
        done();
      },
      destroy(error, done) {
        end();
        done(error);
      },
    });
  };
  ends.push(
    make('initiator', () => ends[1] as Duplex),
    make('responder', () => ends[0] as Duplex),
  );
  return [ends[0] as Duplex, ends[1] as Duplex];
}

/** A client handshake against a server with the origin's certificate; resolves once both sides have closed. */
async function handshake(clientOptions: ConnectionOptions): Promise<CapturedConnection> {
  const { caPem, leafPem, keyPem } = makeOriginCertificates(['pcapng.example.test']);
  const events: LegEvent[] = [];
  const keylog: string[] = [];
  const openedAt = Date.now();
  const [clientEnd, serverEnd] = recordedPair(events);
  const server = new TLSSocket(serverEnd, { isServer: true, secureContext: createSecureContext({ key: keyPem, cert: leafPem + caPem }) });
  const client = connect({
    socket: clientEnd,
    servername: 'pcapng.example.test',
    ca: clientOptions.ca === undefined ? undefined : caPem,
    ...clientOptions,
  });
  for (const socket of [server, client]) socket.on('keylog', (line: Buffer) => keylog.push(line.toString('ascii').trim()));
  await new Promise<void>((resolve) => {
    let open = 2;
    const closed = (): void => {
      if (--open === 0) resolve();
    };
    server.on('error', () => undefined).once('close', closed);
    client
      .on('error', () => undefined)
      .once('secureConnect', () => client.end())
      .once('close', closed);
    server.on('secure', () => server.end()).once('end', () => server.destroy());
  });
  return { legs: [{ role: 'client', openedAt, events, dropped: { initiator: 0, responder: 0 } }], keylog };
}

function tshark(file: string, ...args: string[]): string {
  return execFileSync('tshark', ['-r', file, '-o', 'tls.desegment_ssl_records:TRUE', ...args], { encoding: 'utf8' });
}

describe('pcapng with embedded TLS secrets', () => {
  it('writes blocks a reader can walk: section header, interface, decryption secrets, packets', async () => {
    const capture = await handshake({ ca: '', minVersion: 'TLSv1.3' });
    const file = pcapng([{ id: 7, target: 'pcapng.example.test:443\u001b[31m', capture }]);
    const types: number[] = [];
    for (let offset = 0; offset < file.length;) {
      const type = file.readUInt32LE(offset);
      const length = file.readUInt32LE(offset + 4);
      assert.equal(length % 4, 0, 'blocks are 32-bit aligned');
      assert.equal(file.readUInt32LE(offset + length - 4), length, 'the trailing length repeats the leading one');
      if (type === 0x0a) {
        assert.equal(file.readUInt32LE(offset + 8), 0x544c534b, 'TLS key log secrets');
        const secrets = file.subarray(offset + 16, offset + 16 + file.readUInt32LE(offset + 12)).toString('ascii');
        assert.deepEqual(
          secrets.trim().split('\n').sort(),
          [...new Set(capture.keylog)].sort(),
          'each line once (both ends log the same secrets)',
        );
      }
      types.push(type);
      offset += length;
    }
    assert.deepEqual(types.slice(0, 3), [0x0a0d0d0a, 1, 0x0a]);
    const data = capture.legs[0]?.events.filter((e) => e.kind === 'data').length ?? 0;
    assert.equal(types.filter((t) => t === 6).length, 3 + data + 2, 'SYN, SYN-ACK, ACK, one packet per write, a FIN each side');
    assert.ok(capture.keylog.some((line) => line.startsWith('CLIENT_HANDSHAKE_TRAFFIC_SECRET ')));
    assert.ok(
      file.includes('Pinscope connection 7 to pcapng.example.test:443\\x1b[31m'),
      "the target's control characters are shown, not written",
    );
  });

  it('survives a recording: captureFromJson(captureToJson(c)) writes the same file, and bad input is refused', async () => {
    const capture = await handshake({ minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' });
    const again = captureFromJson(JSON.parse(JSON.stringify(captureToJson(capture))));
    assert.deepEqual(pcapng([{ id: 1, target: 'a:443', capture: again }]), pcapng([{ id: 1, target: 'a:443', capture }]));
    assert.throws(() => captureFromJson({ legs: [], keylog: ['CLIENT_RANDOM x y\nINJECTED'] }), /key-log line 1/);
    assert.throws(
      () => captureFromJson({ legs: [{ role: 'client', openedAt: 1, events: [[1, 'i', 'data', '!!']], dropped: [0, 0] }], keylog: [] }),
      /base64/,
    );
    assert.throws(() => captureFromJson({ legs: [{ role: 'peer', openedAt: 1, events: [], dropped: [0, 0] }], keylog: [] }), /role/);
    assert.throws(() => captureFromJson(null), /expected/);
  });

  for (const version of ['TLSv1.2', 'TLSv1.3'] as const) {
    it(`opens decrypted in tshark with no key-log option: ${version}, a client that rejects the certificate`, async () => {
      const capture = await handshake({ ca: '', minVersion: version, maxVersion: version });
      const path = join(temporaryDirectory('pcapng'), 'handshake.pcapng');
      writeFileSync(path, pcapng([{ id: 3, target: 'pcapng.example.test:443', capture }]));
      const handshakes = tshark(path, '-Y', 'tls.handshake.type', '-T', 'fields', '-e', 'tls.handshake.type').split(/\s|,/).filter(Boolean);
      assert.ok(handshakes.includes('1'), `ClientHello: ${handshakes.join(' ')}`);
      assert.ok(handshakes.includes('11'), `the Certificate is read (decrypted in TLS 1.3): ${handshakes.join(' ')}`);
      const certificates = tshark(path, '-Y', 'tls.handshake.type == 11', '-V');
      assert.match(certificates, /pcapng\.example\.test/);
      assert.match(certificates, /Pinscope Test Origin CA/);
      // Node's client closes without an alert (real clients' alerts: test/cli/pcapng.test.ts): its FIN.
      const fins = tshark(path, '-Y', 'tcp.flags.fin == 1', '-T', 'fields', '-e', 'tcp.srcport').trim().split('\n');
      assert.deepEqual(fins[0], '1027', 'the client ends first');
    });
  }
});
