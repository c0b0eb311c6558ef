/**
 * Which judgement a record gets: one attributed to a process on this machine (or to "unknown process")
 * is judged with the process and its trust (trustAwareJudgement.ts); one without (attribution off,
 * recordings from older versions, remote clients) keeps the JA4 judgement (pinning.ts).
 */
import { processKeyOf } from '../process/connectionClients';
import type { ConnectionRecord } from '../timeline';
import type { AttributedRecord, BreakageCause, TrustAwareVerdict } from './trustAwareJudgement';
import type { Verdict } from './pinning';

export function attributedRecord(record: ConnectionRecord): AttributedRecord | null {
  const client = record.client;
  if (!client || client.process.kind === 'remote') return null;
  const key = processKeyOf(client.process);
  if (client.process.kind === 'unknown' || key === null) return { record, client: { kind: 'unknown', label: client.process.label } };
  return { record, client: { kind: 'local', key, label: client.process.label, trust: client.trust } };
}

/** The cause a verdict names, when it came from the trust-aware judgement. */
export function causeOf(verdict: Verdict): { readonly cause: BreakageCause; readonly fix: string | null; readonly breaksOnlyUnderInspection: boolean } | null {
  if (!('cause' in verdict)) return null;
  const { cause, fix, breaksOnlyUnderInspection } = verdict as TrustAwareVerdict;
  return { cause, fix, breaksOnlyUnderInspection };
}

/** Not a pinning suspect because the process does not trust the CA: an exemption is not the fix. */
export function isTrustGap(cause: BreakageCause | null | undefined): cause is 'ca-not-installed' | 'app-own-trust-store' {
  return cause === 'ca-not-installed' || cause === 'app-own-trust-store';
}
