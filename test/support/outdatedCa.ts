/**
 * A CA exactly as Pinscope 0.1.0 made it: forge's default PrintableString names with `@` and `;` in
 * them, which Go's crypto/x509 and Chromium refuse. Written into `directory` like the old version did.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import forge from 'node-forge';
import { CA_CERT_FILE, CA_KEY_FILE } from '../../src/core/pki/certificateAuthority';
import { buildSignedCertificate, keyIdentifier, octetString } from '../../src/core/pki/x509';

export function writeOutdatedCa(directory: string): { certPem: string; keyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const forgePublicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  const name = [
    { name: 'commonName', value: 'Pinscope Inspection CA (dev@laptop)' },
    { name: 'organizationName', value: 'Pinscope local TLS inspection (not a public CA)' },
    { name: 'organizationalUnitName', value: 'Generated on this machine; do not share its key' },
  ];
  const now = Date.now();
  const cert = buildSignedCertificate(
    {
      subject: name,
      issuer: name,
      publicKey: forgePublicKey,
      notBefore: new Date(now - 86_400_000),
      notAfter: new Date(now + 3650 * 86_400_000),
      extensions: [
        { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
        { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
        { name: 'subjectKeyIdentifier', value: octetString(keyIdentifier(forgePublicKey)) },
      ],
    },
    privateKey,
  );
  const certPem = forge.pki.certificateToPem(cert);
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  mkdirSync(directory, { recursive: true, mode: 0o700 });
  writeFileSync(join(directory, CA_KEY_FILE), keyPem, { mode: 0o600 });
  writeFileSync(join(directory, CA_CERT_FILE), certPem, { mode: 0o644 });
  return { certPem, keyPem };
}
