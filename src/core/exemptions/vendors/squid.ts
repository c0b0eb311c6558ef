/** Squid peek and splice: `.domain` covers the apex and its subdomains; no entry may overlap another. */
import type { ExemptionEntry } from '../hostEntries';
import { header, type VendorFormat } from './vendorFormat';

function squidDomains(entries: readonly ExemptionEntry[]): string[] {
  const domains = entries.filter((e) => e.kind === 'domain').map((e) => e.value);
  const covered = (host: string): boolean => domains.some((d) => host === d || host.endsWith(`.${d}`));
  return [...domains.map((d) => `.${d}`), ...entries.filter((e) => e.kind === 'exact' && !covered(e.value)).map((e) => e.value)];
}

function checkSquid(entries: readonly ExemptionEntry[]): string[] {
  const list = squidDomains(entries);
  return list
    .filter((a) => list.some((b) => b !== a && b.startsWith('.') && (a === b.slice(1) || a.endsWith(b))))
    .map((a) => `${a}: overlaps another entry (Squid warns and ignores it)`);
}

export const SQUID_FORMATS: readonly VendorFormat[] = [
  {
    id: 'squid',
    product: 'squid',
    title: 'Squid: ssl_bump splice (peek and splice)',
    language: 'properties',
    extension: 'conf',
    render: (
      entries,
      context,
    ) => `${header(['squid.conf: splice (do not bump) certificate-pinned hosts. Place before your other ssl_bump lines.'], '#', entries, context)}acl step1 at_step SslBump1
acl pinscope_nobump ssl::server_name ${squidDomains(entries).join(' ')}
ssl_bump peek step1
ssl_bump splice pinscope_nobump
ssl_bump bump all
`,
    check: checkSquid,
  },
];
