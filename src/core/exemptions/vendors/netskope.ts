/**
 * Netskope: a URL list for an SSL Decryption policy with action "Do Not Decrypt" (the traffic still
 * goes through Netskope: the request to make), not a steering exception (the traffic bypasses
 * Netskope entirely: every other policy is lost for it). At most one "*", first, followed by ".".
 */
import type { ExemptionEntry } from '../hostEntries';
import { json, safeName, type VendorFormat } from './vendorFormat';

function netskopeUrls(entries: readonly ExemptionEntry[]): string[] {
  return entries.flatMap((e) => (e.kind === 'domain' ? [e.value, `*.${e.value}`] : [e.value]));
}

function checkNetskope(entries: readonly ExemptionEntry[]): string[] {
  return netskopeUrls(entries)
    .filter((u) => (u.match(/\*/g) ?? []).length > 1 || (u.includes('*') && !u.startsWith('*.')))
    .map((u) => `${u}: Netskope allows one "*", first, followed by "."`);
}

export const NETSKOPE_FORMATS: readonly VendorFormat[] = [
  {
    id: 'netskope',
    product: 'netskope',
    title: 'Netskope: URL list API JSON (for a Do Not Decrypt SSL policy)',
    language: 'json',
    extension: 'json',
    render: (entries, context) =>
      json(
        {
          _comment:
            'Ask for an SSL Decryption policy with action "Do Not Decrypt" on a custom category built from this URL list (the traffic still goes through Netskope and its other policies), not a steering exception (the traffic would bypass Netskope entirely). POST /api/v2/policy/urllist with "urllist", then POST /api/v2/policy/urllist/deploy.',
          urllist: { name: safeName(context.name, 64), data: { type: 'exact', urls: netskopeUrls(entries) } },
        },
        context,
      ),
    check: checkNetskope,
  },
];
