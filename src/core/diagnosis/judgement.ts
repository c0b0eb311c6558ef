/**
 * The one judgement: a broken connection and what is known of its client → a verdict on one rung of the
 * evidence ladder (ladder.ts, docs/judgement.md). Pure: the evidence is gathered by the caller — live,
 * as events happen (Diagnosis); for a whole recording, from all of it (`judgeAll` in hostSummary.ts).
 * Wire evidence comes first; what the process's launch says about trust is a hint, and its absence is
 * never proof that the client does not trust the CA.
 */
import { BREAKAGE, SERVER_SIDE_BREAKAGE, type Category } from '../../shared/vocabulary';
import { pathExplanation } from './pathCauses';
import { classify, type Classification } from './classification';
import { RUNGS, type BreakageCause, type RungId } from './ladder';
import { ja4Of, type Verdict } from './pinning';
import { clientSentData, hasEvent, targetHost, type ConnectionRecord } from '../timeline';
import type { HostName } from '../hostNames';
import { processKeyOf, type TrustSummary } from '../record/client';
import { runtimeFromName, runtimeTls, type RuntimeTls } from '../record/runtimes';

type JudgedRecord = Pick<ConnectionRecord, 'host' | 'mode' | 'events' | 'client'>;

/** Who made a connection, as far as evidence can be credited to it. */
type Client =
  | {
      readonly kind: 'process';
      readonly key: string;
      readonly label: string;
      readonly name: string;
      readonly path: string | null;
      readonly trust: TrustSummary | null;
    }
  | { readonly kind: 'remote'; readonly key: string | null; readonly label: string }
  /** Attribution off, or a recording from before it: the TLS fingerprint is the only identity. */
  | { readonly kind: 'fingerprint'; readonly key: string | null; readonly label: string }
  /** Attributed, but its process could not be found: nothing is credited to it. */
  | { readonly kind: 'unknown'; readonly key: null; readonly label: string };

function clientOf(record: Pick<ConnectionRecord, 'events' | 'client'>): Client {
  const ja4 = ja4Of(record);
  const process = record.client?.process;
  if (!process) return { kind: 'fingerprint', key: ja4 && `fingerprint ${ja4}`, label: `the client with TLS fingerprint ${ja4 ?? '?'}` };
  if (process.kind === 'remote')
    return { kind: 'remote', key: ja4 && `remote ${process.address ?? process.label} ${ja4}`, label: process.label };
  const key = processKeyOf(process);
  if (process.kind === 'unknown' || key === null) return { kind: 'unknown', key: null, label: process.label };
  return {
    kind: 'process',
    key: `process ${key}`,
    label: process.label,
    name: process.name ?? '',
    path: process.path ?? null,
    trust: record.client?.trust ?? null,
  };
}

interface Seen {
  readonly label: string;
  /** Hosts it sent application data to through a forged certificate. */
  readonly accepted: Set<HostName>;
  readonly broken: Set<HostName>;
  /** Hosts whose handshake it completed on a stack that does not complete it whatever the chain. */
  readonly completed: Set<HostName>;
}

/** What is known so far, per client and per TLS fingerprint; `generation` changes whenever it grows. */
export interface JudgementEvidence {
  readonly byClient: Map<string, Seen>;
  /** JA4 → processes that accepted a forged certificate with that fingerprint (label by key). */
  readonly acceptedByFingerprint: Map<string, Map<string, string>>;
  readonly confirmed: Set<HostName>;
  generation: number;
}

export function noEvidence(confirmed: Iterable<HostName> = []): JudgementEvidence {
  return { byClient: new Map(), acceptedByFingerprint: new Map(), confirmed: new Set(confirmed), generation: 0 };
}

/** Keeps a map or set within `capacity` entries, dropping the oldest (insertion order). */
function trim<K>(map: { readonly size: number; keys(): IterableIterator<K>; delete(key: K): boolean }, capacity: number | undefined): void {
  if (capacity === undefined) return;
  for (const old of map.keys()) {
    if (map.size <= capacity) break;
    map.delete(old);
  }
}

function seenFor(evidence: JudgementEvidence, key: string, label: string, capacity?: number): Seen {
  const seen = evidence.byClient.get(key) ?? {
    label,
    accepted: new Set<HostName>(),
    broken: new Set<HostName>(),
    completed: new Set<HostName>(),
  };
  evidence.byClient.delete(key);
  evidence.byClient.set(key, seen);
  trim(evidence.byClient, capacity);
  return seen;
}

function addHost(evidence: JudgementEvidence, set: Set<HostName>, host: HostName, capacity?: number): void {
  if (set.has(host)) return;
  set.add(host);
  trim(set, capacity);
  evidence.generation++;
}

/** The client sent application data through a forged certificate: it trusted our chain. Counted the moment it happens. */
function isAcceptance(record: Pick<ConnectionRecord, 'mode' | 'events'>): boolean {
  return record.mode === 'intercept' && hasEvent(record.events, 'forged-certificate') && clientSentData(record.events);
}

/** Credits an acceptance to its client (live: on the client's first data, even while the connection stays open). */
export function observeAcceptance(
  evidence: JudgementEvidence,
  record: Pick<ConnectionRecord, 'host' | 'mode' | 'events' | 'client'>,
  capacity?: number,
): void {
  if (!isAcceptance(record)) return;
  const client = clientOf(record);
  if (client.key === null) return;
  const host = targetHost(record);
  addHost(evidence, seenFor(evidence, client.key, client.label, capacity).accepted, host, capacity);
  const ja4 = ja4Of(record);
  if (client.kind === 'process' && ja4) {
    const clients = evidence.acceptedByFingerprint.get(ja4) ?? new Map<string, string>();
    evidence.acceptedByFingerprint.delete(ja4);
    evidence.acceptedByFingerprint.set(ja4, clients.set(client.key, client.label));
    trim(clients, capacity);
    trim(evidence.acceptedByFingerprint, capacity);
  }
}

/** The stack a connection's client uses, when its runtime is known (by its trust knowledge, else by its name). */
function stackOf(client: Client): RuntimeTls {
  if (client.kind !== 'process') return runtimeTls('unknown');
  return runtimeTls(client.trust?.runtime ?? runtimeFromName(client.path, client.name) ?? 'unknown');
}

/** Learns from one finished connection what its client did there. */
export function observeFinished(
  evidence: JudgementEvidence,
  record: JudgedRecord,
  category: Category = classify(record).category,
  capacity?: number,
): void {
  if (record.mode !== 'intercept') return;
  observeAcceptance(evidence, record, capacity);
  const client = clientOf(record);
  // A server-side breakage says nothing about the client's trust.
  if (client.key === null || !BREAKAGE.has(category) || category === 'tls-mismatch' || SERVER_SIDE_BREAKAGE.has(category)) return;
  const seen = seenFor(evidence, client.key, client.label, capacity);
  const host = targetHost(record);
  addHost(evidence, seen.broken, host, capacity);
  // A completed handshake may show trust unless the stack is known to complete it whatever the chain (an
  // unknown stack's too): enough to keep the client off U2 ("rejects every host"), never enough for L1c.
  if (hasEvent(record.events, 'handshake-complete') && stackOf(client).validates !== 'after-handshake')
    addHost(evidence, seen.completed, host, capacity);
}

export function addConfirmation(evidence: JudgementEvidence, host: HostName): void {
  if (evidence.confirmed.has(host)) return;
  evidence.confirmed.add(host);
  evidence.generation++;
}

function listHosts(hosts: Iterable<string>, limit = 3): string {
  const all = [...hosts];
  return all.slice(0, limit).join(', ') + (all.length > limit ? ` and ${all.length - limit} more` : '');
}

/** Categories that are not a breakage a pin could cause: not judged (a non-pinning breakage gets its cause here too). */
const NOT_JUDGED: Partial<Record<Category, { readonly why: string; readonly cause: BreakageCause }>> = {
  ok: { why: 'Application data flowed: the client accepted the interception.', cause: 'none' },
  'not-tls': { why: 'The tunnel did not carry TLS, so there was no certificate to pin.', cause: 'none' },
  'upstream-failed': { why: 'The real server could not be reached, so the client never judged a forged certificate.', cause: 'none' },
  'tls-mismatch': {
    why: 'The client and the proxy share no protocol version or cipher: a configuration problem, not pinning.',
    cause: 'none',
  },
};

const FIX_PIN =
  'Ask for an SSL-inspection exemption for this host (Export Exemption Request), or remove the pin for builds tested behind inspection.';
const FIX_TRUST =
  'Trust the Pinscope CA where this program looks for it (Export CA Certificate), or start it from a Pinscope terminal or `pinscope run`, and retry.';
const STEP_OTHER_HOST =
  'To decide: have the same process fetch another intercepted host, one it does not pin: if that works, this is a pin.';
const STEP_TOLD =
  'To decide: start it with `pinscope run` or from a Pinscope terminal, which tell it to trust the CA: if it still rejects this host, this is a pin.';

/** What is not known about a client's TLS stack, in words. */
function unknownStack(client: Client, stack: RuntimeTls): string {
  if (stack.stack !== 'unknown') return `Its TLS stack (${stack.stack}) is known, but not whether it checks the chain inside the handshake`;
  if (client.kind === 'process') return `Its program (${client.name || client.label}) is not one whose TLS stack Pinscope knows`;
  if (client.kind === 'unknown') return 'Its process could not be identified, so its TLS stack is not known';
  if (client.kind === 'remote') return 'It runs on another device, so its TLS stack is not known';
  return 'Its process is not known (process attribution off, or a recording from before it), so its TLS stack is not known';
}

const capitalise = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);

/** Judges one connection with the evidence known now: the first rung of the ladder that holds decides. */
export function judgeConnection(record: JudgedRecord, evidence: JudgementEvidence): Verdict {
  const classification: Classification = classify(record);
  const host = targetHost(record);
  const confirmed = evidence.confirmed.has(host);
  const lines: string[] = [];
  const verdict = (rung: RungId, cause: BreakageCause, fix: string | null): Verdict => {
    if (confirmed && cause !== 'none') {
      lines.push(
        RUNGS[rung].pinning === 'unlikely'
          ? 'Confirmed by tunnelling: the host works untouched, as expected from a client that does not trust the CA — this confirms the breakage, not a pin.'
          : 'Confirmed by tunnelling: the host works when relayed untouched, so it breaks only under inspection. That does not by itself show pinning.',
      );
    }
    return { ...classification, pinning: RUNGS[rung].pinning, rung, cause, fix, evidence: lines, confirmed };
  };
  // S1: the inspection path broke it (a client certificate demanded, a protocol it does not offer): never a pin.
  const path = pathExplanation(classification.category, classification.reason, record.events);
  if (path) {
    lines.push(...path.evidence);
    return verdict('S1', path.cause, path.fix);
  }
  const notJudged = NOT_JUDGED[classification.category];
  if (notJudged || !BREAKAGE.has(classification.category)) {
    lines.push(notJudged?.why ?? capitalise(`${classification.reason}.`));
    return verdict('N0', notJudged?.cause ?? 'none', null);
  }
  const client = clientOf(record);
  lines.push(`${capitalise(classification.reason)} (${client.label}).`);
  if (!hasEvent(record.events, 'forged-certificate')) {
    lines.push('The client gave up before it saw any certificate, so it cannot have judged ours.');
    return verdict('N1', 'none', null);
  }
  const seen = client.key === null ? undefined : evidence.byClient.get(client.key);
  const others = (set: ReadonlySet<string> | undefined): string[] => [...(set ?? [])].filter((h) => h !== host);
  const trust = client.kind === 'process' ? client.trust : null;
  const stack = stackOf(client);
  const ja4 = ja4Of(record);

  // L1a: wire proof that this same client trusts our chain: it sent data through it for another host.
  const accepted = others(seen?.accepted);
  if (accepted.length > 0) {
    const who =
      client.kind === 'process'
        ? `The same process (${client.label})`
        : client.kind === 'remote'
          ? `The same device and TLS stack (${client.label})`
          : `The same client (JA4 ${ja4 ?? '?'}; its process is not known)`;
    lines.push(
      `${who} accepted forged certificates from the same CA for ${listHosts(accepted)}: it trusts the Pinscope CA, so rejecting this host points to pinning.`,
    );
    return verdict('L1a', 'pinning', FIX_PIN);
  }
  // L1c: a stack known to check the chain inside the handshake completed it: it trusted the forged chain.
  const completed = hasEvent(record.events, 'handshake-complete');
  if (completed && stack.validates === 'in-handshake') {
    lines.push(
      `Its TLS stack (${stack.stack}) checks the chain inside the handshake and completed it: it trusted the forged chain. Then the connection was abandoned without data: an application-level check rejected it, which is how pinning behaves.`,
    );
    return verdict('L1c', 'pinning', FIX_PIN);
  }
  if (trust) lines.push(...trust.evidence);
  // U1: an explicit "I do not know this issuer" from a stack that sends it for nothing else.
  if (classification.alert !== null && stack.unknownIssuerAlerts.includes(classification.alert)) {
    const ignoresLaunch = trust?.trustsCa === 'yes';
    const cause = ignoresLaunch ? 'app-own-trust-store' : (trust?.gap ?? 'ca-not-installed');
    lines.push(
      ignoresLaunch
        ? `Not a pinning suspect: ${stack.stack} sends ${classification.alert} only when the chain leads to no root it trusts, although its launch told it to trust the CA: it uses a trust store of its own (in its code or configuration). It breaks under real inspection too, on every managed machine.`
        : `Not a pinning suspect: ${stack.stack} sends ${classification.alert} only when the chain leads to no root it trusts: this client does not trust the Pinscope CA.`,
    );
    return verdict(
      'U1',
      cause,
      ignoresLaunch
        ? 'Exempt the host, or make the app use the OS trust store (or trust the company root in its own store).'
        : (trust?.fix ?? FIX_TRUST),
    );
  }
  // L1b: its runtime's own rules say its launch made it trust the CA.
  if (trust?.trustsCa === 'yes') {
    lines.push(
      `Its launch told it to trust the Pinscope CA, by the rules of its runtime (${trust.runtimeLabel}), and it still rejected this host: a pin, unless its code replaces the trust store it was given.`,
    );
    return verdict('L1b', 'pinning', FIX_PIN);
  }
  // U2: the same client rejected every intercepted host it tried, and accepted none.
  const broken = others(seen?.broken);
  if (client.key !== null && broken.length > 0 && (seen?.completed.size ?? 0) === 0) {
    const who =
      client.kind === 'process'
        ? 'The same process'
        : client.kind === 'remote'
          ? 'The same device and TLS stack'
          : `The same client (JA4 ${ja4 ?? '?'})`;
    lines.push(
      `Not a pinning suspect: ${who} also broke on ${listHosts(broken)} and accepted no intercepted host: it most likely does not trust the Pinscope CA at all.`,
    );
    return verdict('U2', trust?.gap ?? 'ca-not-installed', trust?.fix ?? FIX_TRUST);
  }
  // Possible: what is missing, and the one step that would decide it.
  const fingerprintPeers =
    client.kind === 'process' && ja4
      ? [...(evidence.acceptedByFingerprint.get(ja4) ?? new Map<string, string>())].filter(([key]) => key !== client.key)
      : [];
  if (fingerprintPeers.length > 0) {
    const [, first] = fingerprintPeers[0] ?? [];
    lines.push(
      `Only weak evidence: ${fingerprintPeers.length === 1 ? 'another process' : `${fingerprintPeers.length} other processes`} with the same TLS fingerprint (JA4 ${ja4 ?? '?'}${first ? `, e.g. ${first}` : ''}) accepted forged certificates. That shows the TLS library can work through the CA, not that this process trusts it. ${STEP_OTHER_HOST}`,
    );
    return verdict('P2', 'fingerprint-only', STEP_OTHER_HOST);
  }
  if (completed) {
    lines.push(
      stack.validates === 'after-handshake'
        ? `The handshake completed, but ${stack.stack} completes it whatever the chain: that does not show it trusted the forged chain. ${STEP_OTHER_HOST}`
        : `The handshake completed, then the connection was abandoned without data. ${unknownStack(client, stack)}, so it is not known whether it checks the chain inside the handshake (then it trusted the forged chain and this is a pin) or after it, as Node and wget do (then it may simply not trust the CA). ${STEP_OTHER_HOST}${client.kind === 'fingerprint' ? ' Recording it with process attribution on names its program, and with it its stack.' : ''}`,
    );
    return verdict('P3', 'undetermined', STEP_OTHER_HOST);
  }
  if (trust?.trustsCa === 'no') {
    lines.push(
      `Not told to trust the CA through its environment or command line; if it trusts the CA another way (its code, a config file, a keystore flag), this is a pin. ${STEP_TOLD}`,
    );
    return verdict('P1', 'undetermined', STEP_TOLD);
  }
  lines.push(
    `${client.kind === 'unknown' ? 'The process could not be identified, so whether it trusts the Pinscope CA is unknown.' : 'Whether this client trusts the Pinscope CA is not known: a rejection alone cannot tell pinning from distrust.'} ${STEP_OTHER_HOST}`,
  );
  return verdict('P4', 'undetermined', STEP_OTHER_HOST);
}
