/** Every vendor format in the order the export offers them (Zscaler first), and rendering with checks. */
import type { ExemptionEntry } from '../hostEntries';
import { MITMPROXY_FORMATS, NO_PROXY_FORMATS, PAC_FORMATS } from './clientSide';
import { CLOUDFLARE_FORMATS } from './cloudflare';
import { ENTRA_FORMATS } from './entra';
import { FORTIGATE_FORMATS } from './fortigate';
import { NETSKOPE_FORMATS } from './netskope';
import { PALO_ALTO_FORMATS } from './paloAlto';
import { PROXYSG_FORMATS } from './proxySg';
import { SQUID_FORMATS } from './squid';
import { SnippetError, type SnippetContext, type VendorFormat } from './vendorFormat';
import { ZSCALER_FORMATS } from './zscaler';

export const VENDOR_FORMATS: readonly VendorFormat[] = [
  ...ZSCALER_FORMATS,
  ...PALO_ALTO_FORMATS,
  ...FORTIGATE_FORMATS,
  ...NETSKOPE_FORMATS,
  ...CLOUDFLARE_FORMATS,
  ...SQUID_FORMATS,
  ...ENTRA_FORMATS,
  ...PROXYSG_FORMATS,
  ...MITMPROXY_FORMATS,
  ...PAC_FORMATS,
  ...NO_PROXY_FORMATS,
];

export function findVendorFormat(id: string): VendorFormat | undefined {
  return VENDOR_FORMATS.find((f) => f.id === id);
}

/** Renders after checking the vendor's constraints: an invalid snippet is refused with its reasons, never emitted. */
export function renderSnippet(format: VendorFormat, entries: readonly ExemptionEntry[], context: SnippetContext): string {
  if (entries.length === 0) throw new SnippetError('No hosts to exempt: choose hosts that break under inspection.');
  const problems = format.check(entries);
  if (problems.length > 0) throw new SnippetError(`${format.title}: ${problems.join('; ')}`);
  return format.render(entries, context);
}
