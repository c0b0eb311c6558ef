/**
 * Cloudflare Zero Trust Gateway: an HTTP policy with action "off" (Do Not Inspect), matched on the SNI:
 * `http.conn.domains` for a domain and its subdomains, `http.conn.hostname` for one exact host.
 */
import type { ExemptionEntry } from '../hostEntries';
import { header, json, noProblems, safeName, terraformString, type VendorFormat } from './vendorFormat';

function cloudflareTraffic(entries: readonly ExemptionEntry[]): string {
  const domains = entries.filter((e) => e.kind === 'domain').map((e) => JSON.stringify(e.value));
  const exact = entries.filter((e) => e.kind === 'exact').map((e) => `http.conn.hostname == ${JSON.stringify(e.value)}`);
  return [...(domains.length > 0 ? [`any(http.conn.domains[*] in {${domains.join(' ')}})`] : []), ...exact].join(' or ');
}

export const CLOUDFLARE_FORMATS: readonly VendorFormat[] = [
  {
    id: 'cloudflare-api',
    product: 'cloudflare',
    title: 'Cloudflare Zero Trust Gateway: API JSON (Do Not Inspect HTTP policy)',
    language: 'json',
    extension: 'json',
    render: (entries, context) =>
      json(
        {
          _comment: 'POST /client/v4/accounts/<ACCOUNT_ID>/gateway/rules (remove this _comment field first).',
          name: safeName(context.name, 100),
          description: safeName(`Certificate-pinned hosts of ${context.appName}`, 255),
          enabled: true,
          action: 'off',
          filters: ['http'],
          traffic: cloudflareTraffic(entries),
        },
        context,
      ),
    check: noProblems,
  },
  {
    id: 'cloudflare-terraform',
    product: 'cloudflare',
    title: 'Cloudflare Zero Trust Gateway: Terraform',
    language: 'terraform',
    extension: 'tf',
    render: (
      entries,
      context,
    ) => `${header(['Cloudflare Zero Trust: a Gateway HTTP policy that does not inspect certificate-pinned hosts.', 'Add to your cloudflare provider configuration; set account_id.'], '#', entries, context)}resource "cloudflare_zero_trust_gateway_policy" "pinscope_do_not_inspect" {
  account_id  = var.cloudflare_account_id
  name        = ${terraformString(safeName(context.name, 100))}
  description = ${terraformString(safeName(`Certificate-pinned hosts of ${context.appName}`, 255))}
  enabled     = true
  action      = "off"
  filters     = ["http"]
  precedence  = 100
  traffic     = ${terraformString(cloudflareTraffic(entries))}
}
`,
    check: noProblems,
  },
];
