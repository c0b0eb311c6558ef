/**
 * Which hosts go into an exemption request: only hosts with evidence. A host that likely pins, or was
 * confirmed by tunnelling, is requested; a host where pinning is only `possible` (the client may just
 * not trust the CA) goes to "verify first" with the step that decides it, unless the user asks to
 * include it; a host that works under inspection, or broke for another reason, never.
 */
import type { HostSummary } from '../diagnosis/hostSummary';
import { isTrustGap } from '../diagnosis/recordClients';
import { normaliseExemptionHost } from './hostEntries';

export interface VerifyFirstHost {
  readonly host: string;
  readonly summary: HostSummary;
  /** What decides it: trust the CA and retry, or confirm by tunnelling. */
  readonly step: string;
}

export interface LeftOut {
  readonly host: string;
  readonly reason: string;
}

export interface HostSelection {
  readonly requested: readonly HostSummary[];
  readonly verifyFirst: readonly VerifyFirstHost[];
  /** Hosts the user chose that are not requested, with why (hosts nobody chose are not listed). */
  readonly leftOut: readonly LeftOut[];
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

/** Why a host whose app does not trust the CA is not requested, with the fix. */
function trustGapReason(summary: HostSummary): string {
  const why = summary.cause === 'ca-not-installed'
    ? 'its app does not trust the Pinscope CA because the CA is not installed where it looks (a test-setup gap, not pinning)'
    : 'its app brings its own trust store, which lacks the CA: it breaks under real inspection too, and an exemption is not the fix';
  return `${why}${summary.fix ? `. Fix: ${summary.fix.replace(/\.$/, '')}` : ''}`;
}

/** The step that turns `possible` into evidence, or rules it out. */
function verifyStep(summary: Pick<HostSummary, 'host' | 'alerts'>): string {
  const alert = summary.alerts.length > 0 ? ` (it sent ${summary.alerts.join(', ')})` : '';
  return `The client rejected the inspection certificate${alert}, which a client that simply does not trust the CA also does. `
    + 'Trust the Pinscope CA in that client (Export CA Certificate) and retry: if it still breaks, pinning is likely. '
    + `Or confirm by tunnelling (the inspector's "confirm by tunnelling", or --auto-confirm): if ${summary.host} then works untouched, it breaks only under inspection.`;
}

export function selectHosts(summaries: readonly HostSummary[], chosen: readonly string[], includePossible: boolean): HostSelection {
  const byHost = new Map(summaries.map((s) => [s.host, s]));
  const wanted = chosen.length > 0 ? chosen : summaries.map((s) => s.host);
  const requested: HostSummary[] = [];
  const verifyFirst: VerifyFirstHost[] = [];
  const leftOut: LeftOut[] = [];
  const explicit = chosen.length > 0;
  for (const host of [...new Set(wanted)]) {
    const summary = byHost.get(host);
    if (!summary) {
      if (explicit) leftOut.push({ host, reason: 'no recorded connection: there is no evidence for it' });
      continue;
    }
    if (summary.breaks && isTrustGap(summary.cause) && !requiresClientCertificate(summary)) leftOut.push({ host, reason: trustGapReason(summary) });
    else if (hasEvidence(summary)) requested.push(summary);
    else if (summary.breaks && summary.pinning === 'possible') {
      if (includePossible) requested.push(summary);
      // A name that is not a host name can be neither exempted nor verified: the request's warnings say so.
      else if ('host' in normaliseExemptionHost(host)) verifyFirst.push({ host, summary, step: verifyStep(summary) });
      else if (explicit) leftOut.push({ host, reason: 'not a valid host name' });
    } else if (explicit) {
      leftOut.push({ host, reason: summary.breaks ? 'it breaks for a reason other than pinning: an exemption would not help' : 'it works under inspection: never exempted' });
    }
  }
  return { requested, verifyFirst, leftOut };
}
