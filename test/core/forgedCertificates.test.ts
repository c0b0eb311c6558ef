import * as assert from 'node:assert/strict';
import { X509Certificate, createHash, generateKeyPairSync } from 'node:crypto';
import forge from 'node-forge';
import { parseDer, spkiKeyIdentifier } from '../../src/core/x509';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { connect as connectTls, createServer as createTlsServer } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { loadOrCreateCertificateAuthority, type CertificateAuthority } from '../../src/core/certificateAuthority';
import { DEFAULT_LEAF_CONTEXTS_KEPT, ForgedCertificates, LEAF_LIFETIME_DAYS } from '../../src/core/forgedCertificates';
import { runClient } from '../support/clients';

describe('forged certificates', () => {
  let ca: CertificateAuthority;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pinscope-leaf-test-'));
    ca = await loadOrCreateCertificateAuthority(join(dir, 'ca'));
  });

  it('serves each host its own certificate from the prepared contexts, made back to back and in use at once', async () => {
    const forged = await ForgedCertificates.create(ca);
    const hosts = Array.from({ length: 12 }, (_, i) => `ctx-${i}.example.test`);
    const contexts = new Map(hosts.map((host) => [host, forged.forHost(host).secureContext]));
    assert.equal(new Set(contexts.values()).size, hosts.length, 'one context per host');
    const server = createTlsServer({ SNICallback: (name, done) => done(null, contexts.get(name)) }, (socket) => socket.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      const served = await Promise.all(hosts.map((host) => new Promise<string>((resolve, reject) => {
        const socket = connectTls({ host: '127.0.0.1', port, servername: host, ca: readFileSync(ca.certPath) }, () => {
          resolve(socket.getPeerX509Certificate()?.subjectAltName ?? '');
          socket.destroy();
        });
        socket.once('error', reject);
      })));
      assert.deepEqual(served, hosts.map((host) => `DNS:${host}`));
    } finally {
      server.close();
    }
    await new Promise((resolve) => setImmediate(resolve));
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

  it('keeps TLS contexts for the most recent hosts only, and remakes one from the kept certificate', async () => {
    const forged = await ForgedCertificates.create(ca);
    const first = forged.forHost('first.test');
    for (let i = 0; i < DEFAULT_LEAF_CONTEXTS_KEPT; i++) forged.forHost(`filler-${i}.test`);
    const again = forged.forHost('first.test');
    assert.equal(again.cached, true);
    assert.equal(again.certificate.serialNumber, first.certificate.serialNumber, 'the same certificate');
    assert.notEqual(again.secureContext, first.secureContext, 'its context was dropped and made again');
    assert.equal(forged.forHost('first.test').secureContext, again.secureContext);
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
