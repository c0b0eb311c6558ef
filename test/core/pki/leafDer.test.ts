import * as assert from 'node:assert/strict';
import { X509Certificate, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { loadOrCreateCertificateAuthority, type CertificateAuthority } from '../../../src/core/pki/certificateAuthority';
import { LeafDer, derToPem } from '../../../src/core/pki/leafDer';
import { forge } from '../../../src/core/pki/forge';
import {
  buildSignedCertificate,
  certificateToDer,
  octetString,
  spkiKeyIdentifier,
  subjectNameDer,
  utf8Name,
  type Extension,
} from '../../../src/core/pki/x509';

describe('forged leaves encoded directly in DER', () => {
  let ca: CertificateAuthority;
  before(async () => {
    ca = await loadOrCreateCertificateAuthority(join(mkdtempSync(join(tmpdir(), 'pinscope-leafder-')), 'ca'));
  });

  it('are byte for byte what node-forge builds from the same fields (DNS and IP names, long hosts, dates after 2049)', () => {
    const spkiDer = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'der' });
    const fixed: Extension[] = [
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectKeyIdentifier', value: octetString(spkiKeyIdentifier(spkiDer)) },
      { name: 'authorityKeyIdentifier', keyIdentifier: ca.keyIdentifier },
    ];
    const issuerDer = subjectNameDer(ca.certDer);
    const der = new LeafDer(issuerDer, spkiDer, fixed, ca.key);
    const long = `${'a'.repeat(60)}.example.test`;
    const cases = [
      { host: 'www.example.test', notAfter: new Date(Date.now() + 30 * 86_400_000) },
      { host: long, notAfter: new Date(Date.now() + 30 * 86_400_000) },
      { host: '127.0.0.1', notAfter: new Date(Date.now() + 30 * 86_400_000) },
      { host: '2001:db8::1', notAfter: new Date(Date.now() + 30 * 86_400_000) },
      { host: 'late.example.test', notAfter: new Date(Date.UTC(2051, 5, 7, 8, 9, 10, 456)) },
    ];
    for (const { host, notAfter } of cases) {
      const notBefore = new Date(Date.now() - 3_600_000);
      const subject = [
        ...(host.length <= 64 ? [{ name: 'commonName', value: host, oid: '2.5.4.3' }] : []),
        { name: 'organizationName', value: 'Pinscope forged certificate', oid: '2.5.4.10' },
      ];
      const altName = host.includes('.') && !/^\d/.test(host) ? { type: 2, value: host } : { type: 7, ip: host };
      const viaForge = buildSignedCertificate(
        {
          subject: utf8Name(subject),
          issuer: ca.cert.subject.attributes,
          issuerDer,
          publicKey: ca.cert.publicKey,
          spkiDer,
          notBefore,
          notAfter,
          extensions: [...fixed, { name: 'subjectAltName', altNames: [altName] }],
        },
        ca.key,
      );
      const direct = der.certificate({
        serialHex: viaForge.serialNumber,
        notBefore,
        notAfter,
        subject: subject.map(({ oid, value }) => ({ oid, value })),
        altName: host,
      });
      assert.equal(direct.toString('hex'), certificateToDer(viaForge).toString('hex'), host);
      assert.equal(derToPem(direct), forge.pki.certificateToPem(viaForge), host);
      assert.ok(new X509Certificate(direct).verify(new X509Certificate(ca.certPem).publicKey), host);
    }
  });
});
