/**
 * Inspection profiles: what a given inspection product's path looks like to the app — the chain it
 * serves, the names in it, the ALPN protocols it offers the client, the TLS versions. Data, not code:
 * each value and its source (with the date it was read) is in docs/inspection-profiles.md; a value no
 * vendor documents keeps Pinscope's own default and says so there.
 */

export type TlsVersion = 'TLSv1.2' | 'TLSv1.3';

export interface InspectionProfile {
  readonly id: string;
  readonly title: string;
  /**
   * `root`: leaves signed by the Pinscope root directly. `intermediate`: an inspection intermediate,
   * signed by the Pinscope root (made per installation in the CA folder), signs the leaves and is sent
   * with them. `own-intermediate`: the organisation's intermediate (`--intermediate-ca CERT,KEY`).
   */
  readonly chain: 'root' | 'intermediate' | 'own-intermediate';
  /** The intermediate's subject (for `intermediate`): names in the vendor's style, marked as Pinscope's. */
  readonly intermediateName?: readonly { readonly name: string; readonly value: string }[];
  /** The intermediate's RSA key size. */
  readonly intermediateKeyBits?: number;
  /** How long a forged leaf is valid. */
  readonly leafValidityDays: number;
  /**
   * The ALPN protocols of the client's offer the path does not pass on (stripped): `h2` for a path without
   * HTTP/2, where an HTTP/2-only client (gRPC) gets no protocol. Everything else the client offers is offered.
   */
  readonly withheldAlpn: readonly string[];
  readonly tlsVersions: { readonly min: TlsVersion; readonly max: TlsVersion };
}

const MODERN = { min: 'TLSv1.2', max: 'TLSv1.3' } as const;
/** Whatever the client offers (h2, http/1.1 or any other protocol). */
const NOTHING_WITHHELD: readonly string[] = [];
/** HTTP/2 withheld: the client is offered HTTP/1.1 (and any non-HTTP protocol it asked for). */
const HTTP2_WITHHELD: readonly string[] = ['h2'];

export const DEFAULT_PROFILE = 'generic';

/** One intermediate's names per vendor: its profiles differ only in what the path offers. */
const ZSCALER_INTERMEDIATE = [
  { name: 'commonName', value: 'Pinscope Zscaler-style Intermediate Root CA' },
  { name: 'organizationName', value: 'Pinscope (Zscaler profile, not Zscaler)' },
];
const PALO_ALTO_INTERMEDIATE = [
  { name: 'commonName', value: 'Pinscope Forward Trust CA (Palo Alto-style)' },
  { name: 'organizationName', value: 'Pinscope (Palo Alto profile, not Palo Alto Networks)' },
];

export const INSPECTION_PROFILES: readonly InspectionProfile[] = [
  {
    id: 'generic',
    title: 'Generic inspection box: leaves signed by the root directly, HTTP/2 and HTTP/1.1, TLS 1.2-1.3',
    chain: 'root',
    leafValidityDays: 30,
    withheldAlpn: NOTHING_WITHHELD,
    tlsVersions: MODERN,
  },
  {
    id: 'zscaler',
    title: 'Zscaler Internet Access: leaf + Zscaler-style intermediate, HTTP/2 inspection on',
    chain: 'intermediate',
    intermediateName: ZSCALER_INTERMEDIATE,
    intermediateKeyBits: 2048,
    leafValidityDays: 30,
    withheldAlpn: NOTHING_WITHHELD,
    tlsVersions: MODERN,
  },
  {
    id: 'zscaler-http1',
    title: 'Zscaler Internet Access with HTTP/2 inspection off: HTTP/1.1 only',
    chain: 'intermediate',
    intermediateName: ZSCALER_INTERMEDIATE,
    intermediateKeyBits: 2048,
    leafValidityDays: 30,
    withheldAlpn: HTTP2_WITHHELD,
    tlsVersions: MODERN,
  },
  {
    id: 'netskope',
    title: 'Netskope: leaf + Netskope-style intermediate (tenant CA), HTTP/2 and HTTP/1.1',
    chain: 'intermediate',
    intermediateName: [
      { name: 'commonName', value: 'Pinscope Netskope-style Tenant Intermediate CA' },
      { name: 'organizationName', value: 'Pinscope (Netskope profile, not Netskope)' },
    ],
    intermediateKeyBits: 2048,
    leafValidityDays: 30,
    withheldAlpn: NOTHING_WITHHELD,
    tlsVersions: MODERN,
  },
  {
    id: 'paloalto',
    title: 'Palo Alto Networks forward proxy: leaf + forward-trust intermediate, HTTP/2, TLS 1.2-1.3',
    chain: 'intermediate',
    intermediateName: PALO_ALTO_INTERMEDIATE,
    intermediateKeyBits: 2048,
    leafValidityDays: 30,
    withheldAlpn: NOTHING_WITHHELD,
    tlsVersions: MODERN,
  },
  {
    id: 'paloalto-tls12',
    title: "Palo Alto Networks forward proxy with the decryption profile's Max Version at TLS 1.2",
    chain: 'intermediate',
    intermediateName: PALO_ALTO_INTERMEDIATE,
    intermediateKeyBits: 2048,
    leafValidityDays: 30,
    withheldAlpn: NOTHING_WITHHELD,
    tlsVersions: { min: 'TLSv1.2', max: 'TLSv1.2' },
  },
  {
    id: 'own-intermediate',
    title: "The organisation's own inspection intermediate (--intermediate-ca CERT,KEY), sent with the leaf",
    chain: 'own-intermediate',
    leafValidityDays: 30,
    withheldAlpn: NOTHING_WITHHELD,
    tlsVersions: MODERN,
  },
];

export class InspectionProfileError extends Error {
  override name = 'InspectionProfileError';
}

/** The profile named `id`; an unknown name is an error listing the known ones. */
export function inspectionProfile(id: string): InspectionProfile {
  const profile = INSPECTION_PROFILES.find((p) => p.id === id);
  if (!profile)
    throw new InspectionProfileError(
      `"${id.slice(0, 100)}" is not an inspection profile: use one of ${INSPECTION_PROFILES.map((p) => p.id).join(', ')}`,
    );
  return profile;
}

/** The client's ALPN offer as the profile's path passes it on: what the path does not offer is withheld (stripped, as FortiGate's `supported-alpn http1-1` does). */
export function offeredThroughPath(
  profile: InspectionProfile,
  clientOffer: readonly string[],
): { offer: readonly string[]; withheld: readonly string[] } {
  return {
    offer: clientOffer.filter((p) => !profile.withheldAlpn.includes(p)),
    withheld: clientOffer.filter((p) => profile.withheldAlpn.includes(p)),
  };
}

/** Parses `CERT,KEY` (two PEM files, or one holding both) for `--intermediate-ca` / `pinscope.intermediateCa`. */
export function parseIntermediateCa(raw: string): { certFile: string; keyFile: string } {
  const files = raw.split(',').map((f) => f.trim());
  const [certFile, keyFile = certFile] = files;
  if (!certFile || !keyFile || files.length > 2)
    throw new InspectionProfileError(
      `"${raw.slice(0, 200)}" is not an intermediate CA: expected CERT,KEY (two PEM files, or one holding both)`,
    );
  return { certFile, keyFile };
}
