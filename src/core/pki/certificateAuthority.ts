/**
 * The per-installation certificate authority that signs every forged certificate. Generated on first
 * use, stored owner-only in a folder the caller chooses, reused afterwards; a damaged CA is reported,
 * never silently replaced (the user may have trusted it in several places). A CA that strict parsers
 * refuse (made by an older Pinscope) is loaded with its problems listed, and replaced only by
 * `renewCertificateAuthority`, which keeps the old files as a dated backup.
 */
import { X509Certificate, createPrivateKey, generateKeyPair, randomUUID, type KeyObject } from 'node:crypto';
import { chmod, lstat, mkdir, open, rename, rm } from 'node:fs/promises';
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { forge } from './forge';
import { errorMessage } from '../errors';
import {
  FOLDER_MODE,
  KEY_MODE,
  CERT_MODE,
  UnsafeCaFolderError,
  readCaFile,
  secureFolder,
  withCreationLock,
  creationUnderway,
} from './caFolder';
import { profileProblems } from './certificateProfile';
import { buildSignedCertificate, certificateToDer, keyIdentifier, octetString, spkiPin, utf8Name, type ForgeCertificate } from './x509';

export const CA_CERT_FILE = 'pinscope-ca.pem';
export const CA_KEY_FILE = 'pinscope-ca-key.pem';
const CA_LIFETIME_DAYS = 3650;
const CA_BACKDATE_MS = 24 * 60 * 60 * 1000;

export class CertificateAuthorityError extends Error {
  constructor(
    message: string,
    readonly directory: string,
  ) {
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
  /**
   * Why strict clients refuse this CA (empty when it conforms): a CA made by an older Pinscope. It still
   * works for the clients that accept it; `renewCertificateAuthority` replaces it on the user's request.
   */
  readonly problems: readonly string[];
  /** What was repaired in the folder on loading (too-open modes), to be shown to the user. */
  readonly notices: readonly string[];
}

const generateRsaKeyPair = promisify(generateKeyPair);

/**
 * What is wrong with a CA that strict clients refuse, and what it breaks, in plain words; undefined when
 * the CA conforms. Callers add the action that replaces it (`pinscope ca --renew`, a button).
 */
export function outdatedCaWarning(ca: CertificateAuthority): string | undefined {
  if (ca.problems.length === 0) return undefined;
  return (
    `The Pinscope CA in ${ca.directory} was made by an older Pinscope and strict TLS clients refuse it (${ca.problems.join('; ')}). ` +
    'Go programs (gh, kubectl, terraform, the Docker CLI) and Chromium-based apps (Chrome, Edge, Electron) then fail under Pinscope as if they did not trust it, and are reported as breaking although they do not. ' +
    'Create a new CA (the old files are kept as a dated backup), then trust the new certificate wherever you trusted the old one: OS store, browsers, emulators, NODE_EXTRA_CA_CERTS, Java trust stores.'
  );
}

/** Loads the CA from `directory`, creating it there when the folder holds none. */
export async function loadOrCreateCertificateAuthority(directory: string): Promise<CertificateAuthority> {
  const certPath = join(directory, CA_CERT_FILE);
  const keyPath = join(directory, CA_KEY_FILE);
  const [certExists, keyExists] = await Promise.all([exists(certPath), exists(keyPath)]);
  if (certExists && keyExists) return loadCertificateAuthority(directory);
  if (certExists !== keyExists) {
    // Half written by a concurrent first start that still holds the creation lock: wait for it.
    if (await creationUnderway(directory)) return createOnce(directory);
    const missing = certExists ? keyPath : certPath;
    throw new CertificateAuthorityError(
      `The Pinscope CA in ${directory} is incomplete: ${missing} is missing. Restore it, or move the folder aside to generate a new CA (apps that trusted the old one must then trust the new one).`,
      directory,
    );
  }
  return createOnce(directory);
}

/** Creates the CA unless a concurrent first start did (under the folder's creation lock), then loads it. */
async function createOnce(directory: string): Promise<CertificateAuthority> {
  try {
    await mkdir(directory, { recursive: true, mode: FOLDER_MODE });
  } catch (error) {
    throw new CertificateAuthorityError(`Cannot create the CA folder ${directory}: ${errorMessage(error)}`, directory);
  }
  try {
    return await withCreationLock(directory, async () => {
      const present = await Promise.all([exists(join(directory, CA_CERT_FILE)), exists(join(directory, CA_KEY_FILE))]);
      return present.every(Boolean) ? loadCertificateAuthority(directory) : createCertificateAuthority(directory);
    });
  } catch (error) {
    if (error instanceof CertificateAuthorityError) throw error;
    throw new CertificateAuthorityError(`Cannot create the CA in ${directory}: ${errorMessage(error)}`, directory);
  }
}

async function loadCertificateAuthority(directory: string): Promise<CertificateAuthority> {
  const certPath = join(directory, CA_CERT_FILE);
  const keyPath = join(directory, CA_KEY_FILE);
  const notices = await checkedFolder(directory);
  try {
    const [cert, keyFile] = [await readCaFile(certPath, 'certificate'), await readCaFile(keyPath, 'key')];
    const key = createPrivateKey(keyFile.text);
    const native = new X509Certificate(cert.text);
    if (!native.checkPrivateKey(key)) throw new Error('the private key does not belong to the certificate');
    if (!native.ca) throw new Error('the certificate is not a CA certificate');
    return describe(directory, forge.pki.certificateFromPem(cert.text), key, false, [...notices, ...cert.notices, ...keyFile.notices]);
  } catch (error) {
    if (error instanceof UnsafeCaFolderError) throw new CertificateAuthorityError(error.message, directory);
    // The reason comes from the parser, never from the key's bytes.
    throw new CertificateAuthorityError(
      `The Pinscope CA in ${directory} cannot be read (${errorMessage(error)}). Restore ${CA_CERT_FILE} and ${CA_KEY_FILE}, or move the folder aside to generate a new CA.`,
      directory,
    );
  }
}

/** The folder's safety checks, as a CertificateAuthorityError when it must be refused. */
async function checkedFolder(directory: string): Promise<string[]> {
  try {
    return await secureFolder(directory);
  } catch (error) {
    if (error instanceof UnsafeCaFolderError) throw new CertificateAuthorityError(error.message, directory);
    throw new CertificateAuthorityError(`Cannot use the CA folder ${directory}: ${errorMessage(error)}`, directory);
  }
}

/** At most `max` characters (code points, so a surrogate pair is never cut), without control characters. */
function nameValue(text: string, max: number): string {
  // eslint-disable-next-line no-control-regex
  return Array.from(text.replace(/[\u0000-\u001f\u007f-\u009f]/g, ''))
    .slice(0, max)
    .join('');
}

/** The CA's subject (and issuer): UTF8String values, since the user and host names may hold any character. */
export function caName(user = userInfo().username, host = hostname()): forge.pki.CertificateField[] {
  return utf8Name([
    { name: 'commonName', value: nameValue(`Pinscope Inspection CA (${user}@${host})`, 64) },
    { name: 'organizationName', value: 'Pinscope local TLS inspection (not a public CA)' },
    { name: 'organizationalUnitName', value: 'Generated on this machine; do not share its key' },
  ]);
}

async function createCertificateAuthority(directory: string): Promise<CertificateAuthority> {
  try {
    await mkdir(directory, { recursive: true, mode: FOLDER_MODE });
  } catch (error) {
    throw new CertificateAuthorityError(`Cannot create the CA folder ${directory}: ${errorMessage(error)}`, directory);
  }
  // An existing (empty) folder keeps its mode through mkdir: check it like a loaded one.
  const notices = await checkedFolder(directory);
  const { privateKey, publicKey } = await generateRsaKeyPair('rsa', { modulusLength: 2048 });
  const forgePublicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  const name = caName();
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
        // One intermediate may sit below: the inspection profiles' (inspectionChain.ts), as real boxes have.
        { name: 'basicConstraints', cA: true, pathLenConstraint: 1, critical: true },
        { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
        { name: 'subjectKeyIdentifier', value: octetString(ski) },
        { name: 'authorityKeyIdentifier', keyIdentifier: ski },
      ],
    },
    privateKey,
  );
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  try {
    await writeAtomically(join(directory, CA_KEY_FILE), keyPem, KEY_MODE);
    await writeAtomically(join(directory, CA_CERT_FILE), forge.pki.certificateToPem(cert), CERT_MODE);
  } catch (error) {
    await rm(join(directory, CA_KEY_FILE), { force: true });
    throw new CertificateAuthorityError(`Cannot write the CA into ${directory}: ${errorMessage(error)}`, directory);
  }
  return describe(directory, cert, privateKey, true, notices);
}

/**
 * Replaces the CA in `directory` with a new one, on the user's explicit request: the old certificate and
 * key move into a dated backup folder beside them (kept owner-only). Returns the new CA and the backup.
 */
export async function renewCertificateAuthority(
  directory: string,
  now = new Date(),
): Promise<{ ca: CertificateAuthority; backup: string | undefined }> {
  const certPath = join(directory, CA_CERT_FILE);
  const keyPath = join(directory, CA_KEY_FILE);
  const present = [(await exists(certPath)) ? CA_CERT_FILE : undefined, (await exists(keyPath)) ? CA_KEY_FILE : undefined].filter(
    (f): f is string => f !== undefined,
  );
  let backup: string | undefined;
  if (present.length > 0) {
    await checkedFolder(directory);
    backup = join(directory, `backup-${now.toISOString().replace(/[:.]/g, '-')}`);
    try {
      await mkdir(backup, { mode: FOLDER_MODE });
      for (const file of present) await rename(join(directory, file), join(backup, file));
    } catch (error) {
      throw new CertificateAuthorityError(
        `Cannot move the old CA into ${backup}: ${errorMessage(error)}. Nothing was replaced.`,
        directory,
      );
    }
  }
  return { ca: await createCertificateAuthority(directory), backup };
}

function describe(
  directory: string,
  cert: ForgeCertificate,
  key: KeyObject,
  created: boolean,
  notices: readonly string[],
): CertificateAuthority {
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
    problems: profileProblems(certDer, 'ca'),
    notices,
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

/** Whether anything (a dangling symbolic link included) is at `path`. */
async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}
