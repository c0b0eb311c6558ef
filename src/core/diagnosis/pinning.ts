/**
 * The pinning judgement: does this breakage come from the client pinning the real server's key or
 * certificate, or merely from a client that does not trust the inspection CA? A pure function over
 * recorded connections, tested as transcripts.
 */
import { findEvent } from '../../shared/timelineEvents';
import { BREAKAGE, PINNING_VALUES, SERVER_SIDE_BREAKAGE, type Category, type Pinning } from '../../shared/vocabulary';
import { pathExplanation } from './pathCauses';
import { classify, type Classification } from './classification';
import { hasEvent, targetHost, type ConnectionRecord } from '../timeline';


export interface Verdict extends Classification {
  readonly pinning: Pinning;
  readonly evidence: readonly string[];
  /** The host worked when tunnelled untouched after breaking under interception. */
  readonly confirmed: boolean;
}

/** What the other connections tell about each client fingerprint. */
export interface PeerContext {
  /** JA4 → hosts whose intercepted connections from that client carried application data. */
  readonly acceptedBy: ReadonlyMap<string, ReadonlySet<string>>;
  /** JA4 → hosts whose intercepted connections from that client broke. */
  readonly brokenBy: ReadonlyMap<string, ReadonlySet<string>>;
  /** Hosts confirmed by tunnelling: they broke under interception and worked untouched. */
  readonly confirmed: ReadonlySet<string>;
}

export function ja4Of(record: Pick<ConnectionRecord, 'events'>): string | null {
  return findEvent(record.events, 'client-hello')?.hello.ja4 ?? null;
}

/** The client fingerprints seen so far and where they worked or broke: a PeerContext being built. */
export interface PeerObservations {
  readonly acceptedBy: Map<string, Set<string>>;
  readonly brokenBy: Map<string, Set<string>>;
}

export function noPeerObservations(): PeerObservations {
  return { acceptedBy: new Map(), brokenBy: new Map() };
}

function add(map: Map<string, Set<string>>, key: string, value: string): void {
  const set = map.get(key) ?? new Set<string>();
  set.add(value);
  map.set(key, set);
}

/** Adds host to the fingerprint's set, keeping at most `capacity` fingerprints and hosts each (the oldest go). */
function remember(map: Map<string, Set<string>>, ja4: string, host: string, capacity: number): void {
  const hosts = map.get(ja4) ?? new Set<string>();
  hosts.delete(host);
  hosts.add(host);
  for (const old of hosts) {
    if (hosts.size <= capacity) break;
    hosts.delete(old);
  }
  map.delete(ja4);
  map.set(ja4, hosts);
  for (const old of map.keys()) {
    if (map.size <= capacity) break;
    map.delete(old);
  }
}

/**
 * Learns from one finished connection what its client (JA4) does: worked at this host under
 * interception, or broke there. The category is asked for only when it matters. Live, with a
 * `capacity` (hosts and fingerprints come off the network), the oldest are forgotten first; a whole
 * recording judged at once keeps them all.
 */
export function observePeer(peers: PeerObservations, record: Pick<ConnectionRecord, 'host' | 'mode' | 'events'>, categoryOf: () => Category, capacity?: number): void {
  if (record.mode !== 'intercept') return;
  const ja4 = ja4Of(record);
  if (!ja4) return;
  const category = categoryOf();
  const target = category === 'ok' ? peers.acceptedBy : BREAKAGE.has(category) && !SERVER_SIDE_BREAKAGE.has(category) ? peers.brokenBy : undefined;
  if (!target) return;
  if (capacity === undefined) add(target, ja4, targetHost(record));
  else remember(target, ja4, targetHost(record), capacity);
}

export function buildPeerContext(records: readonly ConnectionRecord[], confirmed: ReadonlySet<string> = new Set()): PeerContext {
  const peers = noPeerObservations();
  for (const record of records) if (record.finished) observePeer(peers, record, () => classify(record).category);
  return { ...peers, confirmed };
}

function listHosts(hosts: Iterable<string>, limit = 3): string {
  const all = [...hosts];
  return all.slice(0, limit).join(', ') + (all.length > limit ? ` and ${all.length - limit} more` : '');
}

export function judge(record: Pick<ConnectionRecord, 'host' | 'mode' | 'events'>, peers: PeerContext): Verdict {
  const classification = classify(record);
  const { category } = classification;
  const host = targetHost(record);
  const verdict = (pinning: Pinning, evidence: string[]): Verdict => ({ ...classification, pinning, evidence, confirmed: peers.confirmed.has(host) });
  const serverSide = pathExplanation(category, classification.reason, record.events);
  if (serverSide) return verdict('unlikely', [...serverSide.evidence]);
  if (!BREAKAGE.has(category) || category === 'tls-mismatch') {
    const why: Partial<Record<Category, string>> = {
      ok: 'Application data flowed: the client accepted the interception.',
      'not-tls': 'The tunnel did not carry TLS, so there was no certificate to pin.',
      'upstream-failed': 'The real server could not be reached, so the client never judged a forged certificate.',
      'tls-mismatch': 'The client and the proxy share no protocol version or cipher: a configuration problem, not pinning.',
    };
    return verdict('unlikely', [why[category] ?? classification.reason]);
  }
  const ja4 = ja4Of(record);
  const acceptedElsewhere = [...(ja4 ? peers.acceptedBy.get(ja4) ?? [] : [])].filter((h) => h !== host);
  const brokenElsewhere = [...(ja4 ? peers.brokenBy.get(ja4) ?? [] : [])].filter((h) => h !== host);
  const evidence: string[] = [`${classification.reason.charAt(0).toUpperCase()}${classification.reason.slice(1)}.`];
  let pinning: Pinning = 'possible';
  const completed = hasEvent(record.events, 'handshake-complete');
  const certificateSent = hasEvent(record.events, 'forged-certificate');
  if (completed) {
    pinning = 'likely';
    evidence.push("The client's TLS stack accepted the forged chain (the handshake completed), then the connection was abandoned without data: an application-level check rejected it, which is how pinning behaves.");
  } else if (!certificateSent) {
    pinning = 'unlikely';
    evidence.push('The client gave up before it saw any certificate, so it cannot have judged ours.');
  }
  if (acceptedElsewhere.length > 0 && certificateSent) {
    pinning = 'likely';
    evidence.push(`The same client (JA4 ${ja4 ?? '?'}) accepted forged certificates from the same CA for ${listHosts(acceptedElsewhere)}: it trusts the Pinscope CA, so rejecting this host points to pinning.`);
  } else if (pinning === 'possible' && brokenElsewhere.length > 0) {
    pinning = 'unlikely';
    evidence.push(`The same client (JA4 ${ja4 ?? '?'}) also broke on ${listHosts(brokenElsewhere)} and accepted no intercepted host: it most likely does not trust the Pinscope CA at all. Trust the CA and retry.`);
  } else if (pinning === 'possible') {
    evidence.push(classification.alert === 'unknown_ca'
      ? 'unknown_ca alone cannot tell pinning from a client that does not trust the Pinscope CA: trust the CA (Export CA Certificate) and retry, or confirm by tunnelling.'
      : 'A rejection alone cannot tell pinning from a client that does not trust the Pinscope CA: confirm by tunnelling, or see whether the same client accepts other intercepted hosts.');
  }
  if (peers.confirmed.has(host)) {
    pinning = 'likely';
    evidence.push('Confirmed by tunnelling: the same host worked when its traffic was relayed untouched, so it breaks only under inspection.');
  }
  return verdict(pinning, evidence);
}

export function strongest(a: Pinning, b: Pinning): Pinning {
  return PINNING_VALUES.indexOf(a) >= PINNING_VALUES.indexOf(b) ? a : b;
}
