/**
 * Code that validates certificates itself: what it accepts cannot be read statically, so each place is
 * reported as "custom validation here" with no host (and the CA file or fingerprint it names, if any).
 */
import type { Ecosystem, Pin, PinConfiguration } from './pinConfiguration';
import { blankComments, SourceCode, evaluateString, LineIndex, splitArguments, stringConstants, type CommentStyle } from './sourceText';

interface ValidationSignal {
  readonly pattern: RegExp;
  readonly detail: string;
  /** Reads a pin from the text right after the match (a literal path or fingerprint). */
  readonly pin?: (rest: string, constants: ReadonlyMap<string, string>) => Omit<Pin, 'line'> | null;
  /** A further condition on the code from the end of the match (read with bounded work). */
  readonly accept?: (code: SourceCode, end: number) => boolean;
}

/** The object literal that ends the match has a `ca` key (or shorthand). */
function hasCaKey(code: SourceCode, end: number): boolean {
  return (splitArguments(code, end - 1)?.args ?? []).some((arg) => /^(?:ca|"ca"|'ca')\s*(?::|$)/.test(arg.text));
}

/** A literal at the start of `rest` (up to a comma, closing bracket or end of line). */
function leadingValue(rest: string, constants: ReadonlyMap<string, string>): string | null {
  const expression = /^\s*([^,)\n;}]+)/.exec(rest)?.[1];
  return expression === undefined ? null : evaluateString(expression, constants);
}

function caFile(rest: string, constants: ReadonlyMap<string, string>): Omit<Pin, 'line'> | null {
  const value = leadingValue(rest, constants);
  return value ? { kind: 'ca-file', value } : null;
}

/** Hex fingerprint (colons optional): length says SHA-1 or SHA-256 of the certificate. */
export function certificateFingerprint(value: string): Omit<Pin, 'line'> | null {
  const hex = value.replace(/[\s:]/g, '').toLowerCase();
  if (!/^[0-9a-f]+$/.test(hex)) return null;
  if (hex.length === 64) return { kind: 'certificate-sha256', value: hex };
  if (hex.length === 40) return { kind: 'certificate-sha1', value: hex };
  return null;
}

const SIGNALS: Readonly<Partial<Record<Ecosystem, readonly ValidationSignal[]>>> = {
  go: [
    { pattern: /\bVerifyPeerCertificate\s*[:=]/g, detail: 'tls.Config.VerifyPeerCertificate' },
    { pattern: /\bVerifyConnection\s*[:=]/g, detail: 'tls.Config.VerifyConnection' },
  ],
  dotnet: [
    {
      pattern: /\bServerCertificateCustomValidationCallback\s*[=+]/g,
      detail: 'HttpClientHandler.ServerCertificateCustomValidationCallback',
    },
    {
      pattern: /\bServicePointManager\s*\.\s*ServerCertificateValidationCallback\s*[=+]/g,
      detail: 'ServicePointManager.ServerCertificateValidationCallback',
    },
    { pattern: /\bRemoteCertificateValidationCallback\s*=/g, detail: 'SslClientAuthenticationOptions.RemoteCertificateValidationCallback' },
  ],
  java: [
    {
      pattern:
        /\bimplements\s+(?:[\w.]+\s*,\s*)*(?:javax\.net\.ssl\.)?X509(?:Extended)?TrustManager\b|\bextends\s+(?:javax\.net\.ssl\.)?X509ExtendedTrustManager\b|(?:object|class\s+\w+(?:\([^)]{0,2000}\))?)\s*:\s*(?:[\w.()]+\s*,\s*)*(?:javax\.net\.ssl\.)?X509(?:Extended)?TrustManager\b/g,
      detail: 'X509TrustManager implementation',
    },
  ],
  python: [
    {
      pattern: /\bassert_fingerprint\s*=/g,
      detail: 'urllib3 assert_fingerprint',
      pin: (rest, constants) => {
        const v = leadingValue(rest, constants);
        return v === null ? null : certificateFingerprint(v);
      },
    },
    { pattern: /\bverify\s*=(?=\s*(?:["']|[A-Z_]{3,}\b))/g, detail: 'requests verify= a pinned CA bundle', pin: caFile },
    { pattern: /\bcafile\s*=/g, detail: 'ssl context with a pinned cafile', pin: caFile },
    { pattern: /\bload_verify_locations\s*\(/g, detail: 'SSLContext.load_verify_locations', pin: caFile },
  ],
  node: [
    { pattern: /(?<![.\w])checkServerIdentity\s*[:=(]/g, detail: 'tls checkServerIdentity' },
    {
      pattern: /\bnew\s+(?:https\s*\.\s*|undici\s*\.\s*)?Agent\s*\(\s*\{/g,
      detail: 'an Agent with its own `ca` (replaces the default trust store)',
      accept: hasCaKey,
    },
  ],
  flutter: [
    { pattern: /\bbadCertificateCallback\s*=/g, detail: 'HttpClient.badCertificateCallback' },
    { pattern: /\.\s*setTrustedCertificates(?:Bytes)?\s*\(/g, detail: 'SecurityContext.setTrustedCertificates', pin: caFile },
  ],
};

const NOT_PIN_PATH = /^(?:true|false|True|False)$/;

export function scanCustomValidation(file: string, text: string, ecosystem: Ecosystem, style: CommentStyle): PinConfiguration[] {
  const signals = SIGNALS[ecosystem] ?? [];
  // Most files mention none of the signals: test the raw text before the costlier comment blanking.
  if (!signals.some((signal) => new RegExp(signal.pattern.source).test(text))) return [];
  const code = blankComments(text, style);
  const source = new SourceCode(code);
  const lines = new LineIndex(code);
  const constants = stringConstants(code);
  const configurations: PinConfiguration[] = [];
  for (const signal of signals) {
    for (const match of code.matchAll(signal.pattern)) {
      if (signal.accept && !signal.accept(source, match.index + match[0].length)) continue;
      const line = lines.lineOf(match.index + (match[0].length - match[0].trimStart().length));
      const pin = signal.pin?.(code.slice(match.index + match[0].length, match.index + match[0].length + 400), constants) ?? null;
      if (signal.pin && signal.detail.startsWith('requests') && (!pin || NOT_PIN_PATH.test(pin.value))) continue;
      configurations.push({
        file,
        line,
        ecosystem,
        kind: 'custom-validation',
        hosts: [],
        pins: pin && !NOT_PIN_PATH.test(pin.value) ? [{ ...pin, line }] : [],
        detail: signal.detail,
      });
    }
  }
  return configurations.sort((a, b) => a.line - b.line);
}
