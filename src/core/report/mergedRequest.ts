/**
 * One exemption request from several runs: the hosts are selected from the merged verdicts (the ladder's
 * winner per host, runLadder.ts) by the same selection as a single recording (hostSelection.ts), and the
 * reports gain the runs merged and the app's inventory. Vendor snippets are the registry's own.
 */
import { REPORT_FORMATS, exportFormatIds, type ExemptionRequest, type ExemptionRequestInput } from '../exemptions/exemptionRequest';
import { proposeExemption } from '../exemptions/hostEntries';
import { accountedHosts, selectHosts, type LeftOut, type VerifyFirstHost } from '../exemptions/hostSelection';
import { describeBypass, KNOWN_BYPASSES, knownBypassesFor, vendorTitle, type BypassMark } from '../exemptions/knownBypasses';
import { findVendorFormat, renderSnippet, VENDOR_FORMATS } from '../exemptions/vendors/registry';
import { SnippetError, type VendorFormat } from '../exemptions/vendors/vendorFormat';
import { BREAKAGE } from '../../shared/vocabulary';
import type { JudgedConnection } from '../diagnosis/hostSummary';
import { appInventory, inventoryMarkdown, type InventoryRow } from './appInventory';
import type { MergedHost, MergedRuns } from './mergedRuns';

export interface MergedRequestInput extends Omit<ExemptionRequestInput, 'records'> {
  readonly merged: MergedRuns;
}

function nothingToRequest(verifyFirst: readonly VerifyFirstHost[], leftOut: readonly LeftOut[]): SnippetError {
  const parts = ['No host has evidence of pinning (pinning likely, or confirmed by tunnelling) in any run.'];
  if (verifyFirst.length > 0) parts.push(`Verify first: ${verifyFirst.map((v) => v.host).join(', ')} (pinning possible; trust the CA and retry, or confirm by tunnelling), or include them with --include-possible.`);
  parts.push(...leftOut.map((l) => `${l.host}: ${l.reason}.`));
  return new SnippetError(parts.join(' '));
}

function vendorSnippet(format: VendorFormat, hosts: readonly string[], marks: readonly BypassMark[], verifyFirst: readonly VerifyFirstHost[], input: MergedRequestInput, generatedAt: string): { entries: ExemptionRequest['entries']; warnings: readonly string[]; snippet: string } {
  const bypassedHere = new Set(marks.filter((m) => m.product === format.product).map((m) => m.host));
  const remaining = hosts.filter((h) => !bypassedHere.has(h));
  if (hosts.length > 0 && remaining.length === 0) throw new SnippetError(`Every host is already excluded by default in ${format.title.split(':')[0] ?? format.product}: no request needed. ${marks.map(describeBypass).join(' ')}`);
  const proposal = proposeExemption(remaining, input.wildcards ?? 'never');
  const notes = [
    `Merged from ${input.merged.runs.length} run(s).`,
    ...marks.map(describeBypass),
    ...(verifyFirst.length > 0 ? [`Left out until verified (pinning only possible): ${verifyFirst.map((v) => v.host).join(', ')}.`] : []),
  ];
  const context = { name: `Pinscope pinning exemptions ${input.appName}`, appName: input.appName, generatedAt, notes };
  return { entries: proposal.entries, warnings: proposal.warnings, snippet: proposal.entries.length > 0 ? renderSnippet(format, proposal.entries, context) : '' };
}

/** The inventory's "exempted": hosts a vendor or the service's owner already lists. */
function knownExemptions(merged: MergedRuns): Map<string, string> {
  return new Map(knownBypassesFor(merged.hosts.filter((h) => h.summary.breaks).map((h) => h.host)).map((m) => [m.host, describeBypass(m)]));
}

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
  if (!BREAKAGE.has(judged.verdict.category)) return judged;
  return { record: judged.record, verdict: { ...judged.verdict, pinning: host.summary.pinning, confirmed: host.summary.confirmed, evidence: host.summary.evidence } };
}

export function buildMergedRequest(input: MergedRequestInput): ExemptionRequest {
  const { merged } = input;
  const summaries = merged.hosts.map((h) => h.summary);
  const selection = selectHosts(summaries, input);
  const hosts = selection.requested.map((s) => s.host);
  const marks = knownBypassesFor(hosts, input.knownBypasses ?? KNOWN_BYPASSES);
  const generatedAt = (input.now ?? new Date()).toISOString();
  const selectionWarnings = [
    ...selection.leftOut.map((l) => `Left out ${l.host}: ${l.reason}.`),
    ...selection.verifyFirst.map((v) => `Verify first ${v.host}: pinning is only possible in every run (see the evidence report); --include-possible requests it anyway.`),
    ...merged.duplicates,
  ];
  const common = { verifyFirst: selection.verifyFirst, leftOut: selection.leftOut, knownBypasses: marks };
  const vendor = findVendorFormat(input.format);
  if (vendor) {
    if (hosts.length === 0) throw nothingToRequest(selection.verifyFirst, selection.leftOut);
    const plan = vendorSnippet(vendor, hosts, marks, selection.verifyFirst, input, generatedAt);
    return { text: plan.snippet, language: vendor.language, extension: vendor.extension, entries: plan.entries, warnings: [...selectionWarnings, ...plan.warnings], ...common };
  }
  const report = REPORT_FORMATS.find((f) => f.id === input.format);
  if (!report) throw new SnippetError(`Unknown format "${input.format}". Formats: ${exportFormatIds().join(', ')}`);
  const embedded = findVendorFormat(input.vendor ?? 'zscaler-urls');
  if (!embedded) throw new SnippetError(`Unknown vendor "${input.vendor ?? ''}". Vendors: ${VENDOR_FORMATS.map((f) => f.id).join(', ')}`);
  if (hosts.length === 0 && accountedHosts(selection) === 0) throw nothingToRequest(selection.verifyFirst, selection.leftOut);
  const plan = vendorSnippet(embedded, hosts, marks, selection.verifyFirst, input, generatedAt);
  const requested = new Set(hosts);
  // The report's evidence per host is the merged verdict's; its connections are the runs' representatives.
  // Each representative is repeated (by reference) as many times as it stands for, so the counts are right.
  const judged = merged.hosts.flatMap((h) => (requested.has(h.host) ? h.representatives.map((r) => ({ ...r, judged: asMerged(r.judged, h) })) : [])).flatMap((r) => Array<JudgedConnection>(r.count).fill(r.judged));
  const text = report.render({
    appName: input.appName,
    appVersion: input.appVersion ?? '',
    environment: { ...input.environment, Runs: `${merged.runs.length} merged (${merged.connections} connections)` },
    judged,
    entries: plan.entries,
    warnings: plan.warnings,
    vendorTitle: embedded.title,
    snippet: plan.snippet,
    generatedAt,
    selection,
    knownBypasses: marks.map((m) => ({ host: m.host, text: describeBypass(m), vendor: vendorTitle(m.entry.vendor), kind: m.entry.kind, source: m.entry.source, retrieved: m.entry.retrieved, uncertain: m.entry.uncertain })),
  });
  const rows = appInventory(merged, knownExemptions(merged));
  return { text: withInventory(report.id, text, merged, rows), language: report.language, extension: report.extension, entries: plan.entries, warnings: [...selectionWarnings, ...plan.warnings], ...common };
}
