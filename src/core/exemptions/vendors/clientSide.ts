/**
 * Bypasses configured on the client side or in a developer's own proxy: mitmproxy's --ignore-hosts
 * (anchored regexes on host:port), a PAC file's DIRECT, and NO_PROXY (both `D` and `.D`, as tools differ).
 */
import type { ExemptionEntry } from '../hostEntries';
import { header, noProblems, type VendorFormat } from './vendorFormat';

function mitmproxyRegex(entry: ExemptionEntry): string {
  const escaped = entry.value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return entry.kind === 'domain' ? `^(.+\\.)?${escaped}:443$` : `^${escaped}:443$`;
}

export const MITMPROXY_FORMATS: readonly VendorFormat[] = [
  {
    id: 'mitmproxy',
    product: 'mitmproxy',
    title: 'mitmproxy: --ignore-hosts',
    language: 'shellscript',
    extension: 'sh',
    render: (entries, context) =>
      `${header(['mitmproxy / mitmdump: pass certificate-pinned hosts through untouched (anchored regexes on host:port).'], '#', entries, context)}mitmproxy ${entries.map((e) => `--ignore-hosts '${mitmproxyRegex(e)}'`).join(' ')}\n`,
    check: noProblems,
  },
];

export const PAC_FORMATS: readonly VendorFormat[] = [
  {
    id: 'pac',
    product: 'pac',
    title: 'PAC file: send pinned hosts DIRECT',
    language: 'javascript',
    extension: 'pac',
    render: (
      entries,
      context,
    ) => `${header(['Proxy auto-config: certificate-pinned hosts go DIRECT (not through the inspecting proxy).', 'Merge into your PAC file before its default return.'], '//', entries, context)}function FindProxyForURL(url, host) {
  host = host.toLowerCase();
  if (${entries.map((e) => (e.kind === 'domain' ? `host == ${JSON.stringify(e.value)} || dnsDomainIs(host, ${JSON.stringify(`.${e.value}`)})` : `host == ${JSON.stringify(e.value)}`)).join(' ||\n      ')}) {
    return "DIRECT";
  }
  return "PROXY proxy.example.com:8080"; // your existing proxy
}
`,
    check: noProblems,
  },
];

export const NO_PROXY_FORMATS: readonly VendorFormat[] = [
  {
    id: 'no-proxy',
    product: 'no-proxy',
    title: 'NO_PROXY environment variable',
    language: 'shellscript',
    extension: 'sh',
    render: (entries, context) =>
      `${header(['Bypass the proxy for certificate-pinned hosts. Semantics differ between tools: both D and .D are listed.'], '#', entries, context)}export NO_PROXY="${entries.flatMap((e) => (e.kind === 'domain' ? [e.value, `.${e.value}`] : [e.value])).join(',')}\${NO_PROXY:+,$NO_PROXY}"\n`,
    check: noProblems,
  },
];
