/**
 * The pinning judgement with the process behind each connection: pure, over attributed records, tested
 * as transcripts. It names one cause per broken connection:
 *  - `pinning` (likely): the same process accepted forged certificates for other hosts, or its TLS stack
 *    accepted our chain and the app abandoned the connection — and nothing says it lacks the CA;
 *  - `fingerprint-only` (at most possible): only a *different* process with the same TLS fingerprint
 *    accepted other hosts: that shows the library can work through the CA, not that this process trusts it;
 *  - `ca-not-installed` (not a suspect): the process uses the OS store, which lacks the CA — a test-setup
 *    gap; `app-own-trust-store` (not a suspect): it brings its own store — it breaks under real inspection
 *    too, and the fix is in the app or its launch;
 *  - `undetermined` (possible): a rejection with nothing to tell pinning from distrust; `none`: no breakage.
 * Confirmation by tunnelling proves "breaks only under inspection", never "pins": it is reported apart.
 */
import { findEvent } from '../../shared/timelineEvents';
import { BREAKAGE, SERVER_SIDE_BREAKAGE, type Pinning } from '../../shared/vocabulary';
import { classify, type Classification } from './classification';
import type { Verdict } from './pinning';
import { hasEvent, targetHost, type ConnectionRecord } from '../timeline';
import type { TrustKnowledge } from '../process/trustKnowledge';
import { pathExplanation, type PathCause } from './pathCauses';

export type BreakageCause = 'pinning' | 'fingerprint-only' | 'ca-not-installed' | 'app-own-trust-store' | 'undetermined' | 'none' | PathCause;

/** What the judgement needs of a process's trust knowledge (a recording carries exactly this). */
type TrustFacts = Pick<TrustKnowledge, 'trustsCa' | 'gap' | 'evidence' | 'fix'>;

/** Who made a connection, as the judgement needs it. */
export type ClientProcess =
  | { readonly kind: 'local'; readonly key: string; readonly label: string; readonly trust: TrustFacts | null }
  | { readonly kind: 'remote'; readonly address: string; readonly label: string }
  | { readonly kind: 'unknown'; readonly label: string };

export interface AttributedRecord {
  readonly record: Pick<ConnectionRecord, 'host' | 'mode' | 'events'>;
  readonly client: ClientProcess;
}

export interface TrustAwareVerdict extends Verdict {
  readonly cause: BreakageCause;
  /** What the developer should do, when there is something to do. */
  readonly fix: string | null;
  /** Confirmed by tunnelling: the host works untouched. Not evidence of pinning by itself. */
  readonly breaksOnlyUnderInspection: boolean;
}

interface Seen {
  readonly label: string;
  readonly accepted: Set<string>;
  readonly broken: Set<string>;
}

/** What the other connections say, per client and per TLS fingerprint. */
export interface TrustAwarePeers {
  readonly byClient: ReadonlyMap<string, Seen>;
  /** JA4 → client key → hosts that client accepted. */
  readonly acceptedByFingerprint: ReadonlyMap<string, ReadonlyMap<string, Seen>>;
  readonly confirmed: ReadonlySet<string>;
}

const ja4Of = (record: AttributedRecord['record']): string | null => findEvent(record.events, 'client-hello')?.hello.ja4 ?? null;

/**
 * The identity evidence is credited to: one process (pid and start time); for a remote device, its address
 * with the TLS fingerprint (one app's stack on that device); none for an unknown process.
 */
function clientKey(item: AttributedRecord): string | null {
  const { client } = item;
  if (client.kind === 'local') return `process ${client.key}`;
  if (client.kind === 'remote') return `remote ${client.address} ${ja4Of(item.record) ?? ''}`;
  return null;
}

/** The peers being learned, connection by connection (live, the oldest clients and fingerprints are forgotten first). */
export interface TrustAwareObservations {
  readonly byClient: Map<string, Seen>;
  readonly acceptedByFingerprint: Map<string, Map<string, Seen>>;
}

export function noTrustAwareObservations(): TrustAwareObservations {
  return { byClient: new Map(), acceptedByFingerprint: new Map() };
}

/** Keeps a map within `capacity` entries, dropping the oldest (insertion order). */
function trim<K>(map: { readonly size: number; keys(): IterableIterator<K>; delete(key: K): boolean }, capacity: number | undefined): void {
  if (capacity === undefined) return;
  for (const old of map.keys()) {
    if (map.size <= capacity) break;
    map.delete(old);
  }
}

/** Learns from one finished connection what its client did there; `capacity` bounds what is remembered (live). */
export function observeTrustAware(peers: TrustAwareObservations, item: AttributedRecord, category: Classification['category'] = classify(item.record).category, capacity?: number): void {
  if (item.record.mode !== 'intercept') return;
  const key = clientKey(item) ?? `unknown ${ja4Of(item.record) ?? ''}`;
  const seen = peers.byClient.get(key) ?? { label: item.client.label, accepted: new Set<string>(), broken: new Set<string>() };
  peers.byClient.delete(key);
  peers.byClient.set(key, seen);
  trim(peers.byClient, capacity);
  const host = targetHost(item.record);
  if (category === 'ok') {
    seen.accepted.add(host);
    trim(seen.accepted, capacity);
    const ja4 = ja4Of(item.record);
    if (ja4) {
      const clients = peers.acceptedByFingerprint.get(ja4) ?? new Map<string, Seen>();
      peers.acceptedByFingerprint.delete(ja4);
      peers.acceptedByFingerprint.set(ja4, clients.set(key, seen));
      trim(clients, capacity);
      trim(peers.acceptedByFingerprint, capacity);
    }
  } else if (BREAKAGE.has(category) && !SERVER_SIDE_BREAKAGE.has(category)) {
    seen.broken.add(host);
    trim(seen.broken, capacity);
  }
}

export function buildTrustAwarePeers(items: readonly AttributedRecord[], confirmed: ReadonlySet<string> = new Set()): TrustAwarePeers {
  const peers = noTrustAwareObservations();
  for (const item of items) observeTrustAware(peers, item);
  return { ...peers, confirmed };
}

function listHosts(hosts: Iterable<string>, limit = 3): string {
  const all = [...hosts];
  return all.slice(0, limit).join(', ') + (all.length > limit ? ` and ${all.length - limit} more` : '');
}

const NOT_BREAKAGE: Partial<Record<Classification['category'], string>> = {
  ok: 'Application data flowed: the client accepted the interception.',
  'not-tls': 'The tunnel did not carry TLS, so there was no certificate to pin.',
  'upstream-failed': 'The real server could not be reached, so the client never judged a forged certificate.',
  'tls-mismatch': 'The client and the proxy share no protocol version or cipher: a configuration problem, not pinning.',
};

export function judgeWithTrust(item: AttributedRecord, peers: TrustAwarePeers): TrustAwareVerdict {
  const classification = classify(item.record);
  const host = targetHost(item.record);
  const breaksOnlyUnderInspection = peers.confirmed.has(host);
  const { client } = item;
  const evidence: string[] = [];
  const verdict = (pinning: Pinning, cause: BreakageCause, fix: string | null = null): TrustAwareVerdict => {
    if (breaksOnlyUnderInspection && cause !== 'none') {
      evidence.push(cause === 'ca-not-installed' || cause === 'app-own-trust-store'
        ? 'Confirmed by tunnelling: the host works untouched, as expected from a client that does not trust the CA — this confirms the breakage, not a pin.'
        : 'Confirmed by tunnelling: the host works when relayed untouched, so it breaks only under inspection. That does not by itself show pinning.');
    }
    return { ...classification, pinning, evidence, confirmed: breaksOnlyUnderInspection, cause, fix, breaksOnlyUnderInspection };
  };
  const category = classification.category;
  const serverSide = pathExplanation(category, classification.reason, item.record.events);
  if (serverSide) {
    evidence.push(...serverSide.evidence);
    return { ...classification, pinning: 'unlikely', evidence, confirmed: breaksOnlyUnderInspection, cause: serverSide.cause, fix: serverSide.fix, breaksOnlyUnderInspection };
  }
  if (!BREAKAGE.has(category) || category === 'tls-mismatch') {
    evidence.push(NOT_BREAKAGE[category] ?? classification.reason);
    return verdict('unlikely', 'none');
  }
  evidence.push(`${classification.reason.charAt(0).toUpperCase()}${classification.reason.slice(1)} (${client.label}).`);
  if (!hasEvent(item.record.events, 'forged-certificate')) {
    evidence.push('The client gave up before it saw any certificate, so it cannot have judged ours.');
    return verdict('unlikely', 'none');
  }
  const key = clientKey(item);
  const mine = key ? peers.byClient.get(key) : undefined;
  const acceptedHere = [...(mine?.accepted ?? [])].filter((h) => h !== host);
  const who = client.kind === 'local' ? 'The same process' : 'The same device and TLS stack';
  if (acceptedHere.length > 0) {
    evidence.push(`${who} (${client.label}) accepted forged certificates from the same CA for ${listHosts(acceptedHere)}: it trusts the Pinscope CA, so rejecting this host points to pinning.`);
    return verdict('likely', 'pinning', 'Ask for an SSL-inspection exemption for this host (Export Exemption Request), or remove the pin for builds tested behind inspection.');
  }
  const trust = client.kind === 'local' ? client.trust : null;
  if (trust?.trustsCa === 'no' && trust.gap) {
    evidence.push(...trust.evidence);
    evidence.push(trust.gap === 'ca-not-installed'
      ? 'Not a pinning suspect: the CA is missing from the store this process uses — a test-setup gap that real inspection would not reproduce once IT deploys its root.'
      : 'Not a pinning suspect: this process ignores the OS trust store and brings its own, so it breaks under real inspection too, even on managed machines. An exemption is not the fix; the app or its launch is.');
    return verdict('unlikely', trust.gap, trust.fix);
  }
  if (hasEvent(item.record.events, 'handshake-complete')) {
    evidence.push("The client's TLS stack accepted the forged chain (the handshake completed), then the connection was abandoned without data: an application-level check rejected it, which is how pinning behaves.");
    if (trust?.trustsCa === 'yes') evidence.push(...trust.evidence);
    return verdict('likely', 'pinning', 'Ask for an SSL-inspection exemption for this host (Export Exemption Request), or remove the pin for builds tested behind inspection.');
  }
  const ja4 = ja4Of(item.record);
  const others = [...(ja4 ? peers.acceptedByFingerprint.get(ja4) ?? new Map<string, Seen>() : new Map<string, Seen>())].filter(([otherKey]) => otherKey !== key);
  if (trust) evidence.push(...trust.evidence.filter((e) => !evidence.includes(e)));
  if (others.length > 0) {
    const [, first] = others[0] ?? [];
    evidence.push(`Only weak evidence: ${others.length === 1 ? 'another process' : `${others.length} other processes`} with the same TLS fingerprint (JA4 ${ja4 ?? '?'}${first ? `, e.g. ${first.label}` : ''}) accepted forged certificates. That shows the TLS library can work through the CA, not that this process trusts it.`);
    return verdict('possible', 'fingerprint-only', trust?.fix ?? 'Have this same process fetch another intercepted host: if it works there, a pin is likely.');
  }
  const brokenHere = [...(mine?.broken ?? [])].filter((h) => h !== host);
  if (key && brokenHere.length > 0 && trust?.trustsCa !== 'yes') {
    evidence.push(`${who} also broke on ${listHosts(brokenHere)} and accepted no intercepted host: it most likely does not trust the Pinscope CA at all.`);
    return verdict('unlikely', 'undetermined', trust?.fix ?? 'Trust the CA (Export CA Certificate) or start it from a Pinscope terminal, and retry.');
  }
  if (trust?.trustsCa === 'yes') {
    evidence.push('It was told to trust the CA and still rejected this host: a pin is plausible. Have the same process fetch another intercepted host, or confirm by tunnelling, to be sure.');
  } else if (client.kind === 'unknown') {
    evidence.push('The process could not be identified, so whether it trusts the Pinscope CA is unknown: trust the CA (Export CA Certificate) and retry, or confirm by tunnelling.');
  } else {
    evidence.push(classification.alert === 'unknown_ca'
      ? 'unknown_ca alone cannot tell pinning from a client that does not trust the Pinscope CA: trust the CA (Export CA Certificate) and retry, or confirm by tunnelling.'
      : 'A rejection alone cannot tell pinning from a client that does not trust the Pinscope CA: see whether the same process accepts other intercepted hosts.');
  }
  return verdict('possible', 'undetermined', trust?.fix ?? null);
}

/** Judges every record against the context built from all of them (later connections sharpen earlier verdicts). */
export function judgeAllWithTrust(items: readonly AttributedRecord[], confirmed?: ReadonlySet<string>): TrustAwareVerdict[] {
  const peers = buildTrustAwarePeers(items, confirmed);
  return items.map((item) => judgeWithTrust(item, peers));
}
