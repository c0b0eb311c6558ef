/**
 * The CI gate as JUnit XML, the format CI systems read (Jenkins, GitLab, GitHub test reporters): one
 * test case per host; a host that violates the --fail-on policy is a failing case whose failure carries
 * the category, the pinning verdict and the evidence. Valid against both the Ant JUnit schema and the
 * Jenkins junit-4 schema (test/core/report/schemas). Host names come off the network: every string is
 * escaped, and characters XML 1.0 cannot carry are replaced.
 */
import { byHostName } from '../hostNames';
import { categoryCounts } from './categoryCounts';
import type { HostSummary } from '../diagnosis/hostSummary';

export type FailOn = 'pinning' | 'breakage' | 'never';

export interface JunitOptions {
  /** The command Pinscope ran, shown as the suite's name. */
  readonly command: string;
  readonly failOn: FailOn;
  readonly startedAt: Date;
  readonly durationMs: number;
  readonly hostname: string;
  /**
   * Breaks that are known (a baseline, an approved exemption, the known-bypass data), by host, with why:
   * their cases are skipped with the reason instead of failing. `<skipped>` is in the Jenkins schema, not
   * in Ant's: it appears only when a break is known.
   */
  readonly known?: ReadonlyMap<string, string>;
}

/** Whether a host fails the gate: `pinning` fails hosts that likely pin (or were confirmed), `breakage` any host that breaks. */
export function failsGate(host: Pick<HostSummary, 'breaks' | 'pinning' | 'confirmed'>, failOn: FailOn): boolean {
  if (failOn === 'never' || !host.breaks) return false;
  return failOn === 'breakage' || host.pinning === 'likely' || host.confirmed;
}

// eslint-disable-next-line no-control-regex -- these are exactly the characters XML 1.0 forbids
const NOT_XML = /[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu;

/** Element content: &, < and > escaped; characters XML cannot carry become U+FFFD. */
export function xmlText(text: string): string {
  return text.replace(NOT_XML, '\ufffd').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** An attribute value in double quotes: also quotes, and whitespace kept as character references. */
export function xmlAttribute(text: string): string {
  return xmlText(text)
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\t/g, '&#9;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;');
}

const seconds = (ms: number): string => (Math.max(0, ms) / 1000).toFixed(3);
/** The Ant schema wants a timestamp without zone or fraction (it is UTC here). */
const timestamp = (date: Date): string => date.toISOString().slice(0, 19);

function categoriesOf(host: HostSummary): string {
  return categoryCounts(host.categories, 'compact');
}

export function failureMessage(host: HostSummary): string {
  const alerts = host.alerts.length > 0 ? ` (alert ${host.alerts.join(', ')})` : '';
  return `${host.host}:${host.port} breaks under SSL inspection: ${categoriesOf(host)}${alerts}; pinning ${host.pinning}${host.confirmed ? ', confirmed by tunnelling' : ''}`;
}

function testCase(host: HostSummary, options: JunitOptions): string {
  const name = `${host.host}:${host.port}`;
  const open = `    <testcase name="${xmlAttribute(name)}" classname="pinscope.${xmlAttribute(host.breaks ? 'breaks' : 'works')}" time="${seconds(host.lastSeen - host.firstSeen)}"`;
  if (!failsGate(host, options.failOn)) return `${open}/>`;
  const known = options.known?.get(host.host);
  if (known !== undefined)
    return `${open}>\n      <skipped>${xmlText(`${failureMessage(host)}: not failing, ${known}`)}</skipped>\n    </testcase>`;
  const body = [
    `category: ${categoriesOf(host)}`,
    `pinning: ${host.pinning}${host.confirmed ? ' (confirmed: works when tunnelled untouched)' : ''}`,
    ...(host.alerts.length > 0 ? [`alerts: ${host.alerts.join(', ')}`] : []),
    `connections: ${host.connections}`,
    ...(host.fingerprints.length > 0 ? [`client (JA4): ${host.fingerprints.join(', ')}`] : []),
    'evidence:',
    ...host.evidence.map((e) => `- ${e}`),
  ].join('\n');
  return `${open}>\n      <failure message="${xmlAttribute(failureMessage(host))}" type="${xmlAttribute(host.pinning === 'likely' || host.confirmed ? 'pinning' : 'breakage')}">${xmlText(body)}</failure>\n    </testcase>`;
}

export function renderJunit(hosts: readonly HostSummary[], options: JunitOptions): string {
  const sorted = [...hosts].sort((a, b) => byHostName(a, b) || a.port - b.port);
  const skipped = sorted.filter((h) => failsGate(h, options.failOn) && options.known?.has(h.host)).length;
  const failures = sorted.filter((h) => failsGate(h, options.failOn)).length - skipped;
  const suiteName = `pinscope run: ${options.command}`.replace(/\s+/g, ' ').trim();
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<testsuites>',
    `  <testsuite name="${xmlAttribute(suiteName)}" package="pinscope" id="0" timestamp="${timestamp(options.startedAt)}" hostname="${xmlAttribute(options.hostname.trim() || 'localhost')}" tests="${sorted.length}" failures="${failures}" errors="0"${skipped > 0 ? ` skipped="${skipped}"` : ''} time="${seconds(options.durationMs)}">`,
    '    <properties>',
    `      <property name="pinscope.fail-on" value="${xmlAttribute(options.failOn)}"/>`,
    `      <property name="pinscope.command" value="${xmlAttribute(options.command)}"/>`,
    '    </properties>',
    ...sorted.map((h) => testCase(h, options)),
    `    <system-out>${xmlText(sorted.length === 0 ? 'No connections went through the proxy.' : `${sorted.filter((h) => h.breaks).length} of ${sorted.length} host(s) break under inspection; ${failures} fail the --fail-on ${options.failOn} gate${skipped > 0 ? `; ${skipped} known break(s) skipped` : ''}.`)}</system-out>`,
    '    <system-err></system-err>',
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
