/**
 * Mutual TLS: how a real server's demand for a client certificate shows on the proxy's upstream side,
 * and the app's own certificates the proxy may present for it (`--client-cert HOST_PATTERN=CERT,KEY`,
 * setting `pinscope.clientCertificates`, as mitmproxy's `client_certs`).
 *
 * Node's TLS client does not expose the server's CertificateRequest; what it exposes is the server's
 * refusal (measured with `openssl s_server -Verify 1`, a Node server with `requestCert` and
 * `rejectUnauthorized`, and `gnutls-serv --require-client-cert`, see docs/tls-failure-signals.md):
 *  - TLS 1.3: the handshake completes on our side, then a fatal `certificate_required` (116) alert
 *    arrives as an error on the open socket, often after the client's first request was relayed;
 *  - TLS 1.2: a fatal `handshake_failure` (OpenSSL, Node) or `decode_error` (GnuTLS) alert during the
 *    handshake, after the server's certificate arrived (a server that shares no cipher sends its
 *    `handshake_failure` before its certificate).
 * A server that checks the certificate in its application and just closes is not told apart from any
 * other server closing: no claim is made then.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createSecureContext, rootCertificates, type SecureContext } from 'node:tls';
import { receivedAlert } from './protocol/alerts';
import { HostPatternError, matchesHostPattern, parseHostPattern } from './protocol/hostPatterns';
import { errorMessage } from '../errors';

/** One `HOST_PATTERN=CERT,KEY`: which hosts get the app's certificate, and the files holding it. */
export interface ClientCertificateOption {
  readonly pattern: string;
  readonly certFile: string;
  readonly keyFile: string;
}

export class ClientCertificateError extends Error {
  override name = 'ClientCertificateError';
}

/** Parses `HOST_PATTERN=CERT_FILE,KEY_FILE` (the key may sit in the certificate's file: `HOST_PATTERN=FILE`). */
export function parseClientCertificate(raw: string): ClientCertificateOption {
  const separator = raw.indexOf('=');
  if (separator <= 0) throw new ClientCertificateError(`"${raw}" is not a client certificate: expected HOST_PATTERN=CERT,KEY`);
  let pattern: string;
  try {
    pattern = parseHostPattern(raw.slice(0, separator));
  } catch (error) {
    throw new ClientCertificateError(error instanceof HostPatternError ? error.message : errorMessage(error));
  }
  const files = raw
    .slice(separator + 1)
    .split(',')
    .map((f) => f.trim());
  const [certFile, keyFile = certFile] = files;
  if (!certFile || !keyFile || files.length > 2)
    throw new ClientCertificateError(
      `"${raw}" is not a client certificate: expected HOST_PATTERN=CERT,KEY (two PEM files, or one holding both)`,
    );
  return { pattern, certFile, keyFile };
}

export interface PresentedCertificate {
  readonly pattern: string;
  readonly secureContext: SecureContext;
  /** What is said about it on the timeline: the certificate's subject, never anything of its key. */
  readonly subject: string;
}

/** The app's certificates, ready for the upstream handshakes: the key stays in memory, in its SecureContext, and is never logged. */
export class ClientCertificates {
  private constructor(private readonly loaded: readonly PresentedCertificate[]) {}

  /** Reads each certificate and key file once, checks that they belong together, and builds one context each (with the same roots as the other upstream connections). */
  static async load(options: readonly ClientCertificateOption[], extraCas: readonly string[]): Promise<ClientCertificates> {
    const loaded = await Promise.all(
      options.map(async (option) => {
        const [cert, key] = await Promise.all([readPem(option.certFile, 'certificate'), readPem(option.keyFile, 'key')]);
        let x509: X509Certificate;
        try {
          x509 = new X509Certificate(cert);
        } catch (error) {
          throw new ClientCertificateError(
            `Cannot use client certificate ${option.certFile}: it holds no valid certificate (${errorMessage(error)})`,
          );
        }
        let matches: boolean;
        try {
          matches = x509.checkPrivateKey(createPrivateKey(key));
        } catch {
          // The key's own parse error may quote it: say only what is wrong.
          throw new ClientCertificateError(
            `Cannot use client certificate key ${option.keyFile}: it holds no unencrypted private key in PEM`,
          );
        }
        if (!matches)
          throw new ClientCertificateError(
            `Cannot use client certificate ${option.certFile}: the key in ${option.keyFile} does not belong to it`,
          );
        const secureContext = createSecureContext({
          cert,
          key,
          ...(extraCas.length > 0 ? { ca: [...rootCertificates, ...extraCas] } : {}),
        });
        return { pattern: option.pattern, secureContext, subject: x509.subject.replace(/\n/g, ', ') };
      }),
    );
    return new ClientCertificates(loaded);
  }

  /** The first configured certificate whose pattern matches the host, if any. */
  forHost(host: string | null): PresentedCertificate | undefined {
    if (host === null) return undefined;
    return this.loaded.find((c) => matchesHostPattern(c.pattern, host));
  }
}

async function readPem(file: string, what: 'certificate' | 'key'): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new ClientCertificateError(
      `Cannot use client ${what} file ${file}: ${(error as NodeJS.ErrnoException).code ?? errorMessage(error)}`,
    );
  }
}

/** Alerts a server sends when a client certificate is missing or refused, once its own certificate was sent (TLS 1.2) or after the handshake (TLS 1.3). */
const REFUSAL_ALERTS: ReadonlySet<string> = new Set([
  'certificate_required',
  'handshake_failure',
  'decode_error',
  'bad_certificate',
  'unsupported_certificate',
  'certificate_unknown',
  'unknown_ca',
  'access_denied',
  'certificate_expired',
  'certificate_revoked',
]);

export interface RefusalContext {
  /** The server's certificate had arrived when the error came (so the server was past its first flight). */
  readonly serverCertificateSeen: boolean;
  /** The subject of the certificate the proxy presented, if it presented one. */
  readonly presented: string | undefined;
}

/**
 * Why the server's error means "a client certificate is required" (or the one presented was refused),
 * or undefined when it does not: `certificate_required` always; the other refusal alerts only once the
 * server's certificate had arrived.
 */
export function clientCertificateRefusal(error: { code?: unknown; message?: unknown }, context: RefusalContext): string | undefined {
  const alert = receivedAlert(error);
  if (!alert || !REFUSAL_ALERTS.has(alert.name)) return undefined;
  if (alert.name !== 'certificate_required' && !context.serverCertificateSeen) return undefined;
  const code = alert.code === null ? '' : ` (${alert.code})`;
  if (context.presented)
    return `the server refused the client certificate presented for it (${context.presented}): fatal ${alert.name}${code} alert`;
  return alert.name === 'certificate_required'
    ? `the server requires a client certificate (mutual TLS): it sent a fatal certificate_required${code} alert when the proxy presented none`
    : `the server requires a client certificate (mutual TLS): it sent a fatal ${alert.name}${code} alert after its certificate, when the proxy presented none`;
}
