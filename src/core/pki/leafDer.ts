/**
 * Forged leaf certificates encoded directly in DER. Every leaf of a process shares its issuer, key and
 * fixed extensions: those are encoded once (by node-forge), and each leaf only adds its serial number,
 * validity, subject and subjectAltName around them. node-forge building and encoding the whole
 * certificate took ~0.35 ms per new host, more than the RSA signature itself (docs/performance.md). The
 * bytes are those node-forge would produce for the same fields (test/core/pki/leafDer.test.ts).
 */
import { sign, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import { forge } from './forge';
import type { Extension } from './x509';

/** The fields of one leaf. */
export interface LeafFields {
  /** Hex, as randomSerial() makes it. */
  readonly serialHex: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** Name attributes in order (UTF8String values), e.g. commonName then organizationName. */
  readonly subject: readonly { readonly oid: string; readonly value: string }[];
  /** A DNS name or an IP address. */
  readonly altName: string;
}

const SHA256_WITH_RSA = Buffer.from('300d06092a864886f70d01010b0500', 'hex');
const VERSION_3 = Buffer.from('a003020102', 'hex');
const SUBJECT_ALT_NAME_OID = Buffer.from('0603551d11', 'hex');

/** A DER TLV: tag, definite length, content. */
function tlv(tag: number, ...content: readonly Buffer[]): Buffer {
  const length = content.reduce((sum, part) => sum + part.length, 0);
  const head =
    length < 0x80
      ? [tag, length]
      : length < 0x100
        ? [tag, 0x81, length]
        : length < 0x10000
          ? [tag, 0x82, length >> 8, length & 0xff]
          : [tag, 0x83, length >> 16, (length >> 8) & 0xff, length & 0xff];
  return Buffer.concat([Buffer.from(head), ...content]);
}

const two = (n: number): string => String(n).padStart(2, '0');

/** UTCTime from 1950 to 2049, GeneralizedTime otherwise (RFC 5280 4.1.2.5), in whole seconds as node-forge writes them. */
function time(date: Date): Buffer {
  const year = date.getUTCFullYear();
  const rest = `${two(date.getUTCMonth() + 1)}${two(date.getUTCDate())}${two(date.getUTCHours())}${two(date.getUTCMinutes())}${two(date.getUTCSeconds())}Z`;
  if (year >= 1950 && year < 2050) return tlv(0x17, Buffer.from(`${two(year % 100)}${rest}`, 'latin1'));
  return tlv(0x18, Buffer.from(`${String(year).padStart(4, '0')}${rest}`, 'latin1'));
}

const oids = new Map<string, Buffer>();
function oid(dotted: string): Buffer {
  let encoded = oids.get(dotted);
  if (!encoded) {
    encoded = tlv(0x06, Buffer.from(forge.asn1.oidToDer(dotted).getBytes(), 'binary'));
    oids.set(dotted, encoded);
  }
  return encoded;
}

export class LeafDer {
  private readonly extensionsDer: Buffer;

  /**
   * `issuerDer`: the issuer's Name as encoded in its certificate; `spkiDer`: the leaves' public key;
   * `extensions`: those every leaf carries, in node-forge's form (the subjectAltName is added per leaf, last).
   */
  constructor(
    private readonly issuerDer: Buffer,
    private readonly spkiDer: Buffer,
    extensions: readonly Extension[],
    private readonly issuerKey: KeyObject,
  ) {
    // node-forge fills each extension's value in (setExtensions), then encodes it.
    const holder = forge.pki.createCertificate();
    holder.setExtensions([...extensions]);
    const encoded = (holder.extensions as unknown as object[]).map((extension) =>
      Buffer.from(
        forge.asn1
          .toDer((forge.pki as unknown as { certificateExtensionToAsn1(e: object): forge.asn1.Asn1 }).certificateExtensionToAsn1(extension))
          .getBytes(),
        'binary',
      ),
    );
    this.extensionsDer = Buffer.concat(encoded);
  }

  /** The signed certificate, DER. */
  certificate(fields: LeafFields): Buffer {
    const subject = tlv(
      0x30,
      ...fields.subject.map((attribute) => tlv(0x31, tlv(0x30, oid(attribute.oid), tlv(0x0c, Buffer.from(attribute.value, 'utf8'))))),
    );
    const tbs = tlv(
      0x30,
      VERSION_3,
      tlv(0x02, Buffer.from(fields.serialHex, 'hex')),
      SHA256_WITH_RSA,
      this.issuerDer,
      tlv(0x30, time(fields.notBefore), time(fields.notAfter)),
      subject,
      this.spkiDer,
      tlv(0xa3, tlv(0x30, this.extensionsDer, subjectAltName(fields.altName))),
    );
    const signature = sign('sha256', tbs, this.issuerKey);
    return tlv(0x30, tbs, SHA256_WITH_RSA, tlv(0x03, Buffer.from([0]), signature));
  }
}

/** The subjectAltName extension naming one DNS name ([2] dNSName) or IP address ([7] iPAddress). */
function subjectAltName(name: string): Buffer {
  const generalName = isIP(name)
    ? tlv(0x87, Buffer.from((forge.util as unknown as { bytesFromIP(ip: string): string | null }).bytesFromIP(name) ?? '', 'binary'))
    : tlv(0x82, Buffer.from(name, 'latin1'));
  return tlv(0x30, SUBJECT_ALT_NAME_OID, tlv(0x04, tlv(0x30, generalName)));
}

/** PEM as node-forge writes it: CRLF line ends, 64 base64 characters a line. */
export function derToPem(der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\r\n${lines.join('\r\n')}\r\n-----END CERTIFICATE-----\r\n`;
}
