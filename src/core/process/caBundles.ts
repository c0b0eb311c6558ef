/**
 * Does a trust file actually contain the Pinscope CA? PEM bundles are compared certificate by certificate
 * (DER equality); DER files, Java keystores (JKS stores certificates as plain DER) and PKCS#12 files are
 * searched for the CA's DER bytes. Answers are cached by path, size and modification time.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** true: contains the CA; false: readable and does not; null: cannot tell (unreadable, encrypted, too big). */
export type Inclusion = boolean | null;

const MAX_FILE_BYTES = 32 * 1024 * 1024;
const MAX_DIRECTORY_FILES = 4_000;
const JKS_MAGIC = 0xfeedfeed;

/** The DER of every PEM certificate in a text. */
export function pemCertificates(text: string): Buffer[] {
  const found: Buffer[] = [];
  const pattern = /-----BEGIN (?:TRUSTED )?CERTIFICATE-----([\s\S]*?)-----END (?:TRUSTED )?CERTIFICATE-----/g;
  for (let match = pattern.exec(text); match; match = pattern.exec(text))
    found.push(Buffer.from((match[1] ?? '').replace(/\s+/g, ''), 'base64'));
  return found;
}

/** Pure: does this file content contain the CA? */
function contentIncludes(content: Buffer, caDer: Buffer): Inclusion {
  const head = content.subarray(0, 64 * 1024).toString('latin1');
  if (head.includes('-----BEGIN')) return pemCertificates(content.toString('latin1')).some((der) => der.equals(caDer));
  if (content.includes(caDer)) return true;
  if (content.length >= 4 && content.readUInt32BE(0) === JKS_MAGIC) return false;
  if (content[0] === 0x30) return content.length === caDer.length ? false : null; // a DER certificate, or PKCS#12 (maybe encrypted)
  return false;
}

export class CaInclusionCache {
  private readonly files = new Map<string, { stamp: string; answer: Inclusion }>();

  constructor(private readonly caDer: Buffer) {}

  async file(path: string): Promise<Inclusion> {
    const info = await stat(path).catch(() => null);
    if (!info?.isFile()) return info?.isDirectory() ? this.directory(path) : null;
    if (info.size > MAX_FILE_BYTES) return null;
    const stamp = `${info.size}:${info.mtimeMs}`;
    const known = this.files.get(path);
    if (known?.stamp === stamp) return known.answer;
    const content = await readFile(path).catch(() => null);
    const answer = content ? contentIncludes(content, this.caDer) : null;
    this.files.set(path, { stamp, answer });
    return answer;
  }

  /** An OpenSSL-style certificate directory (SSL_CERT_DIR may list several, colon-separated). */
  async directory(list: string): Promise<Inclusion> {
    let readable = false;
    for (const dir of list.split(':').filter(Boolean)) {
      const names = await readdir(dir).catch(() => null);
      if (!names) continue;
      readable = true;
      for (const name of names.slice(0, MAX_DIRECTORY_FILES)) {
        if (!/\.(?:pem|crt|cer|\d+)$/i.test(name)) continue;
        if ((await this.file(join(dir, name))) === true) return true;
      }
    }
    return readable ? false : null;
  }
}

/** Where Linux distributions keep the system CA bundle, most common first. */
export const LINUX_SYSTEM_BUNDLES = [
  '/etc/ssl/certs/ca-certificates.crt',
  '/etc/pki/tls/certs/ca-bundle.crt',
  '/etc/ssl/ca-bundle.pem',
  '/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem',
  '/etc/ssl/cert.pem',
] as const;
