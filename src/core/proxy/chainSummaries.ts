/** The real servers' certificate chains as recorded: summarised once per distinct chain. */
import type { X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { BoundedMap } from '../boundedMap';
import { recordedSans } from '../pki/subjectAltNames';
import { spkiPin } from '../pki/x509';
import type { CertificateSummary } from '../timeline';
import type { CertificateNames, SessionChain } from './tlsSessions';

/** A server's certificate chain as recorded, and the leaf's names (for sibling sessions). */
export type UpstreamChain = SessionChain;

/** Summaries of certificate chains seen, keyed by the chain's fingerprints: servers send the same chain again and again. */
export class ChainSummaries extends BoundedMap<string, UpstreamChain> {
  constructor(capacity = 1000) {
    super(capacity);
  }

  /** The peer's chain, leaf first, as sent (summarised once per distinct chain). */
  of(tls: TLSSocket): UpstreamChain {
    const chain: X509Certificate[] = [];
    const seen = new Set<string>();
    for (let current = tls.getPeerX509Certificate(); current && !seen.has(current.fingerprint256); current = current.issuerCertificate) {
      seen.add(current.fingerprint256);
      chain.push(current);
    }
    const key = [...seen].join(' ');
    const known = this.get(key);
    if (known) return known;
    const leaf = chain[0];
    const summarised = { summaries: chain.map(summarise), names: leaf ? certificateNames(leaf) : undefined };
    this.set(key, summarised);
    return summarised;
  }
}

/** What checkServerIdentity reads of a certificate, from the X509Certificate (after which Node 20's getPeerCertificate() returns {}). */
function certificateNames(x509: X509Certificate): CertificateNames {
  const commonName = /^CN=(.*)$/m.exec(x509.subject)?.[1];
  return {
    subject: commonName === undefined ? {} : { CN: commonName },
    ...(x509.subjectAltName === undefined ? {} : { subjectaltname: x509.subjectAltName }),
  };
}

function summarise(x509: X509Certificate): CertificateSummary {
  const { sans, omitted } = recordedSans(x509.subjectAltName);
  return {
    subject: x509.subject.replace(/\n/g, ', '),
    issuer: x509.issuer.replace(/\n/g, ', '),
    validFrom: new Date(x509.validFrom).toISOString(),
    validTo: new Date(x509.validTo).toISOString(),
    serialNumber: x509.serialNumber,
    pin: spkiPin(x509.publicKey.export({ type: 'spki', format: 'der' })),
    sans,
    ...(omitted ? { sansOmitted: omitted } : {}),
  };
}
