/**
 * A Java trust store (JKS) holding the trust bundle's certificates, written without keytool: the JVM's
 * `javax.net.ssl.trustStore` *replaces* its roots, so it gets the public roots plus the Pinscope CA.
 * JKS rather than PKCS#12 because every JVM still in use reads it (a PKCS#12 store needs Oracle's
 * trusted-key-usage attribute on each certificate bag, and older JVMs ignore certificate-only stores).
 *
 * Format (sun.security.provider.JavaKeyStore): magic 0xFEEDFEED, version 2, entry count; per trusted
 * certificate: tag 2, alias (modified UTF-8), creation time (ms), type "X.509", DER length and bytes;
 * then SHA-1 over the password as UTF-16BE, the words "Mighty Aphrodite" and everything before.
 */
import { createHash } from 'node:crypto';

export const JAVA_TRUST_STORE_FILE = 'pinscope-truststore.jks';
/** Public data only (certificates), so a well-known password, as the JDK's own `cacerts` has. */
export const JAVA_TRUST_STORE_PASSWORD = 'changeit';

const MAGIC = 0xfeedfeed;
const VERSION = 2;
const TRUSTED_CERTIFICATE = 2;

export function pemCertificates(pem: string): Buffer[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((block) => Buffer.from(block.replace(/-----(BEGIN|END) CERTIFICATE-----|\s/g, ''), 'base64'));
}

export function javaTrustStore(certificates: readonly Buffer[], createdAt: Date, password = JAVA_TRUST_STORE_PASSWORD): Buffer {
  const parts: Buffer[] = [int32(MAGIC), int32(VERSION), int32(certificates.length)];
  certificates.forEach((der, index) => {
    parts.push(int32(TRUSTED_CERTIFICATE), utf(`pinscope-${index}`), int64(createdAt.getTime()), utf('X.509'), int32(der.length), der);
  });
  const body = Buffer.concat(parts);
  const passwordBytes = Buffer.from(password, 'utf16le').swap16();
  const digest = createHash('sha1').update(passwordBytes).update('Mighty Aphrodite', 'utf8').update(body).digest();
  return Buffer.concat([body, digest]);
}

function int32(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt32BE(value);
  return buffer;
}

function int64(value: number): Buffer {
  const buffer = Buffer.alloc(8);
  buffer.writeBigInt64BE(BigInt(value));
  return buffer;
}

/** Java's DataOutput.writeUTF for ASCII text (the aliases and type names here are ASCII). */
function utf(text: string): Buffer {
  const bytes = Buffer.from(text, 'ascii');
  return Buffer.concat([Buffer.from([bytes.length >> 8, bytes.length & 0xff]), bytes]);
}
