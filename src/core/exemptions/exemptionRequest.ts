/** One entry point for every export: pick hosts with evidence, propose entries, render a vendor snippet or a report. */
import { judgeAll, summariseHosts } from '../diagnosis/hostSummary';
import type { ConnectionRecord } from '../timeline';
import { renderReportCsv, renderReportJson, renderReportMarkdown, type ReportInput } from './evidenceReport';
import { proposeExemption, type ExemptionEntry, type WildcardPolicy } from './hostEntries';
import { requiresClientCertificate, selectHosts, type LeftOut, type VerifyFirstHost } from './hostSelection';
import { ZSCALER_MUTUAL_TLS_WORDS } from '../diagnosis/pathCauses';
import { describeBypass, KNOWN_BYPASSES, knownBypassesFor, vendorTitle, type BypassMark, type KnownBypassFile } from './knownBypasses';
import { findVendorFormat, renderSnippet, VENDOR_FORMATS } from './vendors/registry';
import { cloudApplicationNotes } from './vendors/cloudApplications';
import { SnippetError, type VendorFormat } from './vendors/vendorFormat';

export const REPORT_FORMATS = [
  { id: 'report-md', title: 'Evidence report (Markdown, for a ticket)', language: 'markdown', extension: 'md', render: renderReportMarkdown },
  { id: 'report-json', title: 'Evidence report (JSON)', language: 'json', extension: 'json', render: renderReportJson },
  { id: 'report-csv', title: 'Evidence report (CSV)', language: 'csv', extension: 'csv', render: renderReportCsv },
] as const;

export function exportFormatIds(): string[] {
  return [...VENDOR_FORMATS.map((f) => f.id), ...REPORT_FORMATS.map((f) => f.id)];
}

export interface ExemptionRequestInput {
  readonly records: readonly ConnectionRecord[];
  /** Hosts chosen by the user; empty means every host with evidence. */
  readonly hosts: readonly string[];
  readonly format: string;
  /** The vendor snippet embedded in a report (default zscaler-urls). */
  readonly vendor?: string;
  readonly appName: string;
  readonly appVersion?: string;
  readonly environment?: Readonly<Record<string, string>>;
  readonly wildcards?: WildcardPolicy;
  /** Also request hosts where pinning is only `possible` (default: they go to "verify first"). */
  readonly includePossible?: boolean;
  /** The known-bypass data (default: the shipped file). */
  readonly knownBypasses?: KnownBypassFile;
  readonly now?: Date;
}

export interface ExemptionRequest {
  readonly text: string;
  readonly language: string;
  readonly extension: string;
  readonly entries: readonly ExemptionEntry[];
  readonly warnings: readonly string[];
  readonly verifyFirst: readonly VerifyFirstHost[];
  readonly leftOut: readonly LeftOut[];
  readonly knownBypasses: readonly BypassMark[];
}

interface VendorPlan {
  readonly entries: readonly ExemptionEntry[];
  readonly warnings: readonly string[];
  readonly snippet: string;
}

/** The snippet for one vendor: hosts that vendor already bypasses by default are left out, and said so. */
function planVendor(format: VendorFormat, hosts: readonly string[], marks: readonly BypassMark[], verifyFirst: readonly VerifyFirstHost[], input: ExemptionRequestInput, generatedAt: string, mutualTls: readonly string[] = []): VendorPlan {
  const bypassedHere = new Set(marks.filter((m) => m.product === format.product).map((m) => m.host));
  const remaining = hosts.filter((h) => !bypassedHere.has(h));
  if (hosts.length > 0 && remaining.length === 0) {
    throw new SnippetError(`Every host is already excluded by default in ${format.title.split(':')[0] ?? format.product}: no request needed. ${marks.map(describeBypass).join(' ')}`);
  }
  const proposal = proposeExemption(remaining, input.wildcards ?? 'auto');
  const notes = [
    ...marks.map(describeBypass),
    ...(verifyFirst.length > 0 ? [`Left out until verified (pinning only possible): ${verifyFirst.map((v) => v.host).join(', ')}.`] : []),
    ...(mutualTls.length > 0 ? [mutualTlsNote(mutualTls)] : []),
    ...cloudApplicationNotes(format.product, remaining),
  ];
  const context = { name: `Pinscope pinning exemptions ${input.appName}`, appName: input.appName, generatedAt, notes };
  return { entries: proposal.entries, warnings: proposal.warnings, snippet: proposal.entries.length > 0 ? renderSnippet(format, proposal.entries, context) : '' };
}

/** Why hosts whose servers demand a client certificate are requested: not pinning, and the vendor's own words. */
function mutualTlsNote(hosts: readonly string[]): string {
  return `${hosts.join(', ')}: the real server requires a client certificate (mutual TLS), which inspection cannot present; not pinning. Zscaler: "${ZSCALER_MUTUAL_TLS_WORDS}"`;
}

function nothingToRequest(verifyFirst: readonly VerifyFirstHost[], leftOut: readonly LeftOut[]): SnippetError {
  const parts = ['No host has evidence of pinning (pinning likely, or confirmed by tunnelling).'];
  if (verifyFirst.length > 0) parts.push(`Verify first: ${verifyFirst.map((v) => v.host).join(', ')} (pinning possible; trust the CA and retry, or confirm by tunnelling), or include them with --include-possible.`);
  if (leftOut.length > 0) parts.push(...leftOut.map((l) => `${l.host}: ${l.reason}.`));
  return new SnippetError(parts.join(' '));
}

export function buildExemptionRequest(input: ExemptionRequestInput): ExemptionRequest {
  const judged = judgeAll(input.records);
  const selection = selectHosts(summariseHosts(judged), input.hosts, input.includePossible ?? false);
  const hosts = selection.requested.map((s) => s.host);
  const marks = knownBypassesFor(hosts, input.knownBypasses ?? KNOWN_BYPASSES);
  const generatedAt = (input.now ?? new Date()).toISOString();
  const selectionWarnings = [
    ...selection.leftOut.map((l) => `Left out ${l.host}: ${l.reason}.`),
    ...selection.verifyFirst.map((v) => `Verify first ${v.host}: pinning is only possible (see the evidence report); --include-possible requests it anyway.`),
  ];
  const common = { verifyFirst: selection.verifyFirst, leftOut: selection.leftOut, knownBypasses: marks };
  const vendor = findVendorFormat(input.format);
  if (vendor) {
    if (hosts.length === 0) throw nothingToRequest(selection.verifyFirst, selection.leftOut);
    const plan = planVendor(vendor, hosts, marks, selection.verifyFirst, input, generatedAt, selection.requested.filter(requiresClientCertificate).map((s) => s.host));
    return { text: plan.snippet, language: vendor.language, extension: vendor.extension, entries: plan.entries, warnings: [...selectionWarnings, ...plan.warnings], ...common };
  }
  const report = REPORT_FORMATS.find((f) => f.id === input.format);
  if (!report) throw new SnippetError(`Unknown format "${input.format}". Formats: ${exportFormatIds().join(', ')}`);
  const embedded = findVendorFormat(input.vendor ?? 'zscaler-urls');
  if (!embedded) throw new SnippetError(`Unknown vendor "${input.vendor ?? ''}". Vendors: ${VENDOR_FORMATS.map((f) => f.id).join(', ')}`);
  if (hosts.length === 0 && selection.verifyFirst.length === 0) throw nothingToRequest(selection.verifyFirst, selection.leftOut);
  const plan = planVendor(embedded, hosts, marks, selection.verifyFirst, input, generatedAt);
  const reportInput: ReportInput = {
    appName: input.appName,
    appVersion: input.appVersion ?? '',
    environment: input.environment ?? {},
    judged,
    entries: plan.entries,
    warnings: plan.warnings,
    vendorTitle: embedded.title,
    snippet: plan.snippet,
    generatedAt,
    verifyFirst: selection.verifyFirst,
    knownBypasses: marks.map((m) => ({ host: m.host, text: describeBypass(m), vendor: vendorTitle(m.entry.vendor), kind: m.entry.kind, source: m.entry.source, retrieved: m.entry.retrieved, uncertain: m.entry.uncertain })),
  };
  return { text: report.render(reportInput), language: report.language, extension: report.extension, entries: plan.entries, warnings: [...selectionWarnings, ...plan.warnings], ...common };
}
