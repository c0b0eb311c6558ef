/**
 * Who signs the forged leaves under an inspection profile, and what is sent with them: the Pinscope root
 * itself (`generic`); an inspection intermediate made once per installation in the CA folder and signed by
 * the root (the vendor profiles: "signed by the Zscaler intermediate CA"); or the organisation's own
 * intermediate (`--intermediate-ca CERT,KEY`). The intermediate's certificate and key live together in one
 * owner-only file, written atomically, so two first starts at once can never leave a key beside another
 * key's certificate (the later one wins; both were signed by the same root).
 */
import { X509Certificate, createPrivateKey, generateKeyPair, type KeyObject } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { forge } from './forge';
import { errorMessage } from '../errors';
import { FOLDER_MODE, KEY_MODE, readCaFile, secureFolder } from './caFolder';
import { writeAtomically, type CertificateAuthority } from './certificateAuthority';
import type { InspectionProfile } from './inspectionProfiles';
import { profileProblems } from './certificateProfile';
import { buildSignedCertificate, certificateToDer, keyIdentifier, octetString, utf8Name, type ForgeCertificate } from './x509';

/** What signs the leaves: the fields of a CertificateAuthority the forging needs. */
export interface LeafIssuer {
  readonly cert: ForgeCertificate;
  readonly certDer: Buffer;
  /** Native key, used only to sign. */
  readonly key: KeyObject;
  readonly keyIdentifier: string;
}

export interface InspectionChain {
  readonly profile: InspectionProfile;
  readonly issuer: LeafIssuer;
  /** The certificates sent after each leaf (PEM, the intermediate first); empty for the root. */
  readonly chainPem: string;
  /** Where the intermediate lives, when there is one. */
  readonly intermediatePath?: string;
}

export class InspectionChainError extends Error {
  override name = 'InspectionChainError';
}

/** The CA folder's sub-folder for profile intermediates. */
const PROFILES_FOLDER = 'profiles';
const INTERMEDIATE_LIFETIME_DAYS = 3650;
const BACKDATE_MS = 24 * 60 * 60 * 1000;
const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\r\n]+?-----END CERTIFICATE-----/g;
const PEM_PRIVATE_KEY = /-----BEGIN (?:RSA |EC )?PRIVATE KEY-----\r?\n[A-Za-z0-9+/=\r\n]+?-----END (?:RSA |EC )?PRIVATE KEY-----/;
const generateRsaKeyPair = promisify(generateKeyPair);

/** The chain a profile serves, made or loaded; `ownIntermediate` is `--intermediate-ca` for the `own-intermediate` profile. */
export async function loadInspectionChain(
  ca: CertificateAuthority,
  profile: InspectionProfile,
  ownIntermediate?: { certFile: string; keyFile: string },
): Promise<InspectionChain> {
  if (profile.chain === 'root') {
    if (ownIntermediate) throw new InspectionChainError(`--intermediate-ca is used by the own-intermediate profile, not by ${profile.id}`);
    return { profile, issuer: ca, chainPem: '' };
  }
  if (profile.chain === 'own-intermediate') {
    if (!ownIntermediate)
      throw new InspectionChainError(
        "the own-intermediate profile needs the organisation's intermediate: --intermediate-ca CERT,KEY (setting pinscope.intermediateCa)",
      );
    return { profile, ...(await readOwnIntermediate(ownIntermediate.certFile, ownIntermediate.keyFile)) };
  }
  if (ownIntermediate) throw new InspectionChainError(`--intermediate-ca is used by the own-intermediate profile, not by ${profile.id}`);
  return loadOrCreateProfileIntermediate(ca, profile);
}

async function loadOrCreateProfileIntermediate(ca: CertificateAuthority, profile: InspectionProfile): Promise<InspectionChain> {
  const constraint = (ca.cert.getExtension('basicConstraints') as { pathLenConstraint?: number } | null)?.pathLenConstraint;
  if (constraint === 0) {
    throw new InspectionChainError(
      `The Pinscope CA in ${ca.directory} was made before inspection profiles and allows no intermediate below it (pathLenConstraint 0), so strict clients would refuse the ${profile.id} chain. Create a new CA (pinscope ca --renew; the old one is kept as a backup) and trust it, or use the generic profile.`,
    );
  }
  const folder = join(ca.directory, PROFILES_FOLDER);
  const path = join(folder, `${profile.id.split('-')[0] ?? profile.id}-intermediate.pem`);
  try {
    await mkdir(folder, { recursive: true, mode: FOLDER_MODE });
    await secureFolder(folder);
  } catch (error) {
    throw new InspectionChainError(`Cannot use the profile folder ${folder}: ${errorMessage(error)}`);
  }
  const existing = await readExisting(path, ca);
  if (existing) return { profile, ...existing, intermediatePath: path };
  const { privateKey, publicKey } = await generateRsaKeyPair('rsa', { modulusLength: profile.intermediateKeyBits ?? 2048 });
  const forgePublicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  const now = Date.now();
  const cert = buildSignedCertificate(
    {
      subject: utf8Name(profile.intermediateName ?? [{ name: 'commonName', value: `Pinscope ${profile.id} intermediate` }]),
      issuer: ca.cert.subject.attributes,
      publicKey: forgePublicKey,
      notBefore: new Date(now - BACKDATE_MS),
      notAfter: new Date(Math.min(now + INTERMEDIATE_LIFETIME_DAYS * 86_400_000, ca.cert.validity.notAfter.getTime())),
      extensions: [
        { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
        { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
        { name: 'subjectKeyIdentifier', value: octetString(keyIdentifier(forgePublicKey)) },
        { name: 'authorityKeyIdentifier', keyIdentifier: ca.keyIdentifier },
      ],
    },
    ca.key,
  );
  const certPem = forge.pki.certificateToPem(cert);
  try {
    await writeAtomically(path, `${certPem}${privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()}`, KEY_MODE);
  } catch (error) {
    throw new InspectionChainError(`Cannot write the ${profile.id} intermediate into ${folder}: ${errorMessage(error)}`);
  }
  return { profile, issuer: issuerOf(cert, privateKey), chainPem: certPem, intermediatePath: path };
}

/** A stored intermediate that belongs to this root and still conforms; undefined when there is none (or it must be remade). */
async function readExisting(path: string, ca: CertificateAuthority): Promise<Omit<InspectionChain, 'profile'> | undefined> {
  let text: string;
  try {
    text = (await readCaFile(path, 'key')).text;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new InspectionChainError(`Cannot read the profile intermediate ${path}: ${errorMessage(error)}`);
  }
  try {
    const { issuer, chainPem } = parseIntermediate(text, text, path);
    const native = new X509Certificate(issuer.certDer);
    // Made under another root (the CA was renewed) or expired: made again.
    if (!native.verify(new X509Certificate(ca.certDer).publicKey) || Date.parse(native.validTo) < Date.now()) return undefined;
    return { issuer, chainPem };
  } catch {
    return undefined;
  }
}

async function readOwnIntermediate(certFile: string, keyFile: string): Promise<Omit<InspectionChain, 'profile'>> {
  const read = async (file: string, what: string): Promise<string> => {
    try {
      return await readFile(file, 'utf8');
    } catch (error) {
      throw new InspectionChainError(
        `Cannot use the intermediate CA ${what} ${file}: ${(error as NodeJS.ErrnoException).code ?? errorMessage(error)}`,
      );
    }
  };
  const [certText, keyText] = await Promise.all([read(certFile, 'certificate'), read(keyFile, 'key')]);
  const parsed = parseIntermediate(certText, keyText, certFile);
  const problems = profileProblems(parsed.issuer.certDer, 'ca');
  if (problems.length > 0)
    throw new InspectionChainError(`Cannot use the intermediate CA ${certFile}: strict clients would refuse it (${problems.join('; ')})`);
  return parsed;
}

/** The first certificate (the intermediate) and its key; every certificate in `certText` is sent after the leaf. */
function parseIntermediate(certText: string, keyText: string, where: string): { issuer: LeafIssuer; chainPem: string } {
  const certificates = certText.match(PEM_CERTIFICATE) ?? [];
  const [first] = certificates;
  if (!first) throw new InspectionChainError(`Cannot use the intermediate CA ${where}: it holds no certificate (PEM)`);
  const keyPem = PEM_PRIVATE_KEY.exec(keyText)?.[0];
  let key: KeyObject;
  try {
    if (!keyPem) throw new Error('no key');
    key = createPrivateKey(keyPem);
  } catch {
    // Never the key's text: only what is wrong.
    throw new InspectionChainError(`Cannot use the intermediate CA key for ${where}: it holds no unencrypted private key in PEM`);
  }
  if (key.asymmetricKeyType !== 'rsa')
    throw new InspectionChainError(
      `Cannot use the intermediate CA ${where}: Pinscope signs leaves with RSA keys; this key is ${key.asymmetricKeyType ?? 'unknown'}`,
    );
  const native = new X509Certificate(first);
  if (!native.ca) throw new InspectionChainError(`Cannot use the intermediate CA ${where}: its certificate is not a CA certificate`);
  if (!native.checkPrivateKey(key))
    throw new InspectionChainError(`Cannot use the intermediate CA ${where}: the key does not belong to its certificate`);
  return { issuer: issuerOf(forge.pki.certificateFromPem(first), key), chainPem: `${certificates.join('\n')}\n` };
}

function issuerOf(cert: ForgeCertificate, key: KeyObject): LeafIssuer {
  return { cert, certDer: certificateToDer(cert), key, keyIdentifier: keyIdentifier(cert.publicKey) };
}
