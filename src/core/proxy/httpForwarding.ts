/** Plain-HTTP forwarding: which headers stay on one hop (RFC 9110 §7.6.1), and URLs with their secrets removed. */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

const HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
];

/** The headers without hop-by-hop ones: the fixed list and every header the Connection header names. */
export function endToEndHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const named = (headers.connection ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '');
  const drop = new Set([...HOP_BY_HOP, ...named]);
  return Object.fromEntries(Object.entries(headers).filter(([name, value]) => value !== undefined && !drop.has(name.toLowerCase())));
}

/** Query parameters whose values are credentials, by name (case-insensitive, `_`/`-` ignored). */
const SECRET_PARAMETER =
  /^(?:access|refresh|id|auth|api|session|bearer)?(?:token|key|secret|password|passwd|pwd|pass|auth|authorization|signature|sig|code|credentials?|apikey|sessionid|sid)$/;

/** The URL as recorded (events file, inspector): user:password and credential-like query values become REDACTED. */
export function redactedUrl(url: URL): string {
  const copy = new URL(url.href);
  if (copy.username) copy.username = 'REDACTED';
  if (copy.password) copy.password = 'REDACTED';
  for (const name of [...new Set(copy.searchParams.keys())]) {
    if (SECRET_PARAMETER.test(name.toLowerCase().replace(/[-_]/g, ''))) copy.searchParams.set(name, 'REDACTED');
  }
  return copy.href;
}
