/**
 * Certificate building: node-forge assembles the certificate, Node's native crypto computes the
 * signature over the TBSCertificate (forge's pure-JavaScript RSA is far slower: docs/performance.md).
 */
import { createHash, randomBytes, sign, type KeyObject } from 'node:crypto';
import { forge } from './forge';

export type ForgeCertificate = forge.pki.Certificate;
export type Extension = Record<string, unknown> & { name: string };

export interface CertificateTemplate {
  readonly subject: readonly forge.pki.CertificateField[];
  readonly issuer: readonly forge.pki.CertificateField[];
  readonly publicKey: forge.pki.PublicKey;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly extensions: readonly Extension[];
  /**
   * A DER SubjectPublicKeyInfo to put in place of `publicKey`'s: node-forge cannot encode EC keys, so the
   * certificate is built around a placeholder RSA key and the real (EC) key is swapped into the TBS.
   */
  readonly spkiDer?: Buffer;
  /**
   * The issuer's DER Name, copied byte for byte from the issuing certificate's subject: path building
   * compares names as bytes in several validators, and forge would re-encode a parsed UTF8String twice.
   */
  readonly issuerDer?: Buffer;
}

/** Name attributes as UTF8String (RFC 5280 4.1.2.4: "MUST use UTF8String" for new names): forge's default is PrintableString. */
export function utf8Name(attributes: readonly { name: string; value: string }[]): forge.pki.CertificateField[] {
  // @types/node-forge types valueTagClass as an ASN.1 class; forge reads it as the universal tag number.
  return attributes.map((attribute) => ({ ...attribute, valueTagClass: forge.asn1.Type.UTF8 as unknown as forge.asn1.Class }));
}

/**
 * DER → forge ASN.1 with BIT STRING contents kept as bytes. forge's default tries to parse every BIT
 * STRING as nested ASN.1, which succeeds by chance for some EC points and then loses their bytes.
 * (@types/node-forge declares only the older boolean option.)
 */
const fromDer = forge.asn1.fromDer as unknown as (bytes: string, options: { decodeBitStrings: boolean }) => forge.asn1.Asn1;
export function parseDer(der: Buffer): forge.asn1.Asn1 {
  return fromDer(der.toString('binary'), { decodeBitStrings: false });
}

/**
 * A positive, random serial number of exactly 16 octets in hex (RFC 5280 4.1.2.2: positive, at most 20
 * octets). The first octet is 0x01–0x7f: 0x00 followed by an octet below 0x80 would be a non-minimal DER
 * INTEGER, which Go's and BoringSSL's parsers refuse.
 */
export function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) % 0x7f) + 1;
  return bytes.toString('hex');
}

/** Builds a certificate from the template and signs it (sha256WithRSAEncryption) with the issuer's key. */
export function buildSignedCertificate(template: CertificateTemplate, issuerKey: KeyObject): ForgeCertificate {
  const cert = forge.pki.createCertificate();
  cert.serialNumber = randomSerial();
  cert.publicKey = template.publicKey;
  cert.validity.notBefore = template.notBefore;
  cert.validity.notAfter = template.notAfter;
  cert.setSubject([...template.subject]);
  cert.setIssuer([...template.issuer]);
  cert.setExtensions([...template.extensions]);
  const sha256WithRsa = forge.pki.oids['sha256WithRSAEncryption'] ?? '1.2.840.113549.1.1.11';
  cert.signatureOid = sha256WithRsa;
  (cert as unknown as { siginfo: { algorithmOid: string } }).siginfo.algorithmOid = sha256WithRsa;
  const tbsAsn1 = (forge.pki as unknown as { getTBSCertificate(c: ForgeCertificate): forge.asn1.Asn1 }).getTBSCertificate(cert);
  // TBSCertificate: [0] version, serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo, [3] extensions
  if (template.issuerDer) (tbsAsn1.value as forge.asn1.Asn1[])[3] = parseDer(template.issuerDer);
  if (template.spkiDer) (tbsAsn1.value as forge.asn1.Asn1[])[6] = parseDer(template.spkiDer);
  const tbs = Buffer.from(forge.asn1.toDer(tbsAsn1).getBytes(), 'binary');
  cert.signature = sign('sha256', tbs, issuerKey).toString('binary');
  // certificateToAsn1 prefers this cached TBS, so the swapped key is what gets encoded.
  (cert as unknown as { tbsCertificate: forge.asn1.Asn1 }).tbsCertificate = tbsAsn1;
  return cert;
}

export function octetString(bytes: string): forge.asn1.Asn1 {
  return forge.asn1.create(forge.asn1.Class.UNIVERSAL, forge.asn1.Type.OCTETSTRING, false, bytes);
}

/** The DER of a certificate's subject Name, exactly as encoded in `certDer`. */
export function subjectNameDer(certDer: Buffer): Buffer {
  const tbs = (parseDer(certDer).value as forge.asn1.Asn1[])[0];
  const subject = (tbs?.value as forge.asn1.Asn1[] | undefined)?.[5];
  if (!subject) throw new Error('not a certificate');
  return Buffer.from(forge.asn1.toDer(subject).getBytes(), 'binary');
}

export function certificateToDer(cert: ForgeCertificate): Buffer {
  return Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes(), 'binary');
}

/** SHA-1 over the subjectPublicKey bits of a DER SubjectPublicKeyInfo (RFC 5280 4.2.1.2 method 1). */
export function spkiKeyIdentifier(spkiDer: Buffer): string {
  const spki = parseDer(spkiDer);
  const bits = (spki.value as forge.asn1.Asn1[])[1]?.value;
  if (typeof bits !== 'string') throw new Error('not a SubjectPublicKeyInfo');
  return createHash('sha1')
    .update(Buffer.from(bits.slice(1), 'binary'))
    .digest()
    .toString('binary');
}

/** SHA-1 over the subjectPublicKey bits, the usual subjectKeyIdentifier (RFC 5280 4.2.1.2 method 1). */
export function keyIdentifier(publicKey: forge.pki.PublicKey): string {
  const rsaPublicKey: forge.asn1.Asn1 = (
    forge.pki as unknown as { publicKeyToRSAPublicKey(key: forge.pki.PublicKey): forge.asn1.Asn1 }
  ).publicKeyToRSAPublicKey(publicKey);
  const rsaPublicKeyDer = forge.asn1.toDer(rsaPublicKey).getBytes();
  return createHash('sha1').update(Buffer.from(rsaPublicKeyDer, 'binary')).digest().toString('binary');
}

/** The SHA-256 pin of a DER SubjectPublicKeyInfo, base64, as used by HPKP, curl --pinnedpubkey and OkHttp. */
export function spkiPin(spkiDer: Buffer): string {
  return createHash('sha256').update(spkiDer).digest('base64');
}
