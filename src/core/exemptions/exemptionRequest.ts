/**
 * One entry point for every export — the live session, a recording, several recordings merged: the
 * records are folded into runs (one, or many: mergedRuns.ts), the ladder's winner per host is selected
 * (hostSelection.ts), and a vendor snippet or an evidence report is rendered; reports gain the runs and
 * the app's inventory.
 */
import type { JudgedConnection } from '../diagnosis/hostSummary';
import type { ConnectionRecord } from '../timeline';
import { BREAKAGE } from '../../shared/vocabulary';
import { appInventory, inventoryMarkdown, type InventoryRow } from '../report/appInventory';
import { mergeRecords, type MergedHost, type MergedRuns } from '../report/mergedRuns';
import { renderReportCsv, renderReportJson, renderReportMarkdown, type ReportInput } from './evidenceReport';
import { proposeExemption, type ExemptionEntry, type WildcardPolicy } from './hostEntries';
import { accountedHosts, requiresClientCertificate, selectHosts, type LeftOut, type VerifyFirstHost } from './hostSelection';
import { ZSCALER_MUTUAL_TLS_WORDS } from '../diagnosis/pathCauses';
import { describeBypass, KNOWN_BYPASSES, knownBypassesFor, vendorTitle, type BypassMark, type KnownBypassFile } from './knownBypasses';
import { findVendorFormat, renderSnippet, VENDOR_FORMATS } from './vendors/registry';
import { cloudApplicationNotes } from './vendors/cloudApplications';
import { SnippetError, type VendorFormat } from './vendors/vendorFormat';
import type { HostName } from '../hostNames';

export const REPORT_FORMATS = [
  {
    id: 'report-md',
    title: 'Evidence report (Markdown, for a ticket)',
    language: 'markdown',
    extension: 'md',
    render: renderReportMarkdown,
  },
  { id: 'report-json', title: 'Evidence report (JSON)', language: 'json', extension: 'json', render: renderReportJson },
  { id: 'report-csv', title: 'Evidence report (CSV)', language: 'csv', extension: 'csv', render: renderReportCsv },
] as const;

export function exportFormatIds(): string[] {
  return [...VENDOR_FORMATS.map((f) => f.id), ...REPORT_FORMATS.map((f) => f.id)];
}

/** What a request is made from: the records of one run (the live session, a recording read), or runs merged. */
type RequestSource =
  | {
      readonly records: readonly ConnectionRecord[];
      /**
       * Hosts confirmed by tunnelling beyond what the records show (the live session's, or a recording's
       * lines): judged by the same `judgeAll` as the session's summary and the inspector, so a host shown
       * confirmed there is confirmed here.
       */
      readonly confirmed?: Iterable<HostName>;
    }
  | { readonly merged: MergedRuns };

export type ExemptionRequestInput = RequestSource & RequestOptions;

interface RequestOptions {
  /** Hosts chosen by the user, in normal form; empty means every host with evidence. */
  readonly hosts: readonly HostName[];
  readonly format: string;
  /** The vendor snippet embedded in a report (default zscaler-urls). */
  readonly vendor?: string;
  readonly appName: string;
  readonly appVersion?: string;
  readonly environment?: Readonly<Record<string, string>>;
  readonly wildcards?: WildcardPolicy;
  /** Also request hosts where pinning is only `possible` (default: they go to "verify first"). */
  readonly includePossible?: boolean;
  /** Also request hosts whose app brings its own trust store (default: their own section, not requested). */
  readonly includeOwnStore?: boolean;
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
function planVendor(
  format: VendorFormat,
  hosts: readonly string[],
  marks: readonly BypassMark[],
  verifyFirst: readonly VerifyFirstHost[],
  input: RequestOptions & { readonly runs: number },
  generatedAt: string,
  mutualTls: readonly string[],
): VendorPlan {
  const bypassedHere = new Set(marks.filter((m) => m.product === format.product).map((m) => m.host));
  const remaining = hosts.filter((h) => !bypassedHere.has(h));
  if (hosts.length > 0 && remaining.length === 0) {
    throw new SnippetError(
      `Every host is already excluded by default in ${format.title.split(':')[0] ?? format.product}: no request needed. ${marks.map(describeBypass).join(' ')}`,
    );
  }
  const proposal = proposeExemption(remaining, input.wildcards ?? 'never');
  const notes = [
    ...(input.runs > 1 ? [`Merged from ${input.runs} runs.`] : []),
    ...marks.map(describeBypass),
    ...(verifyFirst.length > 0 ? [`Left out until verified (pinning only possible): ${verifyFirst.map((v) => v.host).join(', ')}.`] : []),
    ...(mutualTls.length > 0 ? [mutualTlsNote(mutualTls)] : []),
    ...cloudApplicationNotes(format.product, remaining),
  ];
  const context = { name: `Pinscope pinning exemptions ${input.appName}`, appName: input.appName, generatedAt, notes };
  return {
    entries: proposal.entries,
    warnings: proposal.warnings,
    snippet: proposal.entries.length > 0 ? renderSnippet(format, proposal.entries, context) : '',
  };
}

/** Why hosts whose servers demand a client certificate are requested: not pinning, and the vendor's own words. */
function mutualTlsNote(hosts: readonly string[]): string {
  return `${hosts.join(', ')}: the real server requires a client certificate (mutual TLS), which inspection cannot present; not pinning. Zscaler: "${ZSCALER_MUTUAL_TLS_WORDS}"`;
}

function nothingToRequest(verifyFirst: readonly VerifyFirstHost[], leftOut: readonly LeftOut[]): SnippetError {
  const parts = ['No host has evidence of pinning (pinning likely, or confirmed by tunnelling) in any run.'];
  if (verifyFirst.length > 0)
    parts.push(
      `Verify first: ${verifyFirst.map((v) => v.host).join(', ')} (pinning possible; trust the CA and retry, or confirm by tunnelling), or include them with --include-possible.`,
    );
  if (leftOut.length > 0) parts.push(...leftOut.map((l) => `${l.host}: ${l.reason}.`));
  return new SnippetError(parts.join(' '));
}

/** The inventory's "exempted": hosts a vendor or the service's owner already lists. */
function knownExemptions(merged: MergedRuns, file: KnownBypassFile): Map<string, string> {
  return new Map(
    knownBypassesFor(
      merged.hosts.filter((h) => h.summary.breaks).map((h) => h.host),
      file,
    ).map((m) => [m.host, describeBypass(m)]),
  );
}

/** The report with the runs it was made from and the app's inventory (every host contacted, with its status). */
function withInventory(format: string, text: string, merged: MergedRuns, rows: readonly InventoryRow[]): string {
  if (format === 'report-md') return `${text.trimEnd()}\n\n${inventoryMarkdown(rows, merged.runs).join('\n')}`;
  if (format === 'report-json') {
    const report = JSON.parse(text) as Record<string, unknown>;
    return `${JSON.stringify({ ...report, runs: merged.runs, inventory: rows }, null, 2)}\n`;
  }
  return text;
}

/** A breaking connection carries the merged verdict (the ladder's winner), so the report says what the merge says. */
function asMerged(judged: JudgedConnection, host: MergedHost): JudgedConnection {
  if (!BREAKAGE.has(judged.verdict.category) || host.runs.length === 1) return judged;
  return {
    record: judged.record,
    verdict: { ...judged.verdict, pinning: host.summary.pinning, confirmed: host.summary.confirmed, evidence: host.summary.evidence },
  };
}

/** The connections a report shows for the requested hosts: each run's representatives, once each. */
function reportConnections(merged: MergedRuns, requested: ReadonlySet<string>): JudgedConnection[] {
  return merged.hosts.flatMap((h) => (requested.has(h.host) ? h.representatives.map((r) => asMerged(r.judged, h)) : []));
}

export function buildExemptionRequest(input: ExemptionRequestInput): ExemptionRequest {
  const merged = 'merged' in input ? input.merged : mergeRecords(input.records, input.confirmed);
  const runs = merged.runs.length;
  const selection = selectHosts(
    merged.hosts.map((h) => h.summary),
    input,
  );
  const hosts = selection.requested.map((s) => s.host);
  const bypassFile = input.knownBypasses ?? KNOWN_BYPASSES;
  const marks = knownBypassesFor(hosts, bypassFile);
  const generatedAt = (input.now ?? new Date()).toISOString();
  const selectionWarnings = [
    ...selection.leftOut.map((l) => `Left out ${l.host}: ${l.reason}.`),
    ...selection.verifyFirst.map(
      (v) =>
        `Verify first ${v.host}: pinning is only possible${runs > 1 ? ' in every run' : ''} (see the evidence report); --include-possible requests it anyway.`,
    ),
    ...merged.duplicates,
  ];
  const common = { verifyFirst: selection.verifyFirst, leftOut: selection.leftOut, knownBypasses: marks };
  const mutualTls = selection.requested.filter(requiresClientCertificate).map((s) => s.host);
  const vendor = findVendorFormat(input.format);
  if (vendor) {
    if (hosts.length === 0) throw nothingToRequest(selection.verifyFirst, selection.leftOut);
    const plan = planVendor(vendor, hosts, marks, selection.verifyFirst, { ...input, runs }, generatedAt, mutualTls);
    return {
      text: plan.snippet,
      language: vendor.language,
      extension: vendor.extension,
      entries: plan.entries,
      warnings: [...selectionWarnings, ...plan.warnings],
      ...common,
    };
  }
  const report = REPORT_FORMATS.find((f) => f.id === input.format);
  if (!report) throw new SnippetError(`Unknown format "${input.format}". Formats: ${exportFormatIds().join(', ')}`);
  const embedded = findVendorFormat(input.vendor ?? 'zscaler-urls');
  if (!embedded) throw new SnippetError(`Unknown vendor "${input.vendor ?? ''}". Vendors: ${VENDOR_FORMATS.map((f) => f.id).join(', ')}`);
  if (hosts.length === 0 && accountedHosts(selection) === 0) throw nothingToRequest(selection.verifyFirst, selection.leftOut);
  const plan = planVendor(embedded, hosts, marks, selection.verifyFirst, { ...input, runs }, generatedAt, mutualTls);
  const reportInput: ReportInput = {
    appName: input.appName,
    appVersion: input.appVersion ?? '',
    environment: { ...input.environment, ...(runs > 1 ? { Runs: `${runs} merged (${merged.connections} connections)` } : {}) },
    judged: reportConnections(merged, new Set(hosts)),
    entries: plan.entries,
    warnings: plan.warnings,
    vendorTitle: embedded.title,
    snippet: plan.snippet,
    generatedAt,
    selection,
    knownBypasses: marks.map((m) => ({
      host: m.host,
      text: describeBypass(m),
      vendor: vendorTitle(m.entry.vendor),
      kind: m.entry.kind,
      source: m.entry.source,
      retrieved: m.entry.retrieved,
      uncertain: m.entry.uncertain,
    })),
  };
  const rows = appInventory(merged, knownExemptions(merged, bypassFile));
  return {
    text: withInventory(report.id, report.render(reportInput), merged, rows),
    language: report.language,
    extension: report.extension,
    entries: plan.entries,
    warnings: [...selectionWarnings, ...plan.warnings],
    ...common,
  };
}
