/** FortiGate: ssl-exempt entries (wildcard-fqdn objects and fqdn/IP addresses) in a deep-inspection profile. */
import { isIP } from 'node:net';
import { header, safeIdentifier, type VendorFormat } from './vendorFormat';

export const FORTIGATE_FORMATS: readonly VendorFormat[] = [
  {
    id: 'fortigate',
    product: 'fortinet',
    title: 'FortiGate: CLI (ssl-exempt in a deep-inspection profile)',
    language: 'shellscript',
    extension: 'txt',
    render: (entries, context) => {
      const profile = safeIdentifier(`pinscope-${context.appName}`, 35);
      const domains = entries.filter((e) => e.kind === 'domain');
      const exacts = entries.filter((e) => e.kind === 'exact').map((e) => e.value);
      const names = [...domains.map((e) => e.value), ...exacts.filter((h) => !isIP(h))];
      const v4 = exacts.filter((h) => isIP(h) === 4);
      const v6 = exacts.filter((h) => isIP(h) === 6);
      const lines: string[] = [
        header(
          [
            'FortiOS CLI: exempt certificate-pinned hosts from deep inspection.',
            `Replace "${profile}" with your custom deep-inspection profile (the built-in "deep-inspection" profile is read-only).`,
          ],
          '#',
          entries,
          context,
        ),
      ];
      if (domains.length > 0) {
        lines.push(
          'config firewall wildcard-fqdn custom',
          ...domains.flatMap((e) => [`    edit "wc-${e.value}"`, `        set wildcard-fqdn "*.${e.value}"`, '    next']),
          'end',
        );
      }
      if (names.length + v4.length > 0) {
        lines.push(
          'config firewall address',
          ...names.flatMap((h) => [`    edit "fqdn-${h}"`, '        set type fqdn', `        set fqdn "${h}"`, '    next']),
          ...v4.flatMap((ip) => [`    edit "ip-${ip}"`, `        set subnet ${ip} 255.255.255.255`, '    next']),
          'end',
        );
      }
      if (v6.length > 0)
        lines.push(
          'config firewall address6',
          ...v6.flatMap((ip) => [`    edit "ip-${ip}"`, `        set ip6 ${ip}/128`, '    next']),
          'end',
        );
      lines.push('config firewall ssl-ssh-profile', `    edit "${profile}"`, '        config ssl-exempt');
      let id = 1;
      for (const e of domains)
        lines.push(
          `            edit ${id++}`,
          '                set type wildcard-fqdn',
          `                set wildcard-fqdn "wc-${e.value}"`,
          '            next',
        );
      for (const h of names)
        lines.push(
          `            edit ${id++}`,
          '                set type address',
          `                set address "fqdn-${h}"`,
          '            next',
        );
      for (const ip of v4)
        lines.push(
          `            edit ${id++}`,
          '                set type address',
          `                set address "ip-${ip}"`,
          '            next',
        );
      for (const ip of v6)
        lines.push(
          `            edit ${id++}`,
          '                set type address6',
          `                set address6 "ip-${ip}"`,
          '            next',
        );
      lines.push('        end', '    next', 'end', '');
      return lines.join('\n');
    },
    check: (entries) =>
      entries.filter((e) => `fqdn-${e.value}`.length > 79).map((e) => `${e.value}: FortiGate object names are at most 79 characters`),
  },
];
