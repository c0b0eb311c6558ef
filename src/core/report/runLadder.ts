/**
 * The merge rule for one host seen in several runs: the strongest evidence wins, by the judgement's own
 * ladder — confirmed by tunnelling > pinning likely > possible > unlikely. A host that worked in one run
 * and broke in another is *flaky*, and keeps both. Each run's verdict is the judgement's (hostSummary.ts)
 * over that run alone; this module only ranks and folds them, so it follows the judgement wherever that goes.
 */
import type { HostSummary } from '../diagnosis/hostSummary';
import { CATEGORIES, type Category } from '../../shared/vocabulary';

export type EvidenceLevel = 'confirmed' | 'likely' | 'possible' | 'unlikely';
/** Weakest first. */
export const EVIDENCE_LADDER: readonly EvidenceLevel[] = ['unlikely', 'possible', 'likely', 'confirmed'];

/** What a host did in one run, as far as the inventory tells: worked, broke, relayed untouched as chosen, or never reached. */
export type RunOutcome = 'works' | 'breaks' | 'tunnelled' | 'unreachable';
export type MergedStatus = RunOutcome | 'flaky';

/** Which run a verdict came from. */
export interface RunIdentity {
  /** The first 12 hex digits of the run's SHA-256: the same run read twice has the same id. */
  readonly id: string;
  /** The file (or "stdin") it was read from. */
  readonly source: string;
  readonly startedAt: string | null;
  /** The machine the proxy ran on, when the recording names it. */
  readonly machine: string | null;
}

/** One host in one run: the judgement's summary over that run, and what the host did there. */
export interface RunHostVerdict {
  readonly run: RunIdentity;
  readonly summary: HostSummary;
  readonly outcome: RunOutcome;
}

export interface MergedHostVerdict {
  readonly host: string;
  readonly status: MergedStatus;
  readonly level: EvidenceLevel;
  /** The merged summary: the strongest run's verdict, with counts, apps and fingerprints over every run. */
  readonly summary: HostSummary;
  /** The run whose verdict won (the first such run on a tie). */
  readonly strongest: RunHostVerdict;
  readonly runs: readonly RunHostVerdict[];
}

export function evidenceLevel(summary: Pick<HostSummary, 'breaks' | 'pinning' | 'confirmed'>): EvidenceLevel {
  if (!summary.breaks) return 'unlikely';
  return summary.confirmed ? 'confirmed' : summary.pinning;
}

const rank = (level: EvidenceLevel): number => EVIDENCE_LADDER.indexOf(level);

/** The outcome of a host in one run, from its summary and whether it was tunnelled by the user's choice only. */
export function runOutcome(summary: Pick<HostSummary, 'breaks' | 'categories'>, tunnelledByChoiceOnly: boolean): RunOutcome {
  if (summary.breaks) return 'breaks';
  if (tunnelledByChoiceOnly) return 'tunnelled';
  if (summary.categories.ok === undefined && summary.categories['upstream-failed'] !== undefined) return 'unreachable';
  return 'works';
}

const union = <T>(lists: readonly (readonly T[] | undefined)[]): T[] => [...new Set(lists.flatMap((l) => l ?? []))];

function describeRun(run: RunIdentity): string {
  return `${run.source}${run.startedAt ? ` (${run.startedAt})` : ''}`;
}

function listRuns(verdicts: readonly RunHostVerdict[], limit = 3): string {
  const names = verdicts.map((v) => describeRun(v.run));
  return names.slice(0, limit).join(', ') + (names.length > limit ? ` and ${names.length - limit} more` : '');
}

/** Folds one host's verdicts from several runs (at least one) into one. */
export function mergeHostRuns(verdicts: readonly RunHostVerdict[]): MergedHostVerdict {
  const [first] = verdicts;
  if (!first) throw new RangeError('mergeHostRuns needs at least one run');
  const breaking = verdicts.filter((v) => v.outcome === 'breaks');
  const working = verdicts.filter((v) => v.outcome === 'works');
  let strongest = breaking[0] ?? first;
  for (const v of breaking) if (rank(evidenceLevel(v.summary)) > rank(evidenceLevel(strongest.summary))) strongest = v;
  const categories: Partial<Record<Category, number>> = {};
  for (const { summary } of verdicts)
    for (const [c, n] of Object.entries(summary.categories) as [Category, number][]) categories[c] = (categories[c] ?? 0) + n;
  const flaky = breaking.length > 0 && working.length > 0;
  const outcomes = new Set(verdicts.map((v) => v.outcome));
  const status: MergedStatus = flaky
    ? 'flaky'
    : breaking.length > 0
      ? 'breaks'
      : outcomes.has('works')
        ? 'works'
        : outcomes.has('tunnelled')
          ? 'tunnelled'
          : 'unreachable';
  const pinning = breaking.map((v) => v.summary.pinning).reduce((a, b) => (rank(b) > rank(a) ? b : a), strongest.summary.pinning);
  const confirmed = breaking.some((v) => v.summary.confirmed);
  const notes = [
    ...(flaky ? [`Flaky across runs: it worked in ${listRuns(working)} and broke in ${listRuns(breaking)}.`] : []),
    ...(verdicts.length > 1
      ? [
          `Strongest evidence from ${describeRun(strongest.run)}${strongest.run.machine ? ` on ${strongest.run.machine}` : ''}, of ${verdicts.length} runs that reached it.`,
        ]
      : []),
  ];
  const summary: HostSummary = {
    ...strongest.summary,
    connections: verdicts.reduce((n, v) => n + v.summary.connections, 0),
    categories: Object.fromEntries(CATEGORIES.filter((c) => categories[c]).map((c) => [c, categories[c]])),
    breaks: breaking.length > 0,
    pinning: breaking.length > 0 ? pinning : 'unlikely',
    confirmed,
    evidence: [...notes, ...strongest.summary.evidence],
    alerts: union(verdicts.map((v) => v.summary.alerts)),
    fingerprints: union(verdicts.map((v) => v.summary.fingerprints)),
    apps: union(verdicts.map((v) => v.summary.apps)),
    firstSeen: Math.min(...verdicts.map((v) => v.summary.firstSeen)),
    lastSeen: Math.max(...verdicts.map((v) => v.summary.lastSeen)),
  };
  return { host: first.summary.host, status, level: evidenceLevel(summary), summary, strongest, runs: verdicts };
}
