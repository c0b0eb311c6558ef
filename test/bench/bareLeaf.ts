/**
 * The certificate the bare interceptor serves: one ECDSA P-256 leaf for `*.bench.test`, issued by
 * Pinscope's CA, as Pinscope's forged leaves are (an RSA leaf would cost the floor an RSA signature per
 * handshake that Pinscope does not pay).
 */
import { generateKeyPairSync } from 'node:crypto';
import { forge } from '../../src/core/pki/forge';
import type { CertificateAuthority } from '../../src/core/pki/certificateAuthority';
import { buildSignedCertificate, subjectNameDer, utf8Name } from '../../src/core/pki/x509';

export function bareLeaf(ca: CertificateAuthority, names: readonly string[]): { certPem: string; keyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const now = Date.now();
  const cert = buildSignedCertificate(
    {
      subject: utf8Name([{ name: 'commonName', value: names[0] ?? 'bench.test' }]),
      issuer: ca.cert.subject.attributes,
      issuerDer: subjectNameDer(ca.certDer),
      // A placeholder for forge's encoder; the EC key is swapped in before signing.
      publicKey: ca.cert.publicKey,
      spkiDer: publicKey.export({ type: 'spki', format: 'der' }),
      notBefore: new Date(now - 3_600_000),
      notAfter: new Date(now + 86_400_000),
      extensions: [
        { name: 'basicConstraints', cA: false, critical: true },
        { name: 'keyUsage', digitalSignature: true, critical: true },
        { name: 'extKeyUsage', serverAuth: true },
        { name: 'subjectAltName', altNames: names.map((value) => ({ type: 2, value })) },
      ],
    },
    ca.key,
  );
  return { certPem: forge.pki.certificateToPem(cert), keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
}
