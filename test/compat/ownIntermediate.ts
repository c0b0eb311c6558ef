/** An organisation's own inspection PKI, made by openssl: a root, and an RSA intermediate it signed (for `--intermediate-ca`). */
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { runClient } from '../support/clients';

export interface OwnIntermediate {
  readonly rootFile: string;
  readonly intermediateFile: string;
  readonly keyFile: string;
}

export async function makeOwnIntermediate(dir: string): Promise<OwnIntermediate> {
  mkdirSync(dir, { recursive: true });
  const file = (name: string): string => join(dir, name);
  const openssl = async (args: readonly string[]): Promise<void> => {
    const result = await runClient('openssl', args);
    if (result.code !== 0) throw new Error(`openssl ${args.join(' ')}: ${result.stderr}`);
  };
  writeFileSync(
    file('intermediate.ext'),
    'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign,digitalSignature\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n',
  );
  await openssl([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    file('root.key'),
    '-out',
    file('root.pem'),
    '-days',
    '30',
    '-subj',
    '/O=Acme Corp/CN=Acme Corp Root CA',
    '-extensions',
    'v3_ca',
  ]);
  await openssl([
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    file('intermediate.key'),
    '-out',
    file('intermediate.csr'),
    '-subj',
    '/O=Acme Corp/CN=Acme Corp TLS Inspection Intermediate',
  ]);
  await openssl([
    'x509',
    '-req',
    '-in',
    file('intermediate.csr'),
    '-CA',
    file('root.pem'),
    '-CAkey',
    file('root.key'),
    '-CAcreateserial',
    '-out',
    file('intermediate.pem'),
    '-days',
    '30',
    '-extfile',
    file('intermediate.ext'),
  ]);
  return { rootFile: file('root.pem'), intermediateFile: file('intermediate.pem'), keyFile: file('intermediate.key') };
}
