/**
 * The CI gate's memory: a baseline file lists the hosts known to break (written by `pinscope run
 * --update-baseline`, reviewed in the repository like any other file); a run fails only on a break that
 * is not known — not in the baseline, not already exempted (the approved list, exemptionList.ts), not in
 * the known-bypass data. Known breaks stay visible: skipped, with their reason.
 */
import type { HostSummary } from '../diagnosis/hostSummary';
import { describeBypass, knownBypassesFor } from '../exemptions/knownBypasses';
import { byHostName, hostName } from '../hostNames';
import { isExempted, type ExemptionList } from './exemptionList';
import { failsGate, type FailOn } from './junit';
import { evidenceLevel, type EvidenceLevel } from './runLadder';

const FORMAT = 'pinscope-baseline';
const VERSION = 1;
const MAX_ENTRIES = 100_000;

export class BaselineError extends Error {
  override name = 'BaselineError';
}

interface BaselineEntry {
  readonly host: string;
  readonly port: number;
  readonly evidence: EvidenceLevel;
  readonly categories: string;
  readonly cause: string | null;
}

export type Baseline = ReadonlyMap<string, BaselineEntry>;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Reads a baseline file; anything else is a BaselineError saying what is wrong and where. */
export function parseBaseline(text: string, source: string): Baseline {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new BaselineError(
      `${source} is not JSON (${error instanceof Error ? error.message : String(error)}); write one with --update-baseline`,
    );
  }
  if (!isObject(value) || value['format'] !== FORMAT)
    throw new BaselineError(`${source} is not a Pinscope baseline (no "format": "${FORMAT}"); write one with --update-baseline`);
  if (value['version'] !== VERSION)
    throw new BaselineError(`${source} is baseline version ${JSON.stringify(value['version'])}; this Pinscope reads version ${VERSION}`);
  const hosts = value['hosts'];
  if (!Array.isArray(hosts) || hosts.length > MAX_ENTRIES)
    throw new BaselineError(`${source}: "hosts" must be a list of at most ${MAX_ENTRIES} entries`);
  const entries = new Map<string, BaselineEntry>();
  hosts.forEach((entry: unknown, index) => {
    if (!isObject(entry) || typeof entry['host'] !== 'string' || entry['host'].length === 0 || entry['host'].length > 253)
      throw new BaselineError(`${source}: hosts[${index}] has no "host"`);
    const port = typeof entry['port'] === 'number' ? entry['port'] : 443;
    const evidence = (['confirmed', 'likely', 'possible', 'unlikely'] as const).find((l) => l === entry['evidence']) ?? 'possible';
    entries.set(hostName(entry['host']), {
      host: hostName(entry['host']),
      port,
      evidence,
      categories: typeof entry['categories'] === 'string' ? entry['categories'] : '',
      cause: typeof entry['cause'] === 'string' ? entry['cause'] : null,
    });
  });
  return entries;
}

/** The baseline for these hosts: every host that breaks, sorted, so that a diff of the file reads well. */
export function renderBaseline(hosts: readonly HostSummary[], updatedAt: Date): string {
  const entries = [...hosts]
    .filter((h) => h.breaks)
    .sort(byHostName)
    .map((h) => ({
      host: h.host,
      port: h.port,
      evidence: evidenceLevel(h),
      categories: Object.keys(h.categories)
        .filter((c) => c !== 'ok')
        .join(', '),
      cause: h.cause ?? null,
    }));
  return `${JSON.stringify({ format: FORMAT, version: VERSION, updatedAt: updatedAt.toISOString(), about: 'Hosts known to break under SSL inspection: pinscope run --baseline fails only on breaks not listed here. Rewrite with --update-baseline.', hosts: entries }, null, 2)}\n`;
}

export interface KnownBreaks {
  readonly baseline?: Baseline;
  readonly exempted?: ExemptionList;
  /** Consult the shipped known-bypass data (default true). */
  readonly knownBypasses?: boolean;
}

/** Why a breaking host does not fail the gate although it breaks, or undefined when it is new. */
function knownBreak(host: Pick<HostSummary, 'host'>, known: KnownBreaks): string | undefined {
  const name = hostName(host.host);
  if (known.exempted && isExempted(name, known.exempted)) return 'already exempted (on the approved list)';
  const entry = known.baseline?.get(name);
  if (entry)
    return `known break, in the baseline (${entry.categories || 'breaks'}; evidence ${entry.evidence}${entry.cause && entry.cause !== 'none' ? `, cause ${entry.cause}` : ''})`;
  if (known.knownBypasses ?? true) {
    const [mark] = knownBypassesFor([name]);
    if (mark) return `known bypass: ${describeBypass(mark)}`;
  }
  return undefined;
}

/** Host → why its break is known, for the hosts that would fail the gate but are known. */
export function knownGateBreaks(hosts: readonly HostSummary[], failOn: FailOn, known: KnownBreaks): Map<string, string> {
  const result = new Map<string, string>();
  for (const host of hosts) {
    if (!failsGate(host, failOn)) continue;
    const why = knownBreak(host, known);
    if (why !== undefined) result.set(host.host, why);
  }
  return result;
}
