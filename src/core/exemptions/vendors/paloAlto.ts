/**
 * Palo Alto PAN-OS: a custom URL category (entries end in "/" so a domain cannot match a longer name)
 * with a no-decrypt rule, or the SSL decryption exclusion list meant for pinning. A `*` is one label.
 */
import type { ExemptionEntry } from '../hostEntries';
import { header, safeIdentifier, safeName, type VendorFormat } from './vendorFormat';

function panosList(entries: readonly ExemptionEntry[]): string[] {
  // A trailing "/" stops "example.com" from also matching "example.com.evil.net"; "*.D" does not match D.
  return entries.flatMap((e) => (e.kind === 'domain' ? [`${e.value}/`, `*.${e.value}/`] : [`${e.value}/`]));
}

function checkPanos(entries: readonly ExemptionEntry[]): string[] {
  return panosList(entries).flatMap((entry) => {
    const problems: string[] = [];
    if (entry.length > 255) problems.push(`${entry}: PAN-OS entries are at most 255 characters`);
    if (/\*(?!\.)|[^.]\*/.test(entry)) problems.push(`${entry}: PAN-OS wildcards must be whole tokens`);
    return problems;
  });
}

export const PALO_ALTO_FORMATS: readonly VendorFormat[] = [
  {
    id: 'panos-set',
    product: 'paloalto',
    title: 'Palo Alto PAN-OS: set commands (custom URL category + no-decrypt rule)',
    language: 'shellscript',
    extension: 'txt',
    render: (entries, context) => {
      const name = safeIdentifier(`pinscope-${context.appName}`, 31);
      return `${header(['PAN-OS CLI (configure mode): a custom URL category of certificate-pinned hosts and a no-decrypt rule.', 'Move the rule above your decrypt rules, then commit. On Panorama use: set device-group <DG> pre-rulebase decryption rules ...'], '#', entries, context)}set profiles custom-url-category ${name} type "URL List"
set profiles custom-url-category ${name} description "${safeName(`Pinned hosts of ${context.appName}`, 255)}"
set profiles custom-url-category ${name} list [ ${panosList(entries).join(' ')} ]
set rulebase decryption rules ${name}-no-decrypt from any to any source any destination any service any category ${name} action no-decrypt type ssl-forward-proxy
`;
    },
    check: checkPanos,
  },
  {
    id: 'panos-exclude',
    product: 'paloalto',
    title: 'Palo Alto PAN-OS: SSL decryption exclusion list',
    language: 'shellscript',
    extension: 'txt',
    render: (entries, context) =>
      `${header(['PAN-OS CLI (configure mode): exclude hosts that break decryption technically (certificate pinning).', 'Then commit. Each "*" stands for exactly one label.'], '#', entries, context)}${entries
        .flatMap((e) => (e.kind === 'domain' ? [e.value, `*.${e.value}`] : [e.value]))
        .map(
          (h) => `set shared ssl-decrypt ssl-exclude-cert "${h}" exclude yes description "${safeName(`Pinned by ${context.appName}`, 63)}"`,
        )
        .join('\n')}\n`,
    check: checkPanos,
  },
];
