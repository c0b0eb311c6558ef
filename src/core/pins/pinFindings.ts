/**
 * Pin configurations linked to what the proxy saw: for each configuration, the observed hosts it covers
 * (with their categories and pinning verdict), whether its pins are stale against the chain the real
 * server serves now, whether it has expired, and the developer's fix.
 */
import type { Category, Pinning } from '../../shared/vocabulary';
import { judgeAll, summariseHosts, type HostSummary } from '../diagnosis/hostSummary';
import { targetHost, type ConnectionRecord } from '../timeline';
import { configurationCovers } from './hostMatching';
import type { PinConfiguration } from './pinConfiguration';
import { fixFor, type PinFix } from './pinFixes';

/**
 * One distinct chain a server sent, as the SPKI pins (base64 SHA-256) of its certificates, leaf first.
 * `complete`: it ends in a self-signed root. Servers usually do not send their root, and a client's pin
 * may be on that root: when it is missing, a chain that matches no pin makes the pins only *possibly* stale.
 */
interface ObservedChain {
  readonly pins: readonly string[];
  readonly complete: boolean;
}

/** What the proxy recorded for one host: its summary and each distinct chain the real server served. */
export interface ObservedHost {
  readonly host: string;
  readonly connections: number;
  readonly categories: Readonly<Partial<Record<Category, number>>>;
  readonly breaks: boolean;
  readonly pinning: Pinning;
  readonly chains: readonly ObservedChain[];
}

interface StalePins {
  readonly host: string;
  /** The pins of the chain(s) the server serves now. */
  readonly served: readonly string[];
  /** Every chain compared ended in its root: the pins are certainly stale (else only possibly: the root was not sent). */
  readonly certain: boolean;
}

export interface PinFinding {
  readonly configuration: PinConfiguration;
  readonly observed: readonly ObservedHost[];
  /** Hosts whose served chains match none of the configuration's pins (backups included). */
  readonly stale: readonly StalePins[];
  readonly expired: boolean;
  readonly fix: PinFix;
}

export type FindingSeverity = 'error' | 'warning' | 'note';

/** The chains seen per host, from the `upstream-tls` events of the recording. */
export function observedHosts(
  records: readonly ConnectionRecord[],
  summaries: readonly HostSummary[] = summariseHosts(judgeAll(records)),
): ObservedHost[] {
  const chains = new Map<string, Map<string, ObservedChain>>();
  for (const record of records) {
    for (const event of record.events) {
      if (event.kind !== 'upstream-tls' || event.chain.length === 0) continue;
      const pins = event.chain.map((c) => c.pin);
      const last = event.chain.at(-1);
      const host = targetHost(record).toLowerCase();
      const known = chains.get(host) ?? new Map<string, ObservedChain>();
      known.set(pins.join(' '), { pins, complete: last !== undefined && last.subject === last.issuer });
      chains.set(host, known);
    }
  }
  return summaries.map((summary) => ({
    host: summary.host,
    connections: summary.connections,
    categories: summary.categories,
    breaks: summary.breaks,
    pinning: summary.pinning,
    chains: [...(chains.get(summary.host.toLowerCase())?.values() ?? [])],
  }));
}

function isExpired(configuration: PinConfiguration, today: string): boolean {
  return (
    configuration.expiration !== undefined &&
    /^\d{4}-\d{2}-\d{2}/.test(configuration.expiration) &&
    configuration.expiration.slice(0, 10) < today
  );
}

/** Stale only when every pin is comparable (SPKI SHA-256, all resolved), the pins are enforced, and no observed chain matches any pin. */
function staleHosts(configuration: PinConfiguration, observed: readonly ObservedHost[], expired: boolean): StalePins[] {
  const { pins } = configuration;
  if (expired || configuration.notEnforced !== undefined || (configuration.unresolvedPins ?? 0) > 0) return [];
  if (pins.length === 0 || pins.some((p) => p.kind !== 'spki-sha256')) return [];
  const pinned = new Set(pins.map((p) => p.value));
  return observed.flatMap((host) => {
    if (host.chains.length === 0) return [];
    const matches = host.chains.some((chain) => chain.pins.some((pin) => pinned.has(pin)));
    return matches
      ? []
      : [
          {
            host: host.host,
            served: [...new Set(host.chains.flatMap((chain) => chain.pins))],
            certain: host.chains.every((chain) => chain.complete),
          },
        ];
  });
}

/** `today` is YYYY-MM-DD (UTC), injectable for tests. */
export function linkFindings(
  configurations: readonly PinConfiguration[],
  observed: readonly ObservedHost[],
  today = new Date().toISOString().slice(0, 10),
): PinFinding[] {
  return configurations.map((configuration) => {
    const covered = observed.filter((host) => configurationCovers(configuration, host.host));
    const expired = isExpired(configuration, today);
    return { configuration, observed: covered, stale: staleHosts(configuration, covered, expired), expired, fix: fixFor(configuration) };
  });
}

export function findingSeverity(finding: PinFinding): FindingSeverity {
  if (finding.stale.some((s) => s.certain)) return 'error';
  if (finding.stale.length > 0 || finding.expired || finding.observed.some((h) => h.breaks)) return 'warning';
  return 'note';
}

/** "api.example.com — breaks under inspection (closed-after-handshake ×3, pinning likely)" */
export function describeObservation(host: ObservedHost): string {
  const counts = Object.entries(host.categories)
    .map(([category, count]) => `${category} ×${count}`)
    .join(', ');
  if (!host.breaks) return `${host.host} — works under inspection (${counts})`;
  return `${host.host} — breaks under inspection (${counts}, pinning ${host.pinning})`;
}
