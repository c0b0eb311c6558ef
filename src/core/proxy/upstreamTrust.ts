/** What the proxy trusts of the real servers: Node's roots and the user's extra upstream CAs. */
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createSecureContext, rootCertificates, type SecureContext } from 'node:tls';
import { errorMessage } from '../errors';

export class UpstreamCaError extends Error {
  override name = 'UpstreamCaError';
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\r\n]+?-----END CERTIFICATE-----/g;

/**
 * Reads the user's extra upstream CA files (PEM) and keeps their certificates only: these go into the
 * trust bundle every proxied program reads, so a private key (or anything else) in the file never does.
 */
export function readUpstreamCas(extraCaFiles: readonly string[]): Promise<string[]> {
  return Promise.all(
    extraCaFiles.map(async (file) => {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (error) {
        throw new UpstreamCaError(`Cannot use upstream CA file ${file}: ${(error as NodeJS.ErrnoException).code ?? errorMessage(error)}`);
      }
      const certificates = text.match(PEM_CERTIFICATE) ?? [];
      if (certificates.length === 0)
        throw new UpstreamCaError(
          `Cannot use upstream CA file ${file}: it holds no certificate (expected PEM "-----BEGIN CERTIFICATE-----")`,
        );
      for (const [index, pem] of certificates.entries()) {
        try {
          new X509Certificate(pem);
        } catch (error) {
          throw new UpstreamCaError(`Cannot use upstream CA file ${file}: certificate ${index + 1} is not valid (${errorMessage(error)})`);
        }
      }
      return `${certificates.join('\n')}\n`;
    }),
  );
}

/**
 * One SecureContext for every upstream connection (tls.connect without one makes a context per
 * connection): Node's default trust store, or its root certificates plus the extra CAs.
 */
export function buildUpstreamSecureContext(extraCas: readonly string[]): SecureContext {
  return createSecureContext(extraCas.length === 0 ? {} : { ca: [...rootCertificates, ...extraCas] });
}
