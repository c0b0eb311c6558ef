/**
 * What the strictest certificate parsers and validators that apps use refuse, checked on a DER
 * certificate: Go's crypto/x509, BoringSSL (Chromium, Electron, Android's Conscrypt), NSS, OpenSSL with
 * -x509_strict, GnuTLS, Java, and Apple's and Microsoft's requirements for TLS server certificates. The
 * profile Pinscope issues is written down, with a reason for each choice, in the README ("Certificate
 * profile"). Used to recognise a CA made by an older Pinscope, and by the tests on every forged leaf.
 */
import { X509Certificate } from 'node:crypto';
import { forge } from './forge';
import { parseDer } from './x509';

export type CertificateRole = 'ca' | 'leaf';

/** Apple (and the CA/Browser Forum since 2020): a TLS server certificate may be valid 398 days at most. */
const MAX_LEAF_VALIDITY_DAYS = 398;
/** RFC 5280 4.1.2.2: a serial number is at most 20 octets. */
const MAX_SERIAL_OCTETS = 20;
/** X.680 41.4: the PrintableString character set (no `@`, `;`, `_`, `&`, `*`…). */
const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;

const { Type } = forge.asn1;

function children(node: forge.asn1.Asn1 | undefined): forge.asn1.Asn1[] {
  return Array.isArray(node?.value) ? node.value : [];
}

function bytesOf(node: forge.asn1.Asn1 | undefined): Buffer {
  return Buffer.from(typeof node?.value === 'string' ? node.value : '', 'binary');
}

/** Why a name attribute's value is not valid for its string type, or undefined when it is. */
function stringTypeProblem(node: forge.asn1.Asn1): string | undefined {
  const bytes = bytesOf(node);
  switch (node.type) {
    case Type.PRINTABLESTRING: {
      const text = bytes.toString('latin1');
      const bad = [...new Set(text.replace(/[A-Za-z0-9 '()+,\-./:=?]/g, ''))].map((c) => JSON.stringify(c)).join(' ');
      return PRINTABLE.test(text)
        ? undefined
        : `a PrintableString holds characters outside its set (${bad}): Go's crypto/x509 refuses it ("invalid PrintableString") and Chromium fails with ERR_SSL_SERVER_CERT_BAD_FORMAT`;
    }
    case Type.UTF8: {
      const text = bytes.toString('utf8');
      return Buffer.from(text, 'utf8').equals(bytes) ? undefined : 'a UTF8String is not valid UTF-8';
    }
    case Type.IA5STRING:
      return bytes.every((b) => b < 0x80) ? undefined : 'an IA5String holds non-ASCII bytes';
    default:
      return `a name attribute uses string type ${node.type} (only UTF8String, PrintableString and IA5String are accepted everywhere)`;
  }
}

function nameProblems(name: forge.asn1.Asn1 | undefined, which: string): string[] {
  const problems: string[] = [];
  for (const rdn of children(name)) {
    for (const attribute of children(rdn)) {
      const value = children(attribute)[1];
      const problem = value ? stringTypeProblem(value) : 'a name attribute has no value';
      if (problem) problems.push(`${which}: ${problem}`);
    }
  }
  return problems;
}

function serialProblems(serial: forge.asn1.Asn1 | undefined): string[] {
  const bytes = bytesOf(serial);
  const problems: string[] = [];
  if (bytes.length === 0 || (bytes[0] ?? 0) >= 0x80) problems.push('the serial number is not positive (RFC 5280 4.1.2.2)');
  if (bytes.length > MAX_SERIAL_OCTETS) problems.push(`the serial number is ${bytes.length} octets (RFC 5280 allows 20)`);
  if (bytes.length > 1 && bytes[0] === 0 && (bytes[1] ?? 0) < 0x80)
    problems.push('the serial number is not minimally encoded (Go and BoringSSL refuse non-minimal DER integers)');
  return problems;
}

interface ParsedExtension {
  readonly name?: string;
  readonly critical?: boolean;
  readonly cA?: boolean;
  readonly keyCertSign?: boolean;
  readonly digitalSignature?: boolean;
  readonly serverAuth?: boolean;
  readonly altNames?: readonly unknown[];
}

/** forge's extension reader (typed here: @types/node-forge does not declare it). */
const readExtensions = (extensions: forge.asn1.Asn1): ParsedExtension[] =>
  (forge.pki as unknown as { certificateExtensionsFromAsn1(field: forge.asn1.Asn1): ParsedExtension[] }).certificateExtensionsFromAsn1(
    extensions,
  );

/**
 * The ways `certDer` departs from the profile that every client accepts, in words a user can act on;
 * empty when it conforms.
 */
export function profileProblems(certDer: Buffer, role: CertificateRole): string[] {
  const tbs = children(parseDer(certDer))[0];
  const fields = children(tbs);
  const sameNames = fields[3] && fields[5] && forge.asn1.toDer(fields[3]).getBytes() === forge.asn1.toDer(fields[5]).getBytes();
  const problems = [
    ...serialProblems(fields[1]),
    ...(sameNames ? [] : nameProblems(fields[3], 'issuer name')),
    ...nameProblems(fields[5], sameNames ? 'name' : 'subject name'),
  ];
  const native = new X509Certificate(certDer);
  const extensionsField = fields.find((f) => f.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC && (f.type as number) === 3);
  const extensions = extensionsField ? readExtensions(extensionsField) : [];
  const find = (name: string): ParsedExtension | undefined => extensions.find((e) => e.name === name);
  if (!find('subjectKeyIdentifier') && role === 'ca')
    problems.push('no subjectKeyIdentifier (RFC 5280 4.2.1.2: required in CA certificates; OpenSSL -x509_strict refuses its absence)');
  if (!find('authorityKeyIdentifier') && role === 'leaf')
    problems.push('no authorityKeyIdentifier (RFC 5280 4.2.1.1; required by Apple and OpenSSL -x509_strict)');
  const constraints = find('basicConstraints');
  const usage = find('keyUsage');
  if (role === 'ca') {
    if (!constraints?.cA) problems.push('basicConstraints does not say CA:TRUE');
    else if (!constraints.critical) problems.push('basicConstraints is not critical (RFC 5280 4.2.1.9; OpenSSL -x509_strict refuses it)');
    if (!usage?.keyCertSign) problems.push('keyUsage lacks keyCertSign (RFC 5280 4.2.1.3)');
  } else {
    if (constraints?.cA) problems.push('a leaf says CA:TRUE');
    if (!usage?.digitalSignature) problems.push('keyUsage lacks digitalSignature (needed for a TLS 1.3 / ECDHE signature)');
    if (!find('extKeyUsage')?.serverAuth) problems.push('extKeyUsage lacks serverAuth (required by Apple, Chromium and Go)');
    if (!find('subjectAltName')?.altNames?.length)
      problems.push('no subjectAltName (required by Apple, Chromium, Go and RFC 6125; the common name is ignored)');
    const days = (Date.parse(native.validTo) - Date.parse(native.validFrom)) / 86_400_000;
    if (days > MAX_LEAF_VALIDITY_DAYS)
      problems.push(`valid for ${Math.round(days)} days (Apple and Chromium accept at most ${MAX_LEAF_VALIDITY_DAYS})`);
  }
  return problems;
}
