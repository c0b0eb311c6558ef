/** One entry point for every export: pick hosts, propose entries, render a vendor snippet or a report. */
import { judgeAll, summariseHosts } from '../hostSummary';
import type { ConnectionRecord } from '../timeline';
import { renderReportCsv, renderReportJson, renderReportMarkdown, type ReportInput } from './evidenceReport';
import { proposeExemption, type ExemptionEntry, type WildcardPolicy } from './hostEntries';
import { findVendorFormat, renderSnippet, VENDOR_FORMATS } from './vendors/registry';
import { SnippetError } from './vendors/vendorFormat';

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
  /** Hosts chosen by the user; empty means every host judged to break. */
  readonly hosts: readonly string[];
  readonly format: string;
  /** The vendor snippet embedded in a report (default zscaler-urls). */
  readonly vendor?: string;
  readonly appName: string;
  readonly appVersion?: string;
  readonly environment?: Readonly<Record<string, string>>;
  readonly wildcards?: WildcardPolicy;
  readonly now?: Date;
}

export interface ExemptionRequest {
  readonly text: string;
  readonly language: string;
  readonly extension: string;
  readonly entries: readonly ExemptionEntry[];
  readonly warnings: readonly string[];
}

export function buildExemptionRequest(input: ExemptionRequestInput): ExemptionRequest {
  const judged = judgeAll(input.records);
  const hosts = input.hosts.length > 0 ? input.hosts : summariseHosts(judged).filter((h) => h.breaks).map((h) => h.host);
  if (hosts.length === 0) throw new SnippetError('No host broke under inspection in these records, and none was chosen.');
  const proposal = proposeExemption(hosts, input.wildcards ?? 'auto');
  const generatedAt = (input.now ?? new Date()).toISOString();
  const context = { name: `Pinscope pinning exemptions ${input.appName}`, appName: input.appName, generatedAt };
  const vendor = findVendorFormat(input.format);
  if (vendor) {
    return { text: renderSnippet(vendor, proposal.entries, context), language: vendor.language, extension: vendor.extension, entries: proposal.entries, warnings: proposal.warnings };
  }
  const report = REPORT_FORMATS.find((f) => f.id === input.format);
  if (!report) throw new SnippetError(`Unknown format "${input.format}". Formats: ${exportFormatIds().join(', ')}`);
  const embedded = findVendorFormat(input.vendor ?? 'zscaler-urls');
  if (!embedded) throw new SnippetError(`Unknown vendor "${input.vendor ?? ''}". Vendors: ${VENDOR_FORMATS.map((f) => f.id).join(', ')}`);
  const reportInput: ReportInput = {
    appName: input.appName,
    appVersion: input.appVersion ?? '',
    environment: input.environment ?? {},
    judged,
    entries: proposal.entries,
    warnings: proposal.warnings,
    vendorTitle: embedded.title,
    snippet: renderSnippet(embedded, proposal.entries, context),
    generatedAt,
  };
  return { text: report.render(reportInput), language: report.language, extension: report.extension, entries: proposal.entries, warnings: proposal.warnings };
}
