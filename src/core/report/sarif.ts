/** `pinscope scan --format sarif`: SARIF 2.1.0 for code scanning in CI (one rule per kind of finding). */
import { pathToFileURL } from 'node:url';
import type { Log, ReportingDescriptor, Result } from 'sarif';
import type { ScanProblem } from '../pins/pinConfiguration';
import { describeObservation, findingSeverity, type PinFinding } from '../pins/pinFindings';
import { findingHeadline, type ScanResult } from '../pins/scanReport';
import { visibleBidiControls } from './textEscaping';

const HELP_URI = 'https://github.com/pinscope/pinscope#pinscope-scan';

const SARIF_RULES: readonly ReportingDescriptor[] = [
  {
    id: 'PS001',
    name: 'StalePins',
    shortDescription: { text: 'Pinned host serves a chain that matches none of the pins' },
    fullDescription: {
      text: 'The real server now serves a certificate chain whose public keys match none of the pins (backups included): the app fails for every user, inspected or not.',
    },
    defaultConfiguration: { level: 'error' },
    helpUri: HELP_URI,
  },
  {
    id: 'PS002',
    name: 'ExpiredPins',
    shortDescription: { text: 'Pin set has expired' },
    fullDescription: { text: 'The pins are past their expiration date and no longer enforced.' },
    defaultConfiguration: { level: 'warning' },
    helpUri: HELP_URI,
  },
  {
    id: 'PS003',
    name: 'PinnedHostBreaksUnderInspection',
    shortDescription: { text: 'Pinned host breaks under SSL inspection' },
    fullDescription: { text: 'A host covered by these pins broke when its TLS was intercepted by an inspection proxy.' },
    defaultConfiguration: { level: 'warning' },
    helpUri: HELP_URI,
  },
  {
    id: 'PS004',
    name: 'PinConfiguration',
    shortDescription: { text: 'Certificate pinning configured here' },
    fullDescription: {
      text: 'Pins for these hosts: behind corporate SSL inspection the app cannot connect to them unless they are exempted.',
    },
    defaultConfiguration: { level: 'note' },
    helpUri: HELP_URI,
  },
  {
    id: 'PS005',
    name: 'CustomCertificateValidation',
    shortDescription: { text: 'Custom certificate validation' },
    fullDescription: { text: 'The code validates certificates itself; the hosts it applies to cannot be read statically.' },
    defaultConfiguration: { level: 'note' },
    helpUri: HELP_URI,
  },
  {
    id: 'PS006',
    name: 'UnreadableConfiguration',
    shortDescription: { text: 'Configuration file could not be read fully' },
    fullDescription: { text: 'A malformed or binary configuration file: its pins may be missing from the results.' },
    defaultConfiguration: { level: 'warning' },
    helpUri: HELP_URI,
  },
];

function ruleOf(finding: PinFinding): string {
  if (finding.stale.length > 0) return 'PS001'; // its level: error when certain, warning when the root was not sent
  if (finding.expired) return 'PS002';
  if (finding.observed.some((h) => h.breaks)) return 'PS003';
  return finding.configuration.kind === 'custom-validation' ? 'PS005' : 'PS004';
}

function location(file: string, line: number): NonNullable<Result['locations']>[number] {
  return {
    physicalLocation: {
      artifactLocation: { uri: file.split('/').map(encodeURIComponent).join('/'), uriBaseId: 'SRCROOT' },
      region: { startLine: Math.max(1, line) },
    },
  };
}

function findingResult(finding: PinFinding): Result {
  const rule = ruleOf(finding);
  const observed = finding.observed.map(describeObservation);
  return {
    ruleId: rule,
    ruleIndex: SARIF_RULES.findIndex((r) => r.id === rule),
    level: findingSeverity(finding),
    message: {
      text: visibleBidiControls(
        [findingHeadline(finding), ...observed, `Fix: ${finding.fix.title} (${finding.fix.documentation})`].join('\n'),
      ),
    },
    locations: [location(finding.configuration.file, finding.configuration.line)],
    partialFingerprints: {
      pinConfiguration: `${finding.configuration.ecosystem}:${finding.configuration.hosts.map((h) => `${h.match}:${h.domain}`).join(',')}`,
    },
    properties: {
      ecosystem: finding.configuration.ecosystem,
      hosts: finding.configuration.hosts.map((h) => h.domain),
      pins: finding.configuration.pins.map((p) => `${p.kind}:${p.value}`),
      observed,
      fixSnippet: finding.fix.snippet,
    },
  };
}

function problemResult(problem: ScanProblem): Result {
  return {
    ruleId: 'PS006',
    ruleIndex: SARIF_RULES.findIndex((r) => r.id === 'PS006'),
    level: 'warning',
    message: { text: visibleBidiControls(problem.message) },
    locations: [location(problem.file, problem.line)],
  };
}

export function renderSarif(result: ScanResult, toolVersion: string): string {
  const log: Log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'Pinscope',
            informationUri: 'https://github.com/pinscope/pinscope',
            version: toolVersion,
            rules: [...SARIF_RULES],
          },
        },
        originalUriBaseIds: { SRCROOT: { uri: `${pathToFileURL(result.root).href.replace(/\/$/, '')}/` } },
        results: [...result.findings.map(findingResult), ...result.problems.map(problemResult)],
        columnKind: 'utf16CodeUnits',
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
