/** Per-host view over finished connections: what breaks, how often, and how sure we are it is pinning. */
import { BREAKAGE, CATEGORIES, type Category, type Pinning } from '../../shared/vocabulary';
import { ja4Of, strongest, type Verdict } from './pinning';
import { targetHost, type ConnectionRecord } from '../timeline';
import { clientName } from '../record/client';
import { confirmedIn } from './confirmation';
import type { HostName } from '../hostNames';
import type { BreakageCause, RungId } from './ladder';
import { judgeConnection, noEvidence, observeAcceptance, observeFinished } from './judgement';

export interface JudgedConnection {
  readonly record: ConnectionRecord;
  readonly verdict: Verdict;
}

export interface HostSummary {
  readonly host: HostName;
  readonly port: number;
  readonly connections: number;
  readonly categories: Readonly<Partial<Record<Category, number>>>;
  readonly breaks: boolean;
  readonly pinning: Pinning;
  readonly confirmed: boolean;
  readonly evidence: readonly string[];
  readonly alerts: readonly string[];
  readonly fingerprints: readonly string[];
  /** The processes (apps) whose connections these were, as named in lines and columns. */
  readonly apps?: readonly string[];
  /** The rung of the evidence ladder the strongest breaking verdict stands on (docs/judgement.md). */
  readonly rung?: RungId | null;
  /** The cause the strongest breaking verdict names; null when the host does not break. */
  readonly cause?: BreakageCause | null;
  /** What to do about it, when the cause has a fix (e.g. trust the CA rather than ask for an exemption). */
  readonly fix?: string | null;
  readonly firstSeen: number;
  readonly lastSeen: number;
}

/**
 * Judges every finished connection with everything the records show: acceptances (from connections still
 * open too), breakages, and the confirmations by tunnelling they carry, plus `confirmed` (the live ones).
 * The session's summary, a recording opened in the editor and `pinscope export --from` all judge here.
 */
export function judgeAll(records: readonly ConnectionRecord[], confirmed: Iterable<HostName> = []): JudgedConnection[] {
  const evidence = noEvidence([...confirmed, ...confirmedIn(records)]);
  for (const record of records) {
    if (record.finished) observeFinished(evidence, record);
    else observeAcceptance(evidence, record);
  }
  return records.filter((r) => r.finished).map((record) => ({ record, verdict: judgeConnection(record, evidence) }));
}

export function summariseHosts(judged: readonly JudgedConnection[]): HostSummary[] {
  const byHost = new Map<HostName, JudgedConnection[]>();
  for (const item of judged) {
    const host = targetHost(item.record);
    const list = byHost.get(host);
    if (list) list.push(item);
    else byHost.set(host, [item]);
  }
  return [...byHost.entries()].map(([host, items]) => {
    const categories: Partial<Record<Category, number>> = {};
    let pinning: Pinning = 'unlikely';
    let strongestVerdict: Verdict | undefined;
    for (const { verdict } of items) {
      categories[verdict.category] = (categories[verdict.category] ?? 0) + 1;
      if (!BREAKAGE.has(verdict.category)) continue;
      if (
        !strongestVerdict ||
        (verdict.pinning !== strongestVerdict.pinning && strongest(verdict.pinning, strongestVerdict.pinning) === verdict.pinning)
      )
        strongestVerdict = verdict;
      pinning = strongest(pinning, verdict.pinning);
    }
    const breaks = items.some(({ verdict }) => BREAKAGE.has(verdict.category));
    const first = items[0]?.record;
    return {
      host,
      port: first?.port ?? 443,
      connections: items.length,
      categories: Object.fromEntries(CATEGORIES.filter((c) => categories[c]).map((c) => [c, categories[c]])),
      breaks,
      pinning: breaks ? pinning : 'unlikely',
      confirmed: items.some(({ verdict }) => verdict.confirmed),
      evidence: strongestVerdict?.evidence ?? items[0]?.verdict.evidence ?? [],
      alerts: [...new Set(items.map(({ verdict }) => verdict.alert).filter((a): a is string => a !== null))],
      fingerprints: [...new Set(items.map(({ record }) => ja4Of(record)).filter((f): f is string => f !== null))],
      apps: [...new Set(items.map(({ record }) => clientName(record.client)).filter((a): a is string => a !== undefined))],
      rung: breaks ? (strongestVerdict?.rung ?? null) : null,
      cause: breaks ? (strongestVerdict?.cause ?? null) : null,
      fix: breaks ? (strongestVerdict?.fix ?? null) : null,
      firstSeen: Math.min(...items.map(({ record }) => record.startedAt)),
      lastSeen: Math.max(...items.map(({ record }) => record.startedAt)),
    };
  });
}

/** "3 hosts break under inspection; 2 likely pin" */
export function breakageHeadline(hosts: readonly Pick<HostSummary, 'breaks' | 'pinning'>[]): string {
  const breaking = hosts.filter((h) => h.breaks);
  if (breaking.length === 0) return hosts.length === 0 ? 'No connections yet' : `No host breaks under inspection (${hosts.length} seen)`;
  const likely = breaking.filter((h) => h.pinning === 'likely').length;
  const noun = breaking.length === 1 ? 'host breaks' : 'hosts break';
  return `${breaking.length} ${noun} under inspection${likely > 0 ? `; ${likely} likely pin` : ''}`;
}
