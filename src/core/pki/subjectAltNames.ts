/**
 * A certificate's subject alternative names as recorded: its DNS names and IP addresses, bounded and
 * made safe to show. A server's certificate is untrusted input: it can hold thousands of names, names
 * with control characters, or a comma inside a quoted name meant to split into two.
 */
import { isIP } from 'node:net';

/** Names kept per certificate; a CDN's certificate can list hundreds, and the first ones tell the story. */
export const MAX_SANS_RECORDED = 100;
/** Characters kept per name: a DNS name is at most 253; anything longer is cut and marked. */
const MAX_NAME_LENGTH = 260;

export interface RecordedSans {
  /** `DNS:name` or `IP:address`, in the certificate's order, at most MAX_SANS_RECORDED. */
  readonly sans: string[];
  /** DNS names and IP addresses beyond the bound (0 when all were kept). */
  readonly omitted: number;
}

/** A JSON string literal at the start of the text, as Node writes a quoted name (lib/tls.js does the same). */
// eslint-disable-next-line no-control-regex -- a JSON string has no raw control characters
const JSON_STRING = /^"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/;

/**
 * Splits Node's `subjectAltName` text ("DNS:a, IP Address:1.2.3.4, DNS:\"b, c\"") into its entries:
 * a name holding a separator or a quote is written as a JSON string, so it stays one entry. Undefined
 * when the text is not in that form.
 */
function splitAltNames(text: string): string[] | undefined {
  const entries: string[] = [];
  let current = '';
  let offset = 0;
  while (offset < text.length) {
    const separator = text.indexOf(', ', offset);
    const quote = text.indexOf('"', offset);
    if (quote !== -1 && (separator === -1 || quote < separator)) {
      const literal = JSON_STRING.exec(text.slice(quote))?.[0];
      if (literal === undefined) return undefined;
      current += text.slice(offset, quote) + String(JSON.parse(literal));
      offset = quote + literal.length;
    } else if (separator !== -1) {
      entries.push(current + text.slice(offset, separator));
      current = '';
      offset = separator + 2;
    } else {
      current += text.slice(offset);
      offset = text.length;
    }
  }
  entries.push(current);
  return entries;
}

/** Anything but printable ASCII shown as `\u{…}` (a DNS name is IA5String: anything else is a red flag to see, not to render). */
function visibleName(name: string): string {
  const shown = name.replace(/[^\x20-\x7e]/gu, (c) => `\\u{${(c.codePointAt(0) ?? 0).toString(16)}}`);
  return shown.length > MAX_NAME_LENGTH ? `${shown.slice(0, MAX_NAME_LENGTH)}…` : shown;
}

/** The name a forged leaf is made for, as recorded: `IP:address` for an IP address, otherwise `DNS:host`. */
export function forgedSan(host: string): string {
  return isIP(host) ? `IP:${host}` : `DNS:${visibleName(host)}`;
}

/** The DNS names and IP addresses of Node's `subjectAltName` text (X509Certificate or a peer certificate's `subjectaltname`). */
export function recordedSans(subjectAltName: string | undefined): RecordedSans {
  if (!subjectAltName) return { sans: [], omitted: 0 };
  const entries = splitAltNames(subjectAltName) ?? [];
  const sans: string[] = [];
  let omitted = 0;
  for (const entry of entries) {
    let name: string | undefined;
    if (entry.startsWith('DNS:')) name = `DNS:${visibleName(entry.slice(4))}`;
    else if (entry.startsWith('IP Address:')) {
      const address = entry.slice('IP Address:'.length);
      name = `IP:${isIP(address) ? address : visibleName(address)}`;
    }
    if (name === undefined) continue;
    if (sans.length < MAX_SANS_RECORDED) sans.push(name);
    else omitted++;
  }
  return { sans, omitted };
}
