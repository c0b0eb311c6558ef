/** `pinscope scan` output as text (for people) and JSON (for tools). SARIF lives in report/sarif.ts. */
import { describeHost, type ScanProblem } from './pinConfiguration';
import { describeObservation, findingSeverity, type PinFinding } from './pinFindings';

export interface ScanResult {
  readonly root: string;
  readonly findings: readonly PinFinding[];
  readonly problems: readonly ScanProblem[];
  readonly filesScanned: number;
  /** Whether a recording was given (observations are then meaningful even when empty). */
  readonly withObservations: boolean;
}

/** Control characters (terminal escapes) in scanned text are shown escaped, never sent to the terminal. */
function safe(text: string): string {
  return text.replace(/\p{Cc}/gu, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function findingHeadline(finding: PinFinding): string {
  const { configuration } = finding;
  const hosts = configuration.hosts.map(describeHost).join(', ');
  const what =
    configuration.kind === 'custom-validation'
      ? `custom certificate validation (${configuration.detail}); hosts unknown`
      : `pins ${hosts || 'an unresolved host'} (${configuration.detail})`;
  const possibly = finding.stale.filter((s) => !s.certain);
  if (finding.stale.length > 0 && possibly.length === finding.stale.length)
    return `possibly stale pins: ${possibly.map((s) => s.host).join(', ')} sent certificates matching none of the ${configuration.pins.length} pins, without its root CA (not compared): if no pin is on that root, the app fails for every user; ${what}`;
  if (finding.stale.length > 0)
    return `STALE PINS: ${finding.stale.map((s) => s.host).join(', ')} serve${finding.stale.length === 1 ? 's' : ''} a chain matching none of the ${configuration.pins.length} pins — the app fails for every user, inspected or not; ${what}`;
  if (finding.expired) return `expired pins (since ${configuration.expiration ?? '?'}: no longer enforced); ${what}`;
  return what;
}

export function renderScanText(result: ScanResult): string {
  const lines: string[] = [];
  for (const finding of result.findings) {
    const { configuration } = finding;
    lines.push(`${safe(configuration.file)}:${configuration.line}: ${findingSeverity(finding)}: ${safe(findingHeadline(finding))}`);
    for (const pin of configuration.pins) lines.push(`    pin ${pin.kind} ${safe(pin.value)} (line ${pin.line})`);
    if (configuration.notEnforced) lines.push(`    not enforced: ${safe(configuration.notEnforced)}`);
    for (const stale of finding.stale) lines.push(`    ${safe(stale.host)} serves: ${stale.served.map(safe).join(' ')}`);
    for (const host of finding.observed) lines.push(`    observed: ${safe(describeObservation(host))}`);
    if (result.withObservations && configuration.hosts.length > 0 && finding.observed.length === 0)
      lines.push('    observed: not seen in the recording');
    lines.push(`    fix: ${finding.fix.title} — ${finding.fix.documentation}`);
  }
  for (const problem of result.problems) lines.push(`${safe(problem.file)}:${problem.line}: ${problem.kind}: ${safe(problem.message)}`);
  const stale = result.findings.filter((f) => f.stale.some((s) => s.certain)).length;
  lines.push(
    `${result.findings.length} pin configuration${result.findings.length === 1 ? '' : 's'} in ${result.filesScanned} files scanned${stale > 0 ? `; ${stale} with stale pins` : ''}${result.problems.length > 0 ? `; ${result.problems.length} file problem${result.problems.length === 1 ? '' : 's'}` : ''}`,
  );
  return `${lines.join('\n')}\n`;
}

export function renderScanJson(result: ScanResult): string {
  return `${JSON.stringify(
    {
      root: result.root,
      filesScanned: result.filesScanned,
      findings: result.findings.map((f) => ({
        ...f.configuration,
        severity: findingSeverity(f),
        observed: f.observed,
        stale: f.stale,
        expired: f.expired,
        fix: f.fix,
      })),
      problems: result.problems,
    },
    null,
    2,
  )}\n`;
}
