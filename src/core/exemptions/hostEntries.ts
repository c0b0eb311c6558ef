/**
 * From hosts to exemption entries: normalised (lowercase, punycode, no scheme/port/path), grouped by
 * registrable domain with the Public Suffix List's private section (so `d1.cloudfront.net` or
 * `user.github.io` never widen to the provider). Exact hosts by default: an exemption no wider than the
 * evidence. Widening several hosts of one domain to "the domain and every subdomain" is the requester's
 * explicit choice (`--widen`, the export's scope pick), said in the entry's reason; IP addresses are never
 * wildcarded, broad shared domains never widened.
 */
import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';
import { getDomain, getPublicSuffix } from 'tldts';

type EntryKind = 'exact' | 'domain';

export interface ExemptionEntry {
  /** An exact host, or a registrable domain meaning "the domain and all its subdomains". */
  readonly kind: EntryKind;
  readonly value: string;
  /** The hosts (as normalised) that this entry covers. */
  readonly hosts: readonly string[];
  readonly reason: string;
}

interface Refusal {
  readonly input: string;
  readonly reason: string;
}

export interface ProposedExemption {
  readonly entries: readonly ExemptionEntry[];
  readonly refused: readonly Refusal[];
  readonly warnings: readonly string[];
}

/** `never`: exact hosts only (the default); `widen`: several hosts under one registrable domain become that domain and every subdomain. */
export type WildcardPolicy = 'never' | 'widen';

/** Registrable domains shared by many unrelated tenants: a wildcard there would exempt far more than the app. */
const BROAD_SHARED_DOMAINS: ReadonlySet<string> = new Set([
  'amazonaws.com',
  'cloudfront.net',
  'akamaiedge.net',
  'akamaihd.net',
  'akamaized.net',
  'edgekey.net',
  'edgesuite.net',
  'fastly.net',
  'fastlylb.net',
  'azureedge.net',
  'azurefd.net',
  'windows.net',
  'azure.com',
  'azurewebsites.net',
  'cloudapp.net',
  'googleapis.com',
  'gstatic.com',
  'googleusercontent.com',
  'appspot.com',
  'cloudflare.com',
  'cloudflare.net',
  'workers.dev',
  'herokuapp.com',
  'vercel.app',
  'netlify.app',
  'firebaseio.com',
  'google.com',
  'microsoft.com',
  'apple.com',
  'icloud.com',
  'facebook.com',
  'fbcdn.net',
  'digitaloceanspaces.com',
  'b-cdn.net',
  'cdn77.org',
  'salesforce.com',
  'force.com',
]);

const HOST_LABEL = /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/;

/** Normalises one user- or network-supplied host: scheme, credentials, port and path go; IDNs become punycode. */
export function normaliseExemptionHost(input: string): { host: string } | { reason: string } {
  let text = input.trim().toLowerCase();
  if (text === '') return { reason: 'empty' };
  text = text
    .replace(/^[a-z][a-z0-9+.-]*:\/\//, '')
    .replace(/^[^@/]*@/, '')
    .replace(/[/?#].*$/, '');
  const bracketed = /^\[([0-9a-f:.]+)\](?::\d+)?$/.exec(text);
  if (bracketed?.[1]) return isIP(bracketed[1]) === 6 ? { host: bracketed[1] } : { reason: 'not an IP address' };
  if (isIP(text) === 6) return { host: text };
  text = text.replace(/:\d*$/, '').replace(/\.$/, '').replace(/^\*\./, '');
  if (isIP(text)) return { host: text };
  const ascii = domainToASCII(text);
  if (!ascii) return { reason: 'not a valid host name (IDN conversion failed)' };
  if (ascii.length > 253) return { reason: 'longer than 253 characters' };
  const labels = ascii.split('.');
  if (labels.some((label) => !HOST_LABEL.test(label))) return { reason: 'contains characters that are not allowed in a host name' };
  if (labels.length < 2 && ascii !== 'localhost') return { reason: 'a bare top-level domain or single label cannot be exempted' };
  if (getPublicSuffix(ascii, { allowPrivateDomains: true }) === ascii) return { reason: `${ascii} is a public suffix, not a domain` };
  return { host: ascii };
}

/** Why an entry is this one host only, in words that match that scope. */
function exactReason(domain: string, siblings: number, policy: WildcardPolicy, broad: boolean): string {
  if (broad) return `this host only: ${domain} is shared by many unrelated services, so it is never widened`;
  if (siblings === 1) return `this host only: the only host seen under ${domain}`;
  return policy === 'widen'
    ? 'this host only'
    : `this host only, no wider than the evidence (widening to ${domain} and every subdomain is an explicit choice: --widen)`;
}

export function proposeExemption(inputs: readonly string[], policy: WildcardPolicy = 'never'): ProposedExemption {
  const refused: Refusal[] = [];
  const warnings: string[] = [];
  const hosts = new Set<string>();
  for (const input of inputs) {
    const normalised = normaliseExemptionHost(input);
    if ('reason' in normalised) refused.push({ input, reason: normalised.reason });
    else hosts.add(normalised.host);
  }
  const byDomain = new Map<string, string[]>();
  const entries: ExemptionEntry[] = [];
  for (const host of [...hosts].sort()) {
    if (isIP(host) || host === 'localhost') {
      entries.push({
        kind: 'exact',
        value: host,
        hosts: [host],
        reason: isIP(host) ? 'an IP address: exempted exactly, never as a wildcard' : 'localhost: exempted exactly',
      });
      continue;
    }
    const domain = getDomain(host, { allowPrivateDomains: true }) ?? host;
    byDomain.set(domain, [...(byDomain.get(domain) ?? []), host]);
  }
  for (const [domain, members] of [...byDomain.entries()].sort((a, b) => a[0].localeCompare(b[0]))) {
    const broad = BROAD_SHARED_DOMAINS.has(domain);
    // Exact unless the requester chose to widen: then several hosts under one domain become the domain.
    const wantsDomain = policy === 'widen' && members.length > 1;
    if (wantsDomain && broad) {
      warnings.push(`${domain} is shared by many unrelated services: listing the exact hosts instead of a wildcard for the whole domain.`);
    }
    if (wantsDomain && !broad) {
      const reason = `widened on request: ${members.length} hosts under ${domain} break, and this one entry covers ${domain} and every subdomain of it, including hosts not seen`;
      entries.push({ kind: 'domain', value: domain, hosts: members, reason });
      continue;
    }
    for (const host of members) {
      entries.push({ kind: 'exact', value: host, hosts: [host], reason: exactReason(domain, members.length, policy, broad) });
    }
  }
  if (refused.length > 0) warnings.push(...refused.map((r) => `Refused "${r.input.slice(0, 100)}": ${r.reason}.`));
  return { entries, refused, warnings };
}

/** The registrable domains that widening would turn into "the domain and every subdomain": empty when it changes nothing. */
export function widenableDomains(hosts: readonly string[]): string[] {
  return proposeExemption(hosts, 'widen')
    .entries.filter((e) => e.kind === 'domain')
    .map((e) => e.value);
}
