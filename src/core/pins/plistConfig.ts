/**
 * Apple property lists (XML form): `NSAppTransportSecurity` › `NSPinnedDomains` (iOS 14+, macOS 11+)
 * and TrustKit's `TSKConfiguration` › `TSKPinnedDomains`. Binary plists are reported as skipped.
 */
import type { FileScan, Pin, PinConfiguration, ScanProblem } from './pinConfiguration';
import { parseXml, type XmlElement } from './xmlTree';

type PlistValue =
  | {
      readonly type: 'dict';
      readonly line: number;
      readonly entries: ReadonlyMap<string, { readonly keyLine: number; readonly value: PlistValue }>;
    }
  | { readonly type: 'array'; readonly line: number; readonly items: readonly PlistValue[] }
  | { readonly type: 'string'; readonly line: number; readonly value: string }
  | { readonly type: 'bool'; readonly line: number; readonly value: boolean }
  | { readonly type: 'other'; readonly line: number };

function toValue(element: XmlElement): PlistValue {
  switch (element.name) {
    case 'dict': {
      const entries = new Map<string, { keyLine: number; value: PlistValue }>();
      const children = element.children;
      for (let i = 0; i < children.length; i++) {
        const key = children[i];
        const value = children[i + 1];
        if (key?.name !== 'key' || !value) continue;
        entries.set(key.text.trim(), { keyLine: key.line, value: toValue(value) });
        i++;
      }
      return { type: 'dict', line: element.line, entries };
    }
    case 'array':
      return { type: 'array', line: element.line, items: element.children.map(toValue) };
    case 'string':
    case 'date':
      return { type: 'string', line: element.textLine, value: element.text.trim() };
    case 'true':
    case 'false':
      return { type: 'bool', line: element.line, value: element.name === 'true' };
    default:
      return { type: 'other', line: element.line };
  }
}

function entry(dict: PlistValue | undefined, key: string): { keyLine: number; value: PlistValue } | undefined {
  return dict?.type === 'dict' ? dict.entries.get(key) : undefined;
}

function truthy(value: PlistValue | undefined): boolean {
  return value?.type === 'bool' && value.value;
}

function strings(value: PlistValue | undefined): { value: string; line: number }[] {
  return value?.type === 'array'
    ? value.items.flatMap((item) => (item.type === 'string' ? [{ value: item.value, line: item.line }] : []))
    : [];
}

function pinnedDomains(file: string, ats: PlistValue | undefined): PinConfiguration[] {
  const domains = entry(ats, 'NSPinnedDomains')?.value;
  if (domains?.type !== 'dict') return [];
  return [...domains.entries].map(([domain, { keyLine, value }]) => {
    const pins: Pin[] = ['NSPinnedCAIdentities', 'NSPinnedLeafIdentities'].flatMap((key) => {
      const list = entry(value, key)?.value;
      return list?.type === 'array'
        ? list.items.flatMap((identity) => {
            const hash = entry(identity, 'SPKI-SHA256-BASE64')?.value;
            return hash?.type === 'string' ? [{ kind: 'spki-sha256' as const, value: hash.value, line: hash.line }] : [];
          })
        : [];
    });
    return {
      file,
      line: keyLine,
      ecosystem: 'ios' as const,
      kind: 'pins' as const,
      hosts: [
        {
          domain: domain.toLowerCase(),
          match: truthy(entry(value, 'NSIncludesSubdomains')?.value) ? ('subdomains' as const) : ('exact' as const),
          line: keyLine,
        },
      ],
      pins,
      detail: 'NSAppTransportSecurity › NSPinnedDomains',
    };
  });
}

/** TrustKit's dictionary, as a plist or (see appleSourcePins) as code: keys with or without the `k` prefix. */
function trustKitDomains(file: string, configuration: PlistValue | undefined): PinConfiguration[] {
  const domains = entry(configuration, 'TSKPinnedDomains')?.value;
  if (domains?.type !== 'dict') return [];
  return [...domains.entries].map(([domain, { keyLine, value }]) => {
    const expiration = entry(value, 'TSKExpirationDate')?.value;
    const enforce = entry(value, 'TSKEnforcePinning')?.value;
    return {
      file,
      line: keyLine,
      ecosystem: 'trustkit' as const,
      kind: 'pins' as const,
      hosts: [
        {
          domain: domain.toLowerCase(),
          match: truthy(entry(value, 'TSKIncludeSubdomains')?.value) ? ('subdomains' as const) : ('exact' as const),
          line: keyLine,
        },
      ],
      pins: strings(entry(value, 'TSKPublicKeyHashes')?.value).map((h) => ({ kind: 'spki-sha256' as const, value: h.value, line: h.line })),
      detail: 'TrustKit TSKPinnedDomains (Info.plist)',
      ...(expiration?.type === 'string' ? { expiration: expiration.value.slice(0, 10) } : {}),
      ...(enforce?.type === 'bool' && !enforce.value ? { notEnforced: 'TSKEnforcePinning is false: failures are only reported' } : {}),
    };
  });
}

export function isPlist(file: string, text: string): boolean {
  return file.endsWith('.plist') && (text.startsWith('bplist') || text.includes('<plist') || text.includes('<dict'));
}

export function scanPlist(file: string, text: string): FileScan {
  if (text.startsWith('bplist')) {
    const mentions = text.includes('NSPinnedDomains') || text.includes('TSKPinnedDomains');
    return {
      configurations: [],
      problems: [
        {
          file,
          line: 1,
          kind: 'skipped',
          message: `binary property list not read${mentions ? ' (it mentions pinned domains)' : ''}; convert it with \`plutil -convert xml1\` to scan it`,
        },
      ],
    };
  }
  if (!text.includes('NSPinnedDomains') && !text.includes('TSKPinnedDomains')) return { configurations: [], problems: [] };
  const document = parseXml(text);
  const problems: ScanProblem[] = document.problems.map((p) => ({
    file,
    line: p.line,
    kind: 'malformed',
    message: `property list: ${p.message}`,
  }));
  const top = document.root?.name === 'plist' ? document.root.children[0] : document.root;
  const root = top ? toValue(top) : undefined;
  const ats = entry(root, 'NSAppTransportSecurity')?.value;
  const trustKit = entry(root, 'TSKConfiguration')?.value;
  return { configurations: [...pinnedDomains(file, ats), ...trustKitDomains(file, trustKit)], problems };
}
