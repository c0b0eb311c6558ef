/**
 * The per-installation certificate authority that signs every forged certificate. Generated on first
 * use, stored owner-only in a folder the caller chooses, reused afterwards; a damaged CA is reported,
 * never silently replaced (the user may have trusted it in several places).
 */
import { X509Certificate, createPrivateKey, generateKeyPair, randomUUID, type KeyObject } from 'node:crypto';
import { chmod, mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { forge } from './forge';
import { errorMessage } from './errors';
import { buildSignedCertificate, certificateToDer, keyIdentifier, octetString, spkiPin, type ForgeCertificate } from './x509';

export const CA_CERT_FILE = 'pinscope-ca.pem';
export const CA_KEY_FILE = 'pinscope-ca-key.pem';
const CA_LIFETIME_DAYS = 3650;
const CA_BACKDATE_MS = 24 * 60 * 60 * 1000;

export class CertificateAuthorityError extends Error {
  constructor(message: string, readonly directory: string) {
    super(message);
    this.name = 'CertificateAuthorityError';
  }
}

export interface CertificateAuthority {
  readonly directory: string;
  readonly certPath: string;
  readonly certPem: string;
  readonly certDer: Buffer;
  readonly cert: ForgeCertificate;
  /** The issuer's native private key, used only to sign; never serialised by this module's callers. */
  readonly key: KeyObject;
  readonly keyIdentifier: string;
  readonly pin: string;
  readonly fingerprint256: string;
  readonly created: boolean;
}

const generateRsaKeyPair = promisify(generateKeyPair);

/** Loads the CA from `directory`, creating it there when the folder holds none. */
export async function loadOrCreateCertificateAuthority(directory: string): Promise<CertificateAuthority> {
  const certPath = join(directory, CA_CERT_FILE);
  const keyPath = join(directory, CA_KEY_FILE);
  const [certExists, keyExists] = await Promise.all([exists(certPath), exists(keyPath)]);
  if (certExists && keyExists) return loadCertificateAuthority(directory);
  if (certExists !== keyExists) {
    const missing = certExists ? keyPath : certPath;
    throw new CertificateAuthorityError(
      `The Pinscope CA in ${directory} is incomplete: ${missing} is missing. Restore it, or move the folder aside to generate a new CA (apps that trusted the old one must then trust the new one).`,
      directory,
    );
  }
  return createCertificateAuthority(directory);
}

async function loadCertificateAuthority(directory: string): Promise<CertificateAuthority> {
  const certPath = join(directory, CA_CERT_FILE);
  const keyPath = join(directory, CA_KEY_FILE);
  try {
    const [certPem, keyPem] = await Promise.all([readFile(certPath, 'utf8'), readFile(keyPath, 'utf8')]);
    const key = createPrivateKey(keyPem);
    const native = new X509Certificate(certPem);
    if (!native.checkPrivateKey(key)) throw new Error('the private key does not belong to the certificate');
    if (!native.ca) throw new Error('the certificate is not a CA certificate');
    return describe(directory, forge.pki.certificateFromPem(certPem), key, false);
  } catch (error) {
    // The reason comes from the parser, never from the key's bytes.
    throw new CertificateAuthorityError(
      `The Pinscope CA in ${directory} cannot be read (${errorMessage(error)}). Restore ${CA_CERT_FILE} and ${CA_KEY_FILE}, or move the folder aside to generate a new CA.`,
      directory,
    );
  }
}

async function createCertificateAuthority(directory: string): Promise<CertificateAuthority> {
  try {
    await mkdir(directory, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new CertificateAuthorityError(`Cannot create the CA folder ${directory}: ${errorMessage(error)}`, directory);
  }
  const { privateKey, publicKey } = await generateRsaKeyPair('rsa', { modulusLength: 2048 });
  const forgePublicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  const name = [
    { name: 'commonName', value: `Pinscope Inspection CA (${userInfo().username}@${hostname()})`.slice(0, 64) },
    { name: 'organizationName', value: 'Pinscope local TLS inspection (not a public CA)' },
    { name: 'organizationalUnitName', value: 'Generated on this machine; do not share its key' },
  ];
  const ski = keyIdentifier(forgePublicKey);
  const now = Date.now();
  const cert = buildSignedCertificate(
    {
      subject: name,
      issuer: name,
      publicKey: forgePublicKey,
      notBefore: new Date(now - CA_BACKDATE_MS),
      notAfter: new Date(now + CA_LIFETIME_DAYS * 24 * 60 * 60 * 1000),
      extensions: [
        { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
        { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
        { name: 'subjectKeyIdentifier', value: octetString(ski) },
      ],
    },
    privateKey,
  );
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  try {
    await writeAtomically(join(directory, CA_KEY_FILE), keyPem, 0o600);
    await writeAtomically(join(directory, CA_CERT_FILE), forge.pki.certificateToPem(cert), 0o644);
  } catch (error) {
    await rm(join(directory, CA_KEY_FILE), { force: true });
    throw new CertificateAuthorityError(`Cannot write the CA into ${directory}: ${errorMessage(error)}`, directory);
  }
  return describe(directory, cert, privateKey, true);
}

function describe(directory: string, cert: ForgeCertificate, key: KeyObject, created: boolean): CertificateAuthority {
  const certDer = certificateToDer(cert);
  const native = new X509Certificate(certDer);
  return {
    directory,
    certPath: join(directory, CA_CERT_FILE),
    certPem: forge.pki.certificateToPem(cert),
    certDer,
    cert,
    key,
    keyIdentifier: keyIdentifier(cert.publicKey),
    pin: spkiPin(native.publicKey.export({ type: 'spki', format: 'der' })),
    fingerprint256: native.fingerprint256,
    created,
  };
}

/** Writes to a temporary file with its final mode, flushes, then renames: no half-written file is ever visible. */
export async function writeAtomically(path: string, content: string | Buffer, mode: number): Promise<void> {
  const temporary = `${path}.${randomUUID()}.tmp`;
  const handle = await open(temporary, 'wx', mode);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await chmod(temporary, mode);
  await rename(temporary, path);
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
