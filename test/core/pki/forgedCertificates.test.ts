import * as assert from 'node:assert/strict';
import { X509Certificate, createHash, generateKeyPairSync } from 'node:crypto';
import forge from 'node-forge';
import { parseDer, spkiKeyIdentifier } from '../../../src/core/pki/x509';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect as connectTcp, createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { connect as connectTls, TLSSocket, type SecureContext } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { loadOrCreateCertificateAuthority, type CertificateAuthority } from '../../../src/core/pki/certificateAuthority';
import { DEFAULT_LEAF_CONTEXTS_KEPT, ForgedCertificates, LEAF_LIFETIME_DAYS } from '../../../src/core/pki/forgedCertificates';
import { runClient, waitFor } from '../../support/clients';

describe('forged certificates', () => {
  let ca: CertificateAuthority;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pinscope-leaf-test-'));
    ca = await loadOrCreateCertificateAuthority(join(dir, 'ca'));
  });

  it('serves each host its own certificate, first from the shared context, then from its own, with every handshake in flight at once', async () => {
    const forged = await ForgedCertificates.create(ca);
    const hosts = Array.from({ length: 12 }, (_, i) => `ctx-${i}.example.test`);
    // Server sockets are made in the order the connections arrive; the handshakes all run afterwards.
    const order = [...hosts, ...hosts];
    const contexts: SecureContext[] = [];
    const server = createTcpServer((raw) => {
      const host = order[contexts.length] ?? '';
      const { secureContext } = forged.forHost(host);
      contexts.push(secureContext);
      new TLSSocket(raw, { isServer: true, secureContext })
        .on('secure', function (this: TLSSocket) {
          this.end('ok');
        })
        .on('error', () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      const raws: Socket[] = [];
      for (let i = 0; i < order.length; i++) {
        raws.push(
          await new Promise<Socket>((resolve) => {
            const socket = connectTcp(port, '127.0.0.1', () => resolve(socket));
          }),
        );
        await waitFor(() => (contexts.length === raws.length ? true : undefined), 2000, 'the server socket');
      }
      const served = await Promise.all(
        order.map(
          (host, i) =>
            new Promise<string>((resolve, reject) => {
              const socket = connectTls({ socket: raws[i], servername: host, ca: readFileSync(ca.certPath) }, () => {
                resolve(socket.getPeerX509Certificate()?.subjectAltName ?? '');
                socket.destroy();
              });
              socket.once('error', reject);
            }),
        ),
      );
      assert.deepEqual(
        served,
        order.map((host) => `DNS:${host}`),
      );
      assert.equal(new Set(contexts.slice(0, hosts.length)).size, 1, 'first connections share one context');
      assert.equal(new Set(contexts.slice(hosts.length)).size, hosts.length, 'second connections: one context per host');
      assert.ok(!contexts.slice(hosts.length).includes(contexts[0] as SecureContext));
    } finally {
      server.close();
    }
    await new Promise((resolve) => setImmediate(resolve));
    forged.dispose();
  });

  it('serves the right certificate when contexts are readied at CONNECT, another host readied in between or not', async () => {
    const forged = await ForgedCertificates.create(ca);
    // [prepared at CONNECT, prepared by another CONNECT meanwhile (or none), served]: new hosts, then second connections.
    const steps: [string, string | undefined][] = [
      ['prep-a.test', undefined],
      ['prep-b.test', 'prep-c.test'],
      ['prep-c.test', undefined],
      ['prep-a.test', 'prep-b.test'],
      ['prep-b.test', undefined],
      ['prep-d.test', 'prep-a.test'],
    ];
    let step = 0;
    const server = createTcpServer((raw) => {
      const [host, other] = steps[step++] ?? ['', undefined];
      forged.prepare(host);
      if (other) forged.prepare(other);
      new TLSSocket(raw, { isServer: true, secureContext: forged.forHost(host).secureContext })
        .on('secure', function (this: TLSSocket) {
          this.end('ok');
        })
        .on('error', () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      for (const [host] of steps) {
        const served = await new Promise<string>((resolve, reject) => {
          const socket = connectTls({ port, host: '127.0.0.1', servername: host, ca: readFileSync(ca.certPath) }, () => {
            resolve(socket.getPeerX509Certificate()?.subjectAltName ?? '');
            socket.destroy();
          });
          socket.once('error', reject);
        });
        assert.equal(served, `DNS:${host}`);
      }
    } finally {
      server.close();
    }
    forged.dispose();
  });

  it('forges a DNS leaf that openssl verifies against the CA, with the right fields', async () => {
    const forged = await ForgedCertificates.create(ca);
    const { certificate, cached } = forged.forHost('API.Example.com');
    assert.equal(cached, false);
    const leafFile = join(dir, 'leaf.pem');
    writeFileSync(leafFile, certificate.certPem);
    const verify = await runClient('openssl', ['verify', '-purpose', 'sslserver', '-CAfile', ca.certPath, leafFile]);
    assert.equal(verify.code, 0, verify.stdout + verify.stderr);
    const text = await runClient('openssl', ['x509', '-noout', '-text', '-in', leafFile]);
    assert.match(text.stdout, /DNS:api\.example\.com/);
    assert.match(text.stdout, /CA:FALSE/, 'a forged certificate can never act as a CA');
    assert.match(text.stdout, /id-ecPublicKey/);
    assert.match(text.stdout, /NIST CURVE: P-256/);
    assert.match(text.stdout, /TLS Web Server Authentication/);
    assert.match(text.stdout, /Authority Key Identifier/);
    const x509 = new X509Certificate(certificate.certPem);
    const notBefore = new Date(x509.validFrom).getTime();
    const notAfter = new Date(x509.validTo).getTime();
    assert.ok(notBefore < Date.now() - 30 * 60_000, 'back-dated');
    assert.ok(notAfter - notBefore <= (LEAF_LIFETIME_DAYS + 1) * 86_400_000, 'within browser limits');
    assert.ok(notAfter - notBefore < 398 * 86_400_000);
    assert.ok(x509.checkIssued(new X509Certificate(ca.certPem)));
  });

  it('forges an IP SAN for an IP address, and caches per host with a bound', async () => {
    const forged = await ForgedCertificates.create(ca, 2);
    const ip = forged.forHost('127.0.0.1').certificate;
    assert.match(new X509Certificate(ip.certPem).subjectAltName ?? '', /IP Address:127\.0\.0\.1/);
    assert.equal(forged.forHost('127.0.0.1').cached, true);
    forged.forHost('a.test');
    forged.forHost('b.test');
    assert.equal(forged.size, 2);
    assert.equal(forged.forHost('127.0.0.1').cached, false, 'the least recently used entry was evicted');
  });

  it('calls a leaf forged ahead at CONNECT new to its first handshake, and reused from the second on', async () => {
    const forged = await ForgedCertificates.create(ca);
    forged.prepare('ahead.test');
    assert.equal(forged.has('ahead.test'), true, 'forged at CONNECT');
    assert.equal(forged.forHost('ahead.test').cached, false, 'its first handshake serves a new certificate');
    forged.prepare('ahead.test');
    assert.equal(forged.forHost('ahead.test').cached, true, 'its second handshake serves the same one again');
    forged.dispose();
  });

  it('keeps TLS contexts for the most recent hosts only, and remakes one from the kept certificate', async () => {
    const forged = await ForgedCertificates.create(ca);
    const shared = forged.forHost('first.test');
    const own = forged.forHost('first.test');
    assert.notEqual(own.secureContext, shared.secureContext, 'the second connection gets its own context');
    assert.equal(forged.forHost('first.test').secureContext, own.secureContext, 'and keeps it');
    for (let i = 0; i < DEFAULT_LEAF_CONTEXTS_KEPT; i++) forged.forHost(`filler-${i}.test`);
    assert.equal(forged.forHost('first.test').secureContext, shared.secureContext, 'its context was dropped: shared again');
    const again = forged.forHost('first.test');
    assert.equal(again.cached, true);
    assert.equal(again.certificate.serialNumber, own.certificate.serialNumber, 'the same certificate');
    assert.notEqual(again.secureContext, own.secureContext, 'its context was made again');
    forged.dispose();
  });

  it('uses one leaf key for every host and unique serial numbers', async () => {
    const forged = await ForgedCertificates.create(ca);
    const a = forged.forHost('one.test').certificate;
    const b = forged.forHost('two.test').certificate;
    assert.equal(a.pin, b.pin);
    assert.notEqual(a.serialNumber, b.serialNumber);
  });
});

describe('EC leaf keys in forge-built certificates', () => {
  it('keeps every EC point intact, whatever its bytes look like (3,000 fresh keys; about 1 in 256 looks like ASN.1)', () => {
    for (let i = 0; i < 3000; i++) {
      const spki = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'der' });
      const point = spki.subarray(spki.length - 65);
      assert.equal(spkiKeyIdentifier(spki), createHash('sha1').update(point).digest().toString('binary'));
      assert.ok(Buffer.from(forge.asn1.toDer(parseDer(spki)).getBytes(), 'binary').equals(spki), 'round trip');
    }
  });
});
