/** `pinscope ca`: export the CA certificate (never its key); `--renew` replaces it on request. */
import { existsSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import {
  loadOrCreateCertificateAuthority,
  outdatedCaWarning,
  renewCertificateAuthority,
  type CertificateAuthority,
} from '../core/pki/certificateAuthority';
import { terminalSafe } from '../core/report/connectionReport';
import { defaultCaDir } from './proxyArguments';
import { UsageError } from './usage';

const CA_HELP = `Usage: pinscope ca [--ca-dir DIR] [--der] [--out FILE] [--renew]

Prints the Pinscope CA certificate (PEM, or DER with --der) or writes it to FILE. The CA is created
on first use in --ca-dir (default ${defaultCaDir()}). Its private key is never exported.

  --renew   create a new CA in place of the current one (which moves to a dated backup folder
            beside it), then print or write the new certificate. Apps that trusted the old CA must
            then trust the new one. Needed once for a CA made by an older Pinscope, which Go
            programs and Chromium refuse ('pinscope proxy' and 'run' say so when they start).
`;

/** Lines for stderr about the loaded CA: repairs made to its folder, and an outdated CA's warning. */
export function caWarningLines(ca: CertificateAuthority): string[] {
  const outdated = outdatedCaWarning(ca);
  return [
    ...ca.notices.map((notice) => `pinscope: ${terminalSafe(notice)}`),
    ...(outdated
      ? [
          `pinscope: WARNING: ${terminalSafe(outdated)} Run: pinscope ca --renew${ca.directory === defaultCaDir() ? '' : ` --ca-dir ${terminalSafe(ca.directory)}`}`,
        ]
      : []),
  ];
}

export async function caCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      'ca-dir': { type: 'string' },
      der: { type: 'boolean' },
      out: { type: 'string' },
      renew: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write(CA_HELP);
    return 0;
  }
  const directory = values['ca-dir'] ?? defaultCaDir();
  if (existsSync(directory) && !statSync(directory).isDirectory()) throw new UsageError(`--ca-dir ${directory} is not a directory`);
  let ca: CertificateAuthority;
  if (values.renew) {
    const renewed = await renewCertificateAuthority(directory);
    ca = renewed.ca;
    process.stderr.write(
      `pinscope: created a new CA in ${terminalSafe(directory)} (SHA-256 ${ca.fingerprint256})${renewed.backup ? `; the old certificate and key are in ${terminalSafe(renewed.backup)}` : ''}.\n`,
    );
    process.stderr.write(
      'pinscope: trust the new certificate wherever you trusted the old one (OS store, browsers, emulators, NODE_EXTRA_CA_CERTS, Java trust stores).\n',
    );
  } else {
    ca = await loadOrCreateCertificateAuthority(directory);
  }
  for (const line of caWarningLines(ca)) process.stderr.write(`${line}\n`);
  const content = values.der ? ca.certDer : ca.certPem;
  if (values.out) {
    const out = values.out;
    await writeFile(out, content).catch((error: unknown) => {
      throw new UsageError(`cannot write --out ${out}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    });
    process.stderr.write(
      `pinscope: wrote the CA certificate (${values.der ? 'DER' : 'PEM'}, SHA-256 ${ca.fingerprint256}) to ${terminalSafe(values.out)}\n`,
    );
  } else {
    process.stdout.write(content);
  }
  return 0;
}
