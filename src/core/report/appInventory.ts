/**
 * The app's whole footprint across the merged runs: every host it contacted, with its status — works,
 * breaks (and why), flaky, exempted, tunnelled by choice, unreachable — and which runs, apps and machines
 * saw it, so that a security team can approve it at once. Host names and app names come off the network
 * or the machine: every output escapes them.
 */
import { byHostName } from '../hostNames';
import type { MergedHost, MergedRuns } from './mergedRuns';
import { evidenceLevel, type EvidenceLevel, type MergedStatus } from './runLadder';
import { markdownText } from './textEscaping';

type InventoryStatus = MergedStatus | 'exempted';

export interface InventoryRow {
  readonly host: string;
  readonly port: number;
  readonly status: InventoryStatus;
  /** One line: "pinning likely, confirmed by tunnelling", "the CA is not installed where the app looks", the exemption's source… */
  readonly detail: string;
  readonly evidence: EvidenceLevel;
  readonly connections: number;
  readonly runs: number;
  readonly brokeInRuns: number;
  readonly apps: readonly string[];
  readonly machines: readonly string[];
  /** The run whose verdict won by the ladder (its id). */
  readonly strongestRun: string;
  /** The verdict of each run that reached the host: which run, app and machine it came from. */
  readonly verdicts: readonly RunVerdictRow[];
}

interface RunVerdictRow {
  readonly run: string;
  readonly source: string;
  readonly startedAt: string | null;
  readonly machine: string | null;
  readonly apps: readonly string[];
  readonly outcome: string;
  readonly evidence: EvidenceLevel;
  readonly cause: string | null;
  readonly connections: number;
}

const CAUSES: Readonly<Record<string, string>> = {
  'ca-not-installed': 'not pinning: the CA is not installed where the app looks',
  'app-own-trust-store': 'not pinning: the app brings its own trust store',
  'fingerprint-only': 'pinning possible (only the TLS fingerprint accepted other hosts)',
  undetermined: 'cause undetermined',
};

function breakDetail(host: MergedHost): string {
  const { summary } = host;
  const cause =
    summary.cause && summary.cause !== 'pinning' && summary.cause !== 'none'
      ? (CAUSES[summary.cause] ?? summary.cause)
      : `pinning ${summary.pinning}`;
  return `${cause}${summary.confirmed ? ', confirmed by tunnelling' : ''}`;
}

function detailOf(host: MergedHost, exemption: string | undefined): string {
  const brokeIn = host.runs.filter((r) => r.outcome === 'breaks').length;
  if (exemption !== undefined) return host.summary.breaks ? `${exemption} (${breakDetail(host)})` : exemption;
  switch (host.status) {
    case 'breaks':
      return breakDetail(host);
    case 'flaky':
      return `broke in ${brokeIn} of ${host.runs.length} runs; ${breakDetail(host)}`;
    case 'tunnelled':
      return 'relayed untouched, as configured (tunnel hosts): not inspected';
    case 'unreachable':
      return 'the real server could not be reached';
    case 'works':
      return 'works under inspection';
  }
}

/** Every host of the merged runs; `exempted` maps a host to why it needs no request (approved list, known bypass). */
export function appInventory(merged: Pick<MergedRuns, 'hosts'>, exempted: ReadonlyMap<string, string> = new Map()): InventoryRow[] {
  return [...merged.hosts].sort(byHostName).map((host) => {
    const exemption = host.summary.breaks ? exempted.get(host.host) : undefined;
    return {
      host: host.host,
      port: host.summary.port,
      status: exemption !== undefined ? 'exempted' : host.status,
      detail: detailOf(host, exemption),
      evidence: host.level,
      connections: host.summary.connections,
      runs: host.runs.length,
      brokeInRuns: host.runs.filter((r) => r.outcome === 'breaks').length,
      apps: host.summary.apps ?? [],
      machines: [...new Set(host.runs.map((r) => r.run.machine).filter((m): m is string => m !== null))],
      strongestRun: host.strongest.run.id,
      verdicts: host.runs.map((r) => ({
        run: r.run.id,
        source: r.run.source,
        startedAt: r.run.startedAt,
        machine: r.run.machine,
        apps: r.summary.apps ?? [],
        outcome: r.outcome,
        evidence: evidenceLevel(r.summary),
        cause: r.summary.breaks ? (r.summary.cause ?? null) : null,
        connections: r.summary.connections,
      })),
    };
  });
}

const STATUS_WORDS: Readonly<Record<InventoryStatus, string>> = {
  works: 'works',
  breaks: 'breaks',
  flaky: 'flaky',
  exempted: 'exempted',
  tunnelled: 'tunnelled by choice',
  unreachable: 'unreachable',
};

export function inventoryMarkdown(rows: readonly InventoryRow[], runs: MergedRuns['runs']): string[] {
  return [
    '## Runs merged',
    '',
    '| Run | Source | Started | Machine |',
    '| --- | --- | --- | --- |',
    ...runs.map(
      (r) =>
        `| ${r.id} | ${markdownText(r.source)} | ${markdownText(r.startedAt ?? 'unknown')} | ${markdownText(r.machine ?? 'unknown')} |`,
    ),
    '',
    '## App inventory',
    '',
    'Every host the app contacted in these runs, with what happened to it under inspection.',
    '',
    '| Host | Status | Detail | Connections | Runs (broke in) | Strongest from run | Apps | Machines |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      (r) =>
        `| ${markdownText(r.host)}:${r.port} | ${STATUS_WORDS[r.status]} | ${markdownText(r.detail)} | ${r.connections} | ${r.runs} (${r.brokeInRuns}) | ${r.strongestRun} | ${markdownText(r.apps.join(', ') || 'unknown')} | ${markdownText(r.machines.join(', ') || 'unknown')} |`,
    ),
    '',
  ];
}
