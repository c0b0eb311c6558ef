/**
 * The trust bundle for proxied programs: Node's public roots, the user's extra upstream CAs and the
 * Pinscope CA, in one PEM file next to the CA. Tools such as curl (CURL_CA_BUNDLE) or Python requests
 * (REQUESTS_CA_BUNDLE) replace their whole trust store with such a file, so the Pinscope CA alone would
 * break every host that is tunnelled untouched. Public data only: no key.
 */
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { writeAtomically, type CertificateAuthority } from '../pki/certificateAuthority';

const TRUST_BUNDLE_FILE = 'pinscope-trust-bundle.pem';

export async function writeTrustBundle(ca: CertificateAuthority, upstreamCas: readonly string[]): Promise<string> {
  const path = join(ca.directory, TRUST_BUNDLE_FILE);
  const pems = [...rootCertificates, ...upstreamCas, ca.certPem].map((pem) => pem.trim());
  await writeAtomically(path, `${pems.join('\n')}\n`, 0o644);
  return path;
}
