/** Export Exemption Request: hosts (preselected from the panel) → vendor or report → an untitled editor. */
import { arch, platform, release } from 'node:os';
import * as vscode from 'vscode';
import { buildExemptionRequest, REPORT_FORMATS } from '../core/exemptions/exemptionRequest';
import { VENDOR_FORMATS } from '../core/exemptions/vendors/registry';
import { SnippetError } from '../core/exemptions/vendors/vendorFormat';
import type { HostSummary } from '../core/hostSummary';
import type { PinscopeContext } from './pinscopeContext';

export interface ExportArguments {
  readonly hosts?: readonly string[];
  readonly format?: string;
  readonly appName?: string;
}

export async function exportExemptionRequest(context: PinscopeContext, args: ExportArguments = {}): Promise<vscode.TextDocument | undefined> {
  const engine = context.controller.engine;
  const records = engine?.proxy.store.all().filter((r) => r.finished) ?? [];
  if (!engine || records.length === 0) {
    void vscode.window.showInformationMessage('Pinscope: no connections recorded yet. Start the proxy and run your app through it first.', 'Start Proxy').then((choice) => {
      if (choice) void vscode.commands.executeCommand('pinscope.startProxy');
    });
    return undefined;
  }
  const hosts = args.hosts && args.format ? [...args.hosts] : await pickHosts(engine.hosts(), args.hosts ?? []);
  if (!hosts || hosts.length === 0) return undefined;
  const format = args.format ?? (await pickFormat());
  if (!format) return undefined;
  const appName = args.appName ?? (await vscode.window.showInputBox({ title: 'Pinscope: the app this request is for', prompt: 'App name and version, as the security team knows it', value: vscode.workspace.name ?? '' }));
  if (appName === undefined) return undefined;
  try {
    const request = buildExemptionRequest({
      records,
      hosts,
      format,
      appName: appName || 'the app',
      environment: { 'Pinscope': `VS Code extension ${(context.extension.extension.packageJSON as { version?: string }).version ?? ''}`, 'VS Code': vscode.version, OS: `${platform()} ${release()} ${arch()}` },
    });
    for (const warning of request.warnings) context.log.warn(`Export: ${warning}`);
    const document = await vscode.workspace.openTextDocument({ language: request.language, content: request.text });
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

async function pickHosts(hosts: readonly HostSummary[], preselected: readonly string[]): Promise<string[] | undefined> {
  const items = [...hosts].sort((a, b) => Number(b.breaks) - Number(a.breaks) || a.host.localeCompare(b.host)).map((h) => ({
    label: h.host,
    description: h.breaks ? `breaks · pinning ${h.pinning}${h.confirmed ? ' (confirmed)' : ''}` : 'works under inspection',
    detail: Object.entries(h.categories).map(([c, n]) => `${c} ×${n}`).join(', '),
    picked: preselected.length > 0 ? preselected.includes(h.host) : h.breaks,
  }));
  const picked = await vscode.window.showQuickPick(items, { title: 'Pinscope: hosts to exempt from inspection', canPickMany: true, matchOnDescription: true });
  return picked?.map((p) => p.label);
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
