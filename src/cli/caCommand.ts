/** `pinscope ca`: export the CA certificate (never its key). */
import { existsSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { loadOrCreateCertificateAuthority } from '../core/certificateAuthority';
import { defaultCaDir } from './proxyArguments';
import { UsageError } from './usage';

export const CA_HELP = `Usage: pinscope ca [--ca-dir DIR] [--der] [--out FILE]

Prints the Pinscope CA certificate (PEM, or DER with --der) or writes it to FILE. The CA is created
on first use in --ca-dir (default ${defaultCaDir()}). Its private key is never exported.
`;

export async function caCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { 'ca-dir': { type: 'string' }, der: { type: 'boolean' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false });
  if (values.help) {
    process.stdout.write(CA_HELP);
    return 0;
  }
  const caDir = values['ca-dir'] ?? defaultCaDir();
  if (existsSync(caDir) && !statSync(caDir).isDirectory()) throw new UsageError(`--ca-dir ${caDir} is not a directory`);
  const ca = await loadOrCreateCertificateAuthority(caDir);
  const content = values.der ? ca.certDer : ca.certPem;
  if (values.out) {
    const out = values.out;
    await writeFile(out, content).catch((error: unknown) => {
      throw new UsageError(`cannot write --out ${out}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    });
    process.stderr.write(`pinscope: wrote the CA certificate (${values.der ? 'DER' : 'PEM'}, SHA-256 ${ca.fingerprint256}) to ${values.out}\n`);
  } else {
    process.stdout.write(content);
  }
  return 0;
}
