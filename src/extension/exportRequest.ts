/** Export Exemption Request: hosts (preselected from the panel) → vendor or report → an untitled editor. */
import { byHostName, hostName, type HostName } from '../core/hostNames';
import { categoryCounts } from '../core/report/categoryCounts';
import { arch, platform, release } from 'node:os';
import * as vscode from 'vscode';
import { buildExemptionRequest, REPORT_FORMATS } from '../core/exemptions/exemptionRequest';
import { widenableDomains } from '../core/exemptions/hostEntries';
import { VENDOR_FORMATS } from '../core/exemptions/vendors/registry';
import { SnippetError } from '../core/exemptions/vendors/vendorFormat';
import { appNameChoices, resolveAppIdentity } from '../core/io/appIdentity';
import { attributedAppNames } from '../core/exemptions/attributedApp';
import {
  hasEvidence,
  hasOwnTrustStore,
  needsVerifying,
  OWN_STORE_WORDS,
  requiresClientCertificate,
} from '../core/exemptions/hostSelection';
import type { HostSummary } from '../core/diagnosis/hostSummary';
import type { SessionView } from '../core/diagnosis/sessionView';
import type { PinscopeContext } from './pinscopeContext';

export interface ExportArguments {
  readonly hosts?: readonly string[];
  readonly format?: string;
  readonly appName?: string;
  /** Request hosts where pinning is only possible (the quick pick sets it when one of them is picked). */
  readonly includePossible?: boolean;
  /** Request hosts whose app brings its own trust store (the quick pick sets it when one of them is picked). */
  readonly includeOwnStore?: boolean;
  /** Widen several hosts of one domain to the domain and every subdomain (default: exact hosts). */
  readonly widen?: boolean;
}

/** From the live session (kept after Stop) unless another is given: a recording opened in the editor. */
export async function exportExemptionRequest(
  context: PinscopeContext,
  args: ExportArguments = {},
  session: SessionView = context.controller.session,
): Promise<vscode.TextDocument | undefined> {
  const records = session.records().filter((r) => r.finished);
  if (records.length === 0) {
    if (session !== context.controller.session) {
      void vscode.window.showInformationMessage(vscode.l10n.t('Pinscope: this recording holds no finished connection to export.'));
      return undefined;
    }
    void vscode.window
      .showInformationMessage(
        vscode.l10n.t('Pinscope: no connections recorded yet. Start the proxy and run your app through it first.'),
        vscode.l10n.t('Start Proxy'),
      )
      .then((choice) => {
        if (choice) void vscode.commands.executeCommand('pinscope.startProxy');
      });
    return undefined;
  }
  const picked =
    args.hosts && args.format
      ? { hosts: args.hosts.map(hostName), includePossible: args.includePossible ?? false, includeOwnStore: args.includeOwnStore ?? false }
      : await pickHosts(session.hosts(), args.hosts ?? []);
  if (!picked || (picked.hosts.length === 0 && !picked.reportOnly)) return undefined;
  const { hosts, includePossible, includeOwnStore } = picked;
  const format = picked.reportOnly ? 'report-md' : (args.format ?? (await pickFormat()));
  if (!format) return undefined;
  const widen = args.widen ?? (args.format ? false : await pickScope(hosts));
  if (widen === undefined) return undefined;
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const appName = args.appName ?? (await pickAppName(folder, attributedAppNames(records, hosts)));
  if (appName === undefined) return undefined;
  try {
    const request = buildExemptionRequest({
      records,
      // The hosts the session shows confirmed by tunnelling are confirmed in the request too.
      confirmed: session
        .hosts()
        .filter((h) => h.confirmed)
        .map((h) => h.host),
      hosts,
      format,
      appName: appName || 'the app',
      includePossible,
      includeOwnStore,
      wildcards: widen ? 'widen' : 'never',
      environment: {
        Pinscope: `VS Code extension ${(context.extension.extension.packageJSON as { version?: string }).version ?? ''}`,
        'VS Code': vscode.version,
        OS: `${platform()} ${release()} ${arch()}`,
      },
    });
    for (const warning of request.warnings) context.log.warn(`Export: ${warning}`);
    const document = await vscode.workspace.openTextDocument({
      language: await availableLanguage(request.language),
      content: request.text,
    });
    await vscode.window.showTextDocument(document, { preview: false });
    if (!args.format) {
      const entries = request.entries.length === 1 ? vscode.l10n.t('1 entry') : vscode.l10n.t('{0} entries', request.entries.length);
      const message = request.warnings.length
        ? vscode.l10n.t('Pinscope: exemption request for {0} ({1} warning(s) in the log).', entries, request.warnings.length)
        : vscode.l10n.t('Pinscope: exemption request for {0}.', entries);
      const copy = vscode.l10n.t('Copy');
      const save = vscode.l10n.t('Save…');
      void vscode.window.showInformationMessage(message, copy, save).then(async (choice) => {
        if (choice === copy) await vscode.env.clipboard.writeText(request.text);
        else if (choice === save) await vscode.commands.executeCommand('workbench.action.files.saveAs');
      });
    }
    return document;
  } catch (error) {
    if (!(error instanceof SnippetError)) throw error;
    void vscode.window.showErrorMessage(vscode.l10n.t('Pinscope: {0}', error.message));
    return undefined;
  }
}

/**
 * The app the request is titled for: the workspace's own identity (applicationId, bundle id,
 * package.json), or the developer's pick between it and the apps attribution saw (never a generic tool
 * such as curl or python3); the name is then editable.
 */
async function pickAppName(folder: string | undefined, attributed: readonly string[]): Promise<string | undefined> {
  const candidates = appNameChoices(await resolveAppIdentity({ workspace: folder }), attributed);
  let value = candidates[0]?.label ?? vscode.workspace.name ?? '';
  if (candidates.length > 1) {
    const picked = await vscode.window.showQuickPick(candidates, { title: vscode.l10n.t('Pinscope: the app this request is for') });
    if (!picked) return undefined;
    value = picked.label;
  }
  return vscode.window.showInputBox({
    title: vscode.l10n.t('Pinscope: the app this request is for'),
    prompt: vscode.l10n.t('App name and version, as the security team knows it'),
    value,
  });
}

interface PickedHosts {
  readonly hosts: HostName[];
  readonly includePossible: boolean;
  readonly includeOwnStore: boolean;
  /** Nothing to request, but hosts broke: the evidence report alone, which says why for each. */
  readonly reportOnly?: boolean;
}

type HostItem = vscode.QuickPickItem & { readonly host: HostName; readonly section: 'evidence' | 'possible' | 'own-store' | '' };

/**
 * Hosts with evidence (pinning likely or confirmed) are picked by default. Hosts where pinning is only
 * possible, and hosts whose app brings its own trust store, stand in sections of their own, unpicked:
 * picking one is the visible choice to request it.
 */
async function pickHosts(hosts: readonly HostSummary[], preselected: readonly string[]): Promise<PickedHosts | undefined> {
  const item = (h: HostSummary, section: HostItem['section'], description: string, picked: boolean): HostItem => ({
    label: h.host,
    host: h.host,
    section,
    description,
    detail: categoryCounts(h.categories, 'list'),
    picked,
  });
  const sorted = [...hosts].sort(byHostName);
  const choose = (h: HostSummary, fallback: boolean): boolean => (preselected.length > 0 ? preselected.includes(h.host) : fallback);
  const withEvidence = sorted
    .filter(hasEvidence)
    .map((h) =>
      item(
        h,
        'evidence',
        requiresClientCertificate(h)
          ? vscode.l10n.t('requires a client certificate (mutual TLS): cannot be inspected')
          : h.confirmed
            ? vscode.l10n.t('pinning {0} (confirmed)', h.pinning)
            : vscode.l10n.t('pinning {0}', h.pinning),
        choose(h, true),
      ),
    );
  const possible = sorted
    .filter(needsVerifying)
    .map((h) =>
      item(
        h,
        'possible',
        vscode.l10n.t('pinning possible: verify first (trust the CA and retry, or confirm by tunnelling)'),
        choose(h, false),
      ),
    );
  const ownStore = sorted
    .filter(hasOwnTrustStore)
    .map((h) =>
      item(
        h,
        'own-store',
        h.fix
          ? vscode.l10n.t('its app brings its own trust store: or {0}', `${h.fix.charAt(0).toLowerCase()}${h.fix.slice(1)}`)
          : vscode.l10n.t('its app brings its own trust store'),
        choose(h, false),
      ),
    );
  const separator = (label: string): HostItem => ({ label, kind: vscode.QuickPickItemKind.Separator, host: hostName(''), section: '' });
  const items = [
    ...(withEvidence.length > 0 ? [separator(vscode.l10n.t('Evidence of pinning')), ...withEvidence] : []),
    ...(possible.length > 0
      ? [separator(vscode.l10n.t('Pinning only possible: picking one includes it in the request')), ...possible]
      : []),
    ...(ownStore.length > 0 ? [separator(vscode.l10n.t("The app's own trust store: {0}", OWN_STORE_WORDS)), ...ownStore] : []),
  ];
  if (items.length === 0) {
    if (!sorted.some((h) => h.breaks)) {
      void vscode.window.showInformationMessage(vscode.l10n.t('Pinscope: no host breaks under inspection: there is nothing to exempt.'));
      return undefined;
    }
    // Hosts broke, none of them is a candidate: the evidence report still says why for each, with the fix.
    const choice = await vscode.window.showInformationMessage(
      vscode.l10n.t(
        'Pinscope: no host has evidence of pinning yet. The evidence report lists each host that broke with its cause and fix.',
      ),
      vscode.l10n.t('Evidence Report'),
    );
    return choice ? { hosts: [], includePossible: false, includeOwnStore: false, reportOnly: true } : undefined;
  }
  const picked = await vscode.window.showQuickPick(items, {
    title: vscode.l10n.t('Pinscope: hosts to exempt from inspection'),
    canPickMany: true,
    matchOnDescription: true,
  });
  if (!picked) return undefined;
  return {
    hosts: picked.map((p) => p.host),
    includePossible: picked.some((p) => p.section === 'possible'),
    includeOwnStore: picked.some((p) => p.section === 'own-store'),
  };
}

/**
 * Exact hosts unless the developer explicitly widens: asked only when widening would change anything
 * (several hosts under one registrable domain), with what it means.
 */
async function pickScope(hosts: readonly string[]): Promise<boolean | undefined> {
  const domains = widenableDomains(hosts);
  if (domains.length === 0) return false;
  const items = [
    {
      label: vscode.l10n.t('Exact hosts (recommended)'),
      widen: false,
      detail: vscode.l10n.t('Each host is its own entry: the exemption is no wider than the evidence.'),
    },
    {
      label: vscode.l10n.t('Widen: {0} and every subdomain', domains.join(', ')),
      widen: true,
      detail: vscode.l10n.t(
        'One entry per domain that covers every subdomain of it, hosts never seen included. The request says so; security teams often ask for exact hosts instead.',
      ),
    },
  ];
  const picked = await vscode.window.showQuickPick(items, { title: vscode.l10n.t('Pinscope: scope of the exemption') });
  return picked?.widen;
}

async function pickFormat(): Promise<string | undefined> {
  const items = [
    ...VENDOR_FORMATS.map((f) => ({ label: f.title, id: f.id, description: f.id })),
    { label: '', kind: vscode.QuickPickItemKind.Separator, id: '' },
    ...REPORT_FORMATS.map((f) => ({ label: f.title, id: f.id, description: f.id })),
  ];
  const picked = await vscode.window.showQuickPick(items, {
    title: vscode.l10n.t('Pinscope: format (Zscaler first; evidence reports at the end)'),
  });
  return picked?.id;
}

/** Terraform where an extension knows it, else HCL, else plain text: never a language VS Code lacks. */
async function availableLanguage(language: string): Promise<string> {
  const known = new Set(await vscode.languages.getLanguages());
  const candidates = language === 'terraform' ? ['terraform', 'hcl', 'plaintext'] : [language, 'plaintext'];
  return candidates.find((c) => known.has(c)) ?? 'plaintext';
}
