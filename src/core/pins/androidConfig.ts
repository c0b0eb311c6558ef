/**
 * Android `res/xml/network_security_config.xml`: each `<domain-config>` with a `<pin-set>` (its own or
 * its parent's: nested configs inherit) pins its `<domain>`s; `includeSubdomains="true"` covers every
 * subdomain; after `expiration` the pins are no longer enforced; trust anchors with
 * `overridePins="true"` bypass them; `<debug-overrides>` apply to debuggable builds only.
 */
import type { FileScan, Pin, PinConfiguration, PinnedHost, ScanProblem } from './pinConfiguration';
import { childElements, parseXml, type XmlElement } from './xmlTree';

export function isAndroidNetworkConfig(text: string): boolean {
  return text.includes('<network-security-config');
}

function pinsOf(pinSet: XmlElement): Pin[] {
  return childElements(pinSet, 'pin').map((pin) => {
    const digest = (pin.attributes.get('digest')?.value ?? 'SHA-256').toUpperCase();
    return { kind: digest === 'SHA-256' ? 'spki-sha256' : 'spki-sha1', value: pin.text.trim(), line: pin.textLine };
  });
}

function overridingAnchors(config: XmlElement): string[] {
  return childElements(config, 'trust-anchors')
    .flatMap((anchors) => childElements(anchors, 'certificates'))
    .filter((c) => c.attributes.get('overridePins')?.value === 'true')
    .map((c) => c.attributes.get('src')?.value ?? '?');
}

function debugAcceptsUserCa(root: XmlElement): boolean {
  return childElements(root, 'debug-overrides')
    .flatMap((d) => childElements(d, 'trust-anchors'))
    .flatMap((a) => childElements(a, 'certificates'))
    .some((c) => c.attributes.get('src')?.value === 'user');
}

export function scanAndroidNetworkConfig(file: string, text: string): FileScan {
  const document = parseXml(text);
  const problems: ScanProblem[] = document.problems.map((p) => ({
    file,
    line: p.line,
    kind: 'malformed',
    message: `network security config: ${p.message}`,
  }));
  const root = document.root;
  if (!root || root.name !== 'network-security-config') {
    if (root)
      problems.push({
        file,
        line: root.line,
        kind: 'malformed',
        message: `network security config: the root element is <${root.name}>, not <network-security-config>`,
      });
    return { configurations: [], problems };
  }
  const userCa = debugAcceptsUserCa(root);
  const configurations: PinConfiguration[] = [];
  const visit = (config: XmlElement, inherited: XmlElement | undefined, inheritedOverrides: readonly string[]): void => {
    const own = childElements(config, 'pin-set');
    if (own.length > 1)
      problems.push({
        file,
        line: own[1]?.line ?? config.line,
        kind: 'malformed',
        message: 'network security config: a <domain-config> has more than one <pin-set>; Android rejects the file',
      });
    const pinSet = own[0] ?? inherited;
    const anchors = childElements(config, 'trust-anchors');
    const overrides = anchors.length > 0 ? overridingAnchors(config) : inheritedOverrides;
    const hosts: PinnedHost[] = childElements(config, 'domain').map((domain) => ({
      domain: domain.text.trim().toLowerCase(),
      match: domain.attributes.get('includeSubdomains')?.value === 'true' ? 'subdomains' : 'exact',
      line: domain.textLine,
    }));
    if (pinSet && hosts.length > 0) {
      const expiration = pinSet.attributes.get('expiration')?.value;
      configurations.push({
        file,
        line: own[0] ? pinSet.line : config.line,
        ecosystem: 'android',
        kind: 'pins',
        hosts,
        pins: pinsOf(pinSet),
        detail: own[0] ? '<pin-set> of <domain-config>' : `<domain-config> inheriting the <pin-set> of line ${pinSet.line}`,
        ...(expiration ? { expiration } : {}),
        ...(overrides.length > 0
          ? { notEnforced: `trust anchors with overridePins="true" (${overrides.join(', ')}) bypass the pins` }
          : {}),
        debugAcceptsUserCa: userCa,
      });
    }
    for (const nested of childElements(config, 'domain-config')) visit(nested, pinSet, overrides);
  };
  for (const config of childElements(root, 'domain-config')) visit(config, undefined, []);
  return { configurations, problems };
}
