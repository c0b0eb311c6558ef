/** Broadcom ProxySG: a CPL condition and an ssl-intercept layer that does not intercept it. */
import { header, noProblems, safeIdentifier, type VendorFormat } from './vendorFormat';

export const PROXYSG_FORMATS: readonly VendorFormat[] = [
  {
    id: 'proxysg',
    product: 'broadcom',
    title: 'Broadcom ProxySG: CPL',
    language: 'plaintext',
    extension: 'cpl',
    render: (entries, context) => {
      const name = safeIdentifier(`pinscope_${context.appName}`, 60).replace(/-/g, '_');
      return `${header(['ProxySG CPL (Local Policy or a CPL layer in VPM): do not intercept certificate-pinned hosts.'], ';', entries, context)}define condition ${name}
${entries.map((e) => (e.kind === 'domain' ? `    url.domain=${e.value}` : `    url.host.exact=${e.value}`)).join('\n')}
end

<ssl-intercept>
    condition=${name} ssl.forward_proxy(no)
`;
    },
    check: noProblems,
  },
];
