/** Whether a pinned host pattern covers a host, with each ecosystem's semantics (see HostMatch). */
import type { PinConfiguration, PinnedHost } from './pinConfiguration';

function normalise(host: string): string {
  const lower = host.trim().toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

export function pinnedHostCovers(pinned: PinnedHost, rawHost: string): boolean {
  const host = normalise(rawHost);
  const domain = normalise(pinned.domain);
  const below = host.endsWith(`.${domain}`);
  switch (pinned.match) {
    case 'exact':
      return host === domain;
    case 'subdomains':
    case 'any-depth':
      return host === domain || below;
    case 'one-label':
      return below && !host.slice(0, -domain.length - 1).includes('.');
  }
}

export function configurationCovers(configuration: PinConfiguration, host: string): boolean {
  return configuration.hosts.some((pinned) => pinnedHostCovers(pinned, host));
}
