/**
 * Zscaler Internet Access: URLs without a scheme, `.domain` for the domain and its subdomains, a custom
 * URL category plus a DO_NOT_DECRYPT SSL inspection rule (name at most 31 characters), then activation.
 */
import type { ExemptionEntry } from '../hostEntries';
import { header, json, safeName, terraformString, type VendorFormat } from './vendorFormat';

/** Zscaler limits an SSL inspection rule's name to 31 characters. */
const ZSCALER_RULE_NAME_MAX = 31;

function zscalerUrls(entries: readonly ExemptionEntry[]): string[] {
  return entries.map((e) => (e.kind === 'domain' ? `.${e.value}` : e.value));
}

function checkZscaler(entries: readonly ExemptionEntry[]): string[] {
  return zscalerUrls(entries).flatMap((url) => {
    const problems: string[] = [];
    if (url !== url.toLowerCase()) problems.push(`${url}: Zscaler URLs must be lowercase`);
    if (/^[a-z]+:\/\//.test(url) || url.includes('/')) problems.push(`${url}: no scheme or path`);
    if (url.length > 1024) problems.push(`${url}: longer than 1024 characters`);
    if (/[^\x21-\x7e]/.test(url)) problems.push(`${url}: not ASCII (use punycode)`);
    if (!url.replace(/^\./, '').includes('.') && !/^[\d.]+$/.test(url) && !url.includes(':')) problems.push(`${url}: a bare TLD`);
    return problems;
  });
}

export const ZSCALER_FORMATS: readonly VendorFormat[] = [
  {
    id: 'zscaler-urls',
    product: 'zscaler',
    title: 'Zscaler ZIA: URL list for a custom URL category',
    language: 'plaintext',
    extension: 'txt',
    render: (entries) => `${zscalerUrls(entries).join('\n')}\n`,
    check: checkZscaler,
  },
  {
    id: 'zscaler-api',
    product: 'zscaler',
    title: 'Zscaler ZIA: API JSON (custom URL category + DO_NOT_DECRYPT SSL inspection rule)',
    language: 'json',
    extension: 'json',
    render: (entries, context) =>
      json(
        {
          _comment:
            'Step 1: POST /api/v1/urlCategories with "urlCategory". Step 2: put the returned id into sslInspectionRule.urlCategories and POST /api/v1/sslInspectionRules. Step 3: POST /api/v1/status/activate.',
          urlCategory: {
            configuredName: safeName(context.name, 255),
            superCategory: 'USER_DEFINED',
            customCategory: true,
            type: 'URL_CATEGORY',
            urls: zscalerUrls(entries),
            description: safeName(`Certificate-pinned hosts of ${context.appName} (Pinscope evidence)`, 255),
          },
          sslInspectionRule: {
            name: safeName(`Do not decrypt: ${context.appName}`, ZSCALER_RULE_NAME_MAX),
            order: 1,
            rank: 7,
            state: 'ENABLED',
            urlCategories: ['<id returned by the urlCategories call>'],
            action: {
              type: 'DO_NOT_DECRYPT',
              doNotDecryptSubActions: {
                bypassOtherPolicies: false,
                serverCertificates: 'ALLOW',
                ocspCheck: true,
                blockSslTrafficWithNoSniEnabled: false,
                minTLSVersion: 'SERVER_TLS_1_2',
              },
            },
            description: safeName(`Pinned hosts of ${context.appName}; evidence from Pinscope`, 255),
          },
        },
        context,
      ),
    check: checkZscaler,
  },
  {
    id: 'zscaler-terraform',
    product: 'zscaler',
    title: 'Zscaler ZIA: Terraform (zscaler/zia provider)',
    language: 'terraform',
    extension: 'tf',
    render: (
      entries,
      context,
    ) => `${header(['Zscaler ZIA: custom URL category of certificate-pinned hosts and a Do Not Decrypt SSL inspection rule.', 'Add to your zscaler/zia Terraform configuration, then plan, apply and activate.'], '#', entries, context)}resource "zia_url_categories" "pinscope_pinned" {
  configured_name = ${terraformString(safeName(context.name, 255))}
  super_category  = "USER_DEFINED"
  custom_category = true
  type            = "URL_CATEGORY"
  description     = ${terraformString(safeName(`Certificate-pinned hosts of ${context.appName}`, 255))}
  urls = [
${zscalerUrls(entries)
  .map((u) => `    ${terraformString(u)},`)
  .join('\n')}
  ]
}

resource "zia_ssl_inspection_rules" "pinscope_do_not_decrypt" {
  name           = ${terraformString(safeName(`Do not decrypt: ${context.appName}`, ZSCALER_RULE_NAME_MAX))}
  state          = "ENABLED"
  order          = 1
  rank           = 7
  url_categories = [zia_url_categories.pinscope_pinned.id]
  action {
    type = "DO_NOT_DECRYPT"
    do_not_decrypt_sub_actions {
      bypass_other_policies               = false
      server_certificates                 = "ALLOW"
      ocsp_check                          = true
      block_ssl_traffic_with_no_sni_enabled = false
      min_tls_version                     = "SERVER_TLS_1_2"
    }
  }
}
`,
    check: checkZscaler,
  },
];
