/**
 * The evidence report for the security team (Markdown for a ticket, JSON, CSV): what broke, how, how
 * sure we are it is pinning, the real certificate chains and pins, and the requested exemption.
 * Holds only what the user chose to share: no key log, no payloads, no client addresses.
 */
import type { HostSummary, JudgedConnection } from '../diagnosis/hostSummary';
import { markdownText, visibleControlCharacters } from '../report/textEscaping';
import { eventLabels } from '../../shared/eventLabels';
import { findEvent, type CertificateSummary, type TimelineEvent } from '../../shared/timelineEvents';
import { targetHost } from '../timeline';
import type { ExemptionEntry } from './hostEntries';
import { OWN_STORE_WORDS, type HostSelection } from './hostSelection';

/** A requested host that a vendor or the service's owner already lists (knownBypasses.ts). */
interface KnownBypassNote {
  readonly host: string;
  readonly text: string;
  readonly vendor: string;
  readonly kind: string;
  readonly source: string;
  readonly retrieved: string;
  readonly uncertain: boolean;
}

/** Where every broken host goes: each one in exactly one section (hostSelection.ts). */
type ReportSections = Pick<HostSelection, 'requested' | 'verifyFirst' | 'ownStore' | 'notRequested'>;

export interface ReportInput {
  readonly appName: string;
  readonly appVersion: string;
  readonly environment: Readonly<Record<string, string>>;
  readonly judged: readonly JudgedConnection[];
  readonly entries: readonly ExemptionEntry[];
  readonly warnings: readonly string[];
  readonly vendorTitle: string;
  readonly snippet: string;
  readonly generatedAt: string;
  readonly selection: ReportSections;
  readonly knownBypasses?: readonly KnownBypassNote[];
}

interface HostEvidence {
  readonly host: string;
  readonly summary: HostSummary;
  readonly timeline: string;
  readonly chain: readonly CertificateSummary[];
  /** Only resumed sessions were seen (the server sent no certificate) and no chain was remembered for them. */
  readonly chainNotCaptured: boolean;
}

export function timelineSummary(events: readonly TimelineEvent[]): string {
  return events
    .flatMap((e) => {
      const label = eventLabels(e).report;
      return label ? [`${label} ${e.t.toFixed(1)} ms`] : [];
    })
    .join(' → ');
}

/** The requested hosts with their evidence, except own-store hosts: they have a section of their own. */
function requestedEvidence(input: ReportInput): HostEvidence[] {
  const ownStore = new Set(input.selection.ownStore.map((o) => o.host));
  return input.selection.requested.filter((s) => !ownStore.has(s.host)).map((summary) => hostEvidence(input.judged, summary));
}

function hostEvidence(judged: readonly JudgedConnection[], summary: HostSummary): HostEvidence {
  const items = judged.filter((j) => targetHost(j.record) === summary.host);
  const failing = items.find((j) => j.verdict.category !== 'ok' && j.verdict.pinning === summary.pinning) ?? items[0];
  // The latest chain (a resumed connection carries the one of the handshake it resumes, when known).
  const chain =
    [...items]
      .reverse()
      .map((j) => findEvent(j.record.events, 'upstream-tls')?.chain)
      .find((c) => c !== undefined && c.length > 0) ?? [];
  const chainNotCaptured = chain.length === 0 && items.some((j) => findEvent(j.record.events, 'upstream-tls')?.resumed === true);
  return { host: summary.host, summary, timeline: failing ? timelineSummary(failing.record.events) : '', chain, chainNotCaptured };
}

/** What the requested entries cover, in words that match their scope exactly. */
function scopeSentence(entries: readonly ExemptionEntry[]): string {
  if (entries.length === 0) return 'Nothing is requested yet: the sections below say why for each host.';
  const hosts = entries.reduce((n, e) => n + e.hosts.length, 0);
  const domains = entries.filter((e) => e.kind === 'domain').map((e) => e.value);
  const tail = "the app still validates the real servers' certificates itself, and all other traffic stays inspected.";
  if (domains.length === 0)
    return `The requested exemption (do not decrypt) covers exactly these ${hosts} host${hosts === 1 ? '' : 's'}, nothing wider; ${tail}`;
  return `The requested exemption (do not decrypt) covers the hosts below and, as an explicit choice to widen it, every subdomain of ${domains.join(', ')} (including hosts not seen in this recording); ${tail}`;
}

/** "com.acme.shop 2.4.1", or the name alone when there is no version (never a trailing space). */
const appTitle = (input: Pick<ReportInput, 'appName' | 'appVersion'>): string =>
  [input.appName, input.appVersion].filter((part) => part.trim() !== '').join(' ');
/** "the app" starts a sentence as "The app"; a name ("com.acme.shop", "iOS Banking") keeps its own case. */
const sentenceStart = (text: string): string => text.replace(/^the /, 'The ');

function justification(input: ReportInput, evidence: readonly HostEvidence[]): string {
  const likely = evidence.filter((e) => e.summary.pinning === 'likely').length;
  const confirmed = evidence.filter((e) => e.summary.confirmed).length;
  const ownStore = input.selection.ownStore.filter((o) => o.requested).length;
  const app = sentenceStart(appTitle(input));
  const pinning =
    evidence.length === 0
      ? []
      : [
          `${app} verifies the identity of the servers below more strictly than the operating system does (certificate or public-key pinning).`,
          'When their TLS traffic is inspected, the inspection service presents its own certificate, the app rejects it, and the connection fails — the inspection service itself cannot tell that pinning is the cause.',
          `Pinscope reproduced this on a developer machine with an inspection-style proxy: ${evidence.length} requested host(s) broke${likely ? `, ${likely} of them with pinning judged likely` : ''}${confirmed ? `, ${confirmed} confirmed to work when not inspected` : ''}.`,
        ];
  const own =
    ownStore === 0
      ? []
      : [
          `${evidence.length > 0 ? `${ownStore} more host(s) are` : `${ownStore} host(s) are`} requested at the developer's choice: ${evidence.length > 0 ? 'their app trusts' : `${app} trusts`} only its own certificate store there, so it ${OWN_STORE_WORDS}.`,
        ];
  const none =
    evidence.length === 0 && ownStore === 0 ? [`Pinscope found no host of ${app.replace(/^The /, 'the ')} with evidence of pinning.`] : [];
  return [...pinning, ...own, ...none, scopeSentence(input.entries)].join(' ');
}

const outcome = (s: HostSummary): string =>
  Object.entries(s.categories)
    .map(([c, n]) => `${c} ×${n}`)
    .join(', ');

export function renderReportMarkdown(input: ReportInput): string {
  const evidence = requestedEvidence(input);
  const lines = [
    `# SSL inspection exemption request: ${markdownText(appTitle(input))}`,
    '',
    `Generated by Pinscope on ${input.generatedAt}.`,
    '',
    '## Why',
    '',
    markdownText(justification(input, evidence)),
    '',
    '## Requested exemption',
    '',
    '| Entry | Covers | Why this scope |',
    '| --- | --- | --- |',
    ...input.entries.map(
      (e) =>
        `| ${e.kind === 'domain' ? `${markdownText(e.value)} and every subdomain` : `${markdownText(e.value)} (this host only)`} | ${e.hosts.map(markdownText).join(', ')} | ${markdownText(e.reason)} |`,
    ),
    '',
    ...(input.warnings.length > 0 ? ['Warnings:', '', ...input.warnings.map((w) => `- ${markdownText(w)}`), ''] : []),
    ...knownBypassMarkdown(input),
    ...snippetMarkdown(input),
    ...(evidence.length > 0 ? ['## Evidence per requested host', ''] : []),
  ];
  for (const e of evidence) {
    const s = e.summary;
    lines.push(
      `### ${markdownText(e.host)}:${s.port}`,
      '',
      `- Outcome under inspection: ${outcome(s)}${s.alerts.length ? ` (alerts: ${s.alerts.map(markdownText).join(', ')})` : ''}`,
      `- Pinning: **${s.pinning}**${s.confirmed ? ' — confirmed: works when not inspected' : ''}`,
      `- Seen: ${s.connections} connection(s), first ${new Date(s.firstSeen).toISOString()}, last ${new Date(s.lastSeen).toISOString()}`,
      `- Client fingerprint (JA4): ${s.fingerprints.map((f) => `\`${f}\``).join(', ') || 'n/a'}`,
      `- Timeline: ${markdownText(e.timeline)}`,
      ...s.evidence.map((x) => `- ${markdownText(x)}`),
      '',
      ...(e.chain.length
        ? [
            'Real server certificate chain (SHA-256 SPKI pins):',
            '',
            ...e.chain.map(
              (c, i) =>
                `${i + 1}. ${markdownText(c.subject)} — issued by ${markdownText(c.issuer)}, valid to ${c.validTo.slice(0, 10)} — \`sha256/${c.pin}\``,
            ),
            '',
          ]
        : e.chainNotCaptured
          ? ['Real server certificate chain: not captured (resumed session).', '']
          : []),
    );
  }
  lines.push(...ownStoreMarkdown(input), ...verifyFirstMarkdown(input), ...notRequestedMarkdown(input));
  lines.push('## Environment', '', ...Object.entries(input.environment).map(([k, v]) => `- ${markdownText(k)}: ${markdownText(v)}`), '');
  return lines.join('\n');
}

/**
 * The vendor snippet in a fence no network-supplied text can close; or why there is none yet. Control
 * characters are escaped line by line: the snippet's own line breaks stay line breaks (one URL per line,
 * as the security engineer pastes it), anything else that could drive a viewer is shown as `\xNN`.
 */
function snippetMarkdown(input: ReportInput): string[] {
  if (input.snippet === '')
    return [
      'No exemption is requested: no host has evidence of pinning yet. Each host that broke is listed below with why and what to do.',
      '',
    ];
  const lines = input.snippet.replace(/~~~~/g, '~ ~ ~ ~').trimEnd().split('\n').map(visibleControlCharacters);
  return [`### ${markdownText(input.vendorTitle)}`, '', '~~~~', ...lines, '~~~~', ''];
}

/** Hosts a vendor already bypasses by default, or whose owner asks not to inspect them, with the source. */
function knownBypassMarkdown(input: ReportInput): string[] {
  const notes = input.knownBypasses ?? [];
  if (notes.length === 0) return [];
  return ['### Already known', '', ...notes.map((n) => `- ${markdownText(n.text)}`), ''];
}

/** Hosts where pinning is only possible: not in the request, each with the step that decides it. */
function verifyFirstMarkdown(input: ReportInput): string[] {
  const hosts = input.selection.verifyFirst;
  if (hosts.length === 0) return [];
  return [
    '## Verify first (not requested)',
    '',
    'These hosts broke under inspection, but the evidence does not yet separate pinning from a client that does not trust the inspection CA. Exempting them could weaken inspection for nothing.',
    '',
    ...hosts.flatMap((v) => [
      `### ${markdownText(v.host)}:${v.summary.port}`,
      '',
      `- Outcome under inspection: ${outcome(v.summary)}`,
      `- Pinning: **${v.summary.pinning}**`,
      `- Step that decides it: ${markdownText(v.step)}`,
      ...v.summary.evidence.map((x) => `- ${markdownText(x)}`),
      '',
    ]),
  ];
}

/** Hosts whose app brings its own trust store: requested only when the developer asked for it. */
function ownStoreMarkdown(input: ReportInput): string[] {
  const hosts = input.selection.ownStore;
  if (hosts.length === 0) return [];
  return [
    "## The app's own trust store",
    '',
    `The app trusts only certificates it ships itself, not the operating system's store where IT deploys the inspection root: each host below ${OWN_STORE_WORDS}.`,
    '',
    ...hosts.flatMap((o) => [
      `### ${markdownText(o.host)}:${o.summary.port}`,
      '',
      `- Outcome under inspection: ${outcome(o.summary)}${o.summary.alerts.length ? ` (alerts: ${o.summary.alerts.map(markdownText).join(', ')})` : ''}`,
      `- In this request: ${o.requested ? '**yes** (asked for by the developer)' : 'no (export with --include-own-store, or pick it, to request it)'}`,
      ...(o.fix ? [`- To make the app use the OS store instead: ${markdownText(o.fix)}`] : []),
      ...o.summary.evidence.map((x) => `- ${markdownText(x)}`),
      '',
    ]),
  ];
}

/** Every other host that broke: not requested, with why and what to do instead. */
function notRequestedMarkdown(input: ReportInput): string[] {
  const hosts = input.selection.notRequested;
  if (hosts.length === 0) return [];
  return [
    '## Not requested',
    '',
    'These hosts broke under inspection too; an exemption is not asked for them, for the reason given.',
    '',
    ...hosts.flatMap((n) => [
      `### ${markdownText(n.host)}:${n.summary.port}`,
      '',
      `- Outcome under inspection: ${outcome(n.summary)}${n.summary.alerts.length ? ` (alerts: ${n.summary.alerts.map(markdownText).join(', ')})` : ''}`,
      `- Pinning: **${n.summary.pinning}**${n.summary.cause ? ` (cause: ${n.summary.cause})` : ''}`,
      `- Why not requested: ${markdownText(n.reason)}`,
      '',
    ]),
  ];
}

const isoTimes = (s: HostSummary): { firstSeen: string; lastSeen: string } => ({
  firstSeen: new Date(s.firstSeen).toISOString(),
  lastSeen: new Date(s.lastSeen).toISOString(),
});
const briefly = (s: HostSummary): Record<string, unknown> => ({
  port: s.port,
  pinning: s.pinning,
  cause: s.cause ?? null,
  categories: s.categories,
  alerts: s.alerts,
  evidence: s.evidence,
});

export function renderReportJson(input: ReportInput): string {
  const evidence = requestedEvidence(input);
  const { ownStore, verifyFirst, notRequested } = input.selection;
  return `${JSON.stringify(
    {
      app: { name: input.appName, version: input.appVersion },
      generatedAt: input.generatedAt,
      environment: input.environment,
      justification: justification(input, evidence),
      exemption: { vendor: input.vendorTitle, entries: input.entries, warnings: input.warnings, snippet: input.snippet },
      hosts: evidence.map((e) => ({ ...e.summary, ...isoTimes(e.summary), timeline: e.timeline, chain: e.chain })),
      knownBypasses: input.knownBypasses ?? [],
      ownTrustStore: ownStore.map((o) => ({
        host: o.host,
        ...briefly(o.summary),
        requested: o.requested,
        fix: o.fix,
        note: OWN_STORE_WORDS,
      })),
      verifyFirst: verifyFirst.map((v) => ({ host: v.host, ...briefly(v.summary), step: v.step })),
      notRequested: notRequested.map((n) => ({ host: n.host, ...briefly(n.summary), reason: n.reason })),
    },
    null,
    2,
  )}\n`;
}

/** RFC 4180 CSV; cells that a spreadsheet would run as formulas are prefixed with an apostrophe. */
export function csvCell(value: string | number | boolean): string {
  const text = visibleControlCharacters(String(value));
  const inert = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(inert) ? `"${inert.replace(/"/g, '""')}"` : inert;
}

export function renderReportCsv(input: ReportInput): string {
  const evidence = requestedEvidence(input);
  const header = [
    'host',
    'port',
    'request',
    'connections',
    'categories',
    'alerts',
    'pinning',
    'confirmed',
    'first_seen',
    'last_seen',
    'ja4',
    'timeline',
    'leaf_pin',
    'evidence',
    'next_step',
    'cause',
  ];
  const row = (summary: HostSummary, request: string, timeline: string, leafPin: string, step: string): (string | number | boolean)[] => [
    summary.host,
    summary.port,
    request,
    summary.connections,
    Object.entries(summary.categories)
      .map(([c, n]) => `${c}:${n}`)
      .join(' '),
    summary.alerts.join(' '),
    summary.pinning,
    summary.confirmed,
    new Date(summary.firstSeen).toISOString(),
    new Date(summary.lastSeen).toISOString(),
    summary.fingerprints.join(' '),
    timeline,
    leafPin,
    summary.evidence.join(' '),
    step,
    summary.cause ?? '',
  ];
  // One row per host that broke: requested first, then the app's own trust store, verify first, and the rest.
  const rows = [
    ...evidence.map((e) => row(e.summary, 'requested', e.timeline, e.chain[0] ? `sha256/${e.chain[0].pin}` : '', '')),
    ...input.selection.ownStore.map((o) =>
      row(
        o.summary,
        o.requested ? 'requested (own trust store)' : 'own trust store',
        '',
        '',
        `${OWN_STORE_WORDS}${o.fix ? `. ${o.fix}` : ''}`,
      ),
    ),
    ...input.selection.verifyFirst.map((v) => row(v.summary, 'verify first', '', '', v.step)),
    ...input.selection.notRequested.map((n) => row(n.summary, 'not requested', '', '', n.reason)),
  ];
  return `${[header, ...rows].map((cells) => cells.map(csvCell).join(',')).join('\r\n')}\r\n`;
}
