/** Export Exemption Request: hosts (preselected from the panel) → vendor or report → an untitled editor. */
import { byHostName } from '../core/hostNames';
import { categoryCounts } from '../core/report/categoryCounts';
import { arch, platform, release } from 'node:os';
import * as vscode from 'vscode';
import { buildExemptionRequest, REPORT_FORMATS } from '../core/exemptions/exemptionRequest';
import { VENDOR_FORMATS } from '../core/exemptions/vendors/registry';
import { SnippetError } from '../core/exemptions/vendors/vendorFormat';
import { resolveAppIdentity } from '../core/exemptions/appIdentity';
import { attributedAppName } from '../core/exemptions/attributedApp';
import { hasEvidence, requiresClientCertificate } from '../core/exemptions/hostSelection';
import type { HostSummary } from '../core/diagnosis/hostSummary';
import type { SessionView } from '../core/session';
import type { PinscopeContext } from './pinscopeContext';

export interface ExportArguments {
  readonly hosts?: readonly string[];
  readonly format?: string;
  readonly appName?: string;
  /** Request hosts where pinning is only possible (the quick pick sets it when one of them is picked). */
  readonly includePossible?: boolean;
}

/** From the live session (kept after Stop) unless another is given: a recording opened in the editor. */
export async function exportExemptionRequest(context: PinscopeContext, args: ExportArguments = {}, session: SessionView = context.controller.session): Promise<vscode.TextDocument | undefined> {
  const records = session.records().filter((r) => r.finished);
  if (records.length === 0) {
    if (session !== context.controller.session) {
      void vscode.window.showInformationMessage('Pinscope: this recording holds no finished connection to export.');
      return undefined;
    }
    void vscode.window.showInformationMessage('Pinscope: no connections recorded yet. Start the proxy and run your app through it first.', 'Start Proxy').then((choice) => {
      if (choice) void vscode.commands.executeCommand('pinscope.startProxy');
    });
    return undefined;
  }
  const picked = args.hosts && args.format ? { hosts: [...args.hosts], includePossible: args.includePossible ?? false } : await pickHosts(session.hosts(), args.hosts ?? []);
  if (!picked || picked.hosts.length === 0) return undefined;
  const { hosts, includePossible } = picked;
  const format = args.format ?? (await pickFormat());
  if (!format) return undefined;
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  // The app the breaking connections came from (process attribution), else the workspace's own name.
  const detected = await resolveAppIdentity({ attributedProcess: attributedAppName(records, hosts), workspace: folder });
  const appName = args.appName ?? (await vscode.window.showInputBox({ title: 'Pinscope: the app this request is for', prompt: `App name and version, as the security team knows it${detected.source === 'default' ? '' : ` (from ${detected.source})`}`, value: detected.source === 'default' ? vscode.workspace.name ?? '' : `${detected.name}${detected.version ? ` ${detected.version}` : ''}` }));
  if (appName === undefined) return undefined;
  try {
    const request = buildExemptionRequest({
      records,
      hosts,
      format,
      appName: appName || 'the app',
      includePossible,
      environment: { 'Pinscope': `VS Code extension ${(context.extension.extension.packageJSON as { version?: string }).version ?? ''}`, 'VS Code': vscode.version, OS: `${platform()} ${release()} ${arch()}` },
    });
    for (const warning of request.warnings) context.log.warn(`Export: ${warning}`);
    const document = await vscode.workspace.openTextDocument({ language: await availableLanguage(request.language), content: request.text });
    await vscode.window.showTextDocument(document, { preview: false });
    if (!args.format) {
      void vscode.window.showInformationMessage(`Pinscope: exemption request for ${request.entries.length} entr${request.entries.length === 1 ? 'y' : 'ies'}${request.warnings.length ? ` (${request.warnings.length} warning(s) in the log)` : ''}.`, 'Copy', 'Save…').then(async (choice) => {
        if (choice === 'Copy') await vscode.env.clipboard.writeText(request.text);
        else if (choice === 'Save…') await vscode.commands.executeCommand('workbench.action.files.saveAs');
      });
    }
    return document;
  } catch (error) {
    if (!(error instanceof SnippetError)) throw error;
    void vscode.window.showErrorMessage(`Pinscope: ${error.message}`);
    return undefined;
  }
}

interface PickedHosts {
  readonly hosts: string[];
  readonly includePossible: boolean;
}

type HostItem = vscode.QuickPickItem & { readonly host: string; readonly possible: boolean };

/**
 * Hosts with evidence (pinning likely or confirmed) are picked by default. Hosts where pinning is only
 * possible stand in a section of their own, unpicked: picking one is the visible choice to request it.
 */
async function pickHosts(hosts: readonly HostSummary[], preselected: readonly string[]): Promise<PickedHosts | undefined> {
  const item = (h: HostSummary, description: string, picked: boolean): HostItem => ({
    label: h.host, host: h.host, possible: h.breaks && !hasEvidence(h) && h.pinning === 'possible', description,
    detail: categoryCounts(h.categories, 'list'), picked,
  });
  const sorted = [...hosts].sort(byHostName);
  const choose = (h: HostSummary, fallback: boolean): boolean => (preselected.length > 0 ? preselected.includes(h.host) : fallback);
  const withEvidence = sorted.filter(hasEvidence).map((h) => item(h, requiresClientCertificate(h) ? 'requires a client certificate (mutual TLS): cannot be inspected' : `pinning ${h.pinning}${h.confirmed ? ' (confirmed)' : ''}`, choose(h, true)));
  const possible = sorted.filter((h) => h.breaks && !hasEvidence(h) && h.pinning === 'possible').map((h) => item(h, 'pinning possible: verify first (trust the CA and retry, or confirm by tunnelling)', choose(h, false)));
  const separator = (label: string): HostItem => ({ label, kind: vscode.QuickPickItemKind.Separator, host: '', possible: false });
  const items = [
    ...(withEvidence.length > 0 ? [separator('Evidence of pinning'), ...withEvidence] : []),
    ...(possible.length > 0 ? [separator('Pinning only possible: picking one includes it in the request'), ...possible] : []),
  ];
  if (items.length === 0) {
    void vscode.window.showInformationMessage('Pinscope: no host has evidence of pinning yet. Hosts that work, or break for other reasons, are never exempted.');
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(items, { title: 'Pinscope: hosts to exempt from inspection', canPickMany: true, matchOnDescription: true });
  if (!picked) return undefined;
  return { hosts: picked.map((p) => p.host), includePossible: picked.some((p) => p.possible) };
}

async function pickFormat(): Promise<string | undefined> {
  const items = [
    ...VENDOR_FORMATS.map((f) => ({ label: f.title, id: f.id, description: f.id })),
    { label: '', kind: vscode.QuickPickItemKind.Separator, id: '' },
    ...REPORT_FORMATS.map((f) => ({ label: f.title, id: f.id, description: f.id })),
  ];
  const picked = await vscode.window.showQuickPick(items, { title: 'Pinscope: format (Zscaler first; evidence reports at the end)' });
  return picked?.id;
}

/** Terraform where an extension knows it, else HCL, else plain text: never a language VS Code lacks. */
async function availableLanguage(language: string): Promise<string> {
  const known = new Set(await vscode.languages.getLanguages());
  const candidates = language === 'terraform' ? ['terraform', 'hcl', 'plaintext'] : [language, 'plaintext'];
  return candidates.find((c) => known.has(c)) ?? 'plaintext';
}
