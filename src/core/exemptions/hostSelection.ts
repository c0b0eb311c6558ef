/**
 * Which hosts go into an exemption request, and where every other host that broke is accounted for.
 * Every host that broke under inspection lands in exactly one section:
 *  - requested: pinning likely, or confirmed by tunnelling (and `possible` hosts when the user asks);
 *  - own trust store: the app trusts only its own anchors, so it breaks under real inspection on every
 *    managed machine — requested only when the user asks (exempt it, or make the app use the OS store);
 *  - verify first: pinning only `possible`, with the step that decides it;
 *  - not requested: every other broken host, with its cause and fix (CA not installed, not pinning, not a
 *    host name, not chosen).
 * A host that works under inspection is never in any of them.
 */
import type { HostSummary } from '../diagnosis/hostSummary';
import { isTrustGap } from '../diagnosis/recordClients';
import { normaliseExemptionHost } from './hostEntries';
import type { HostName } from '../hostNames';

export interface VerifyFirstHost {
  readonly host: string;
  readonly summary: HostSummary;
  /** What decides it: trust the CA and retry, or confirm by tunnelling. */
  readonly step: string;
}

/** A host whose app brings its own trust store. */
interface OwnStoreHost {
  readonly host: string;
  readonly summary: HostSummary;
  /** In the request (the user asked: --include-own-store, or picked it). */
  readonly requested: boolean;
  /** How to make the app use the OS store, when the judgement knows it. */
  readonly fix: string | null;
}

/** A broken host that is not requested, with why and what to do instead. */
interface NotRequestedHost {
  readonly host: string;
  readonly summary: HostSummary;
  readonly reason: string;
}

export interface LeftOut {
  readonly host: string;
  readonly reason: string;
}

export interface HostSelection {
  /** The hosts the request asks to exempt: with evidence, and own-store or possible hosts when asked for. */
  readonly requested: readonly HostSummary[];
  readonly verifyFirst: readonly VerifyFirstHost[];
  /** Every broken host whose app brings its own trust store, requested or not. */
  readonly ownStore: readonly OwnStoreHost[];
  /** Every other broken host that is not requested. */
  readonly notRequested: readonly NotRequestedHost[];
  /** What the user is told was left out: not-requested hosts, own-store hosts not asked for, chosen hosts that work or were never seen. */
  readonly leftOut: readonly LeftOut[];
}

export interface SelectionOptions {
  /** Hosts chosen by the user (in normal form: made at the edge that read them); empty means every host with evidence. */
  readonly hosts: readonly HostName[];
  /** Also request hosts where pinning is only `possible`. */
  readonly includePossible?: boolean | undefined;
  /** Also request hosts whose app brings its own trust store. */
  readonly includeOwnStore?: boolean | undefined;
}

/**
 * Evidence of pinning: likely, or confirmed by tunnelling — unless the process is known not to trust the
 * CA (then tunnelling confirms only that it breaks under inspection, and an exemption is not the fix).
 */
export function hasEvidence(summary: Pick<HostSummary, 'breaks' | 'pinning' | 'confirmed' | 'cause' | 'categories'>): boolean {
  // A server that demands a client certificate breaks under any inspection: always requested.
  if (requiresClientCertificate(summary)) return true;
  return summary.breaks && !isTrustGap(summary.cause) && (summary.confirmed || summary.pinning === 'likely');
}

/** The real server refused inspected sessions for want of a client certificate (mutual TLS). */
export function requiresClientCertificate(summary: Pick<HostSummary, 'categories'>): boolean {
  return (summary.categories['client-cert-required'] ?? 0) > 0;
}

/** A broken host whose app trusts only its own anchors: it breaks under real inspection on every managed machine. */
export function hasOwnTrustStore(summary: Pick<HostSummary, 'breaks' | 'cause'>): boolean {
  return summary.breaks && summary.cause === 'app-own-trust-store';
}

/** Pinning only possible: the evidence does not yet tell pinning from distrust. */
export function needsVerifying(summary: Pick<HostSummary, 'breaks' | 'pinning' | 'confirmed' | 'cause' | 'categories'>): boolean {
  return summary.breaks && !isTrustGap(summary.cause) && !hasEvidence(summary) && summary.pinning === 'possible';
}

const withFix = (text: string, fix: string | null | undefined): string => `${text}${fix ? `. Fix: ${fix.replace(/\.$/, '')}` : ''}`;

/** What the report says of the own-store section, in one place for every format. */
export const OWN_STORE_WORDS = 'breaks under real inspection on every managed machine: exempt it, or make the app use the OS store';

/** The step that turns `possible` into evidence, or rules it out. */
function verifyStep(summary: Pick<HostSummary, 'host' | 'alerts'>): string {
  const alert = summary.alerts.length > 0 ? ` (it sent ${summary.alerts.join(', ')})` : '';
  return (
    `The client rejected the inspection certificate${alert}, which a client that simply does not trust the CA also does. ` +
    'Trust the Pinscope CA in that client (Export CA Certificate) and retry: if it still breaks, pinning is likely. ' +
    `Or confirm by tunnelling (the inspector's "confirm by tunnelling", or --confirm-by-tunnelling): if ${summary.host} then works untouched, it breaks only under inspection.`
  );
}

/** Why a broken host that is neither pinning nor to verify is not requested: its cause, the judgement's last word, and the fix. */
function notPinningReason(summary: HostSummary): string {
  if (summary.cause === 'ca-not-installed') {
    return withFix(
      'its app does not trust the Pinscope CA because the CA is not installed where it looks (a test-setup gap, not pinning): an exemption is not the fix',
      summary.fix,
    );
  }
  const last = summary.evidence[summary.evidence.length - 1]?.replace(/\.$/, '');
  return withFix(`it breaks for a reason other than pinning (pinning ${summary.pinning})${last ? `: ${last}` : ''}`, summary.fix);
}

const isHostName = (host: string): boolean => 'host' in normaliseExemptionHost(host);

export function selectHosts(summaries: readonly HostSummary[], options: SelectionOptions): HostSelection {
  const byHost = new Map(summaries.map((s) => [s.host, s]));
  const explicit = options.hosts.length > 0;
  const chosen = new Set(options.hosts);
  const wanted = (host: HostName): boolean => !explicit || chosen.has(host);
  const requested: HostSummary[] = [];
  const verifyFirst: VerifyFirstHost[] = [];
  const ownStore: OwnStoreHost[] = [];
  const notRequested: NotRequestedHost[] = [];
  const leftOut: LeftOut[] = [];
  const skip = (summary: HostSummary, reason: string): void => {
    notRequested.push({ host: summary.host, summary, reason });
    leftOut.push({ host: summary.host, reason });
  };
  for (const summary of summaries) {
    const { host } = summary;
    if (!summary.breaks) {
      if (explicit && chosen.has(host)) leftOut.push({ host, reason: 'it works under inspection: never exempted' });
      continue;
    }
    if (!isHostName(host)) {
      skip(summary, 'not a valid host name: it cannot be exempted');
    } else if (hasOwnTrustStore(summary) && !requiresClientCertificate(summary)) {
      const include = (options.includeOwnStore ?? false) && wanted(host);
      ownStore.push({ host, summary, requested: include, fix: summary.fix ?? null });
      if (include) requested.push(summary);
      else
        leftOut.push({
          host,
          reason: withFix(`its app brings its own trust store: it ${OWN_STORE_WORDS} (--include-own-store requests it)`, summary.fix),
        });
    } else if (hasEvidence(summary)) {
      if (wanted(host)) requested.push(summary);
      else skip(summary, `not chosen for this request (pinning ${summary.pinning}${summary.confirmed ? ', confirmed' : ''})`);
    } else if (needsVerifying(summary)) {
      if ((options.includePossible ?? false) && wanted(host)) requested.push(summary);
      else verifyFirst.push({ host, summary, step: verifyStep(summary) });
    } else {
      skip(summary, notPinningReason(summary));
    }
  }
  if (explicit) {
    for (const host of chosen) if (!byHost.has(host)) leftOut.push({ host, reason: 'no recorded connection: there is no evidence for it' });
  }
  return { requested, verifyFirst, ownStore, notRequested, leftOut };
}

/** How many broken hosts the selection accounts for (each is in exactly one section). */
export function accountedHosts(selection: Pick<HostSelection, 'requested' | 'verifyFirst' | 'ownStore' | 'notRequested'>): number {
  const ownRequested = selection.ownStore.filter((o) => o.requested).length;
  return (
    selection.requested.length - ownRequested + selection.verifyFirst.length + selection.ownStore.length + selection.notRequested.length
  );
}
