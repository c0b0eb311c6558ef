/**
 * The workspace's pin configurations in the editor: a diagnostic per configuration in the Problems panel
 * and a CodeLens per observed host on its line ("api.example.com — breaks under inspection (…)"), with
 * actions to open the inspector and to add the host to an exemption request. The scan runs in the
 * background (never during activation); saved files are re-read on their own.
 */
import * as vscode from 'vscode';
import { describeHost, type PinConfiguration } from '../../core/pins/pinConfiguration';
import { describeObservation, findingSeverity, linkFindings, type ObservedHost, type PinFinding } from '../../core/pins/pinFindings';
import { findingHeadline } from '../../core/pins/scanReport';
import { isScannedFile, MAX_SCANNED_BYTES, scanFileText } from '../../core/pins/scanFile';
import { scanWorkspaceInWorker } from './workspaceScan';
import type { PinLocation } from '../../shared/protocol';
import type { PinLocator } from '../pinscopeContext';

/** What the proxy has observed so far, per host. */
export type ObservationSource = () => readonly ObservedHost[];

/** Read when a diagnostic is made, not when the module loads (loading the bundle stays free of API calls). */
function severity(level: ReturnType<typeof findingSeverity>): vscode.DiagnosticSeverity {
  if (level === 'error') return vscode.DiagnosticSeverity.Error;
  return level === 'warning' ? vscode.DiagnosticSeverity.Warning : vscode.DiagnosticSeverity.Information;
}

/** CodeLens titles render `$(name)` as icons: text from the workspace or the network must not. */
function lensTitle(text: string): string {
  return text.replace(/\$\(/g, '$\u200b(');
}

/** `files.exclude` globs that are switched on, as gitignore-style patterns. */
function filesExclude(folder: vscode.WorkspaceFolder): string[] {
  const exclude = vscode.workspace.getConfiguration('files', folder.uri).get<Record<string, boolean>>('exclude') ?? {};
  return Object.entries(exclude)
    .filter(([, on]) => on)
    .map(([glob]) => glob);
}

export class PinScanView implements vscode.CodeLensProvider, vscode.Disposable, PinLocator {
  /** Configurations per workspace-folder URI, then per relative file. */
  private readonly byFolder = new Map<string, Map<string, readonly PinConfiguration[]>>();
  private findings: PinFinding[] = [];
  private readonly diagnostics = vscode.languages.createDiagnosticCollection('pinscope-pins');
  private readonly changed = new vscode.EventEmitter<void>();
  private scanVersion = 0;
  /** Cancels the scan under way (its worker is terminated) when a newer one starts or the view goes. */
  private scanAbort: AbortController | undefined;
  private completed = 0;
  readonly onDidChangeCodeLenses = this.changed.event;

  constructor(private readonly observe: ObservationSource) {}

  /** Scans every workspace folder in the background, then publishes. A newer call supersedes an older one. */
  async rescan(): Promise<void> {
    const version = ++this.scanVersion;
    this.scanAbort?.abort();
    const abort = new AbortController();
    this.scanAbort = abort;
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      if (folder.uri.scheme !== 'file') continue;
      // In a worker thread: the proxy runs on this one, and a hostile workspace must not stall it.
      const scan = await scanWorkspaceInWorker(folder.uri.fsPath, { exclude: filesExclude(folder), signal: abort.signal }).catch(
        (error: unknown) => {
          if (abort.signal.aborted) return undefined;
          throw error;
        },
      );
      if (!scan || version !== this.scanVersion) return;
      const files = new Map<string, PinConfiguration[]>();
      for (const configuration of scan.configurations)
        files.set(configuration.file, [...(files.get(configuration.file) ?? []), configuration]);
      this.byFolder.set(folder.uri.toString(), files);
    }
    this.completed++;
    this.relink();
  }

  /** How many workspace scans have finished (a superseded one does not count). */
  get scansCompleted(): number {
    return this.completed;
  }

  /** Re-reads one saved file (pure scan of its text) and publishes. */
  rescanDocument(document: vscode.TextDocument): void {
    const folder = vscode.workspace.getWorkspaceFolder(document.uri);
    if (!folder || !isScannedFile(document.fileName) || document.getText().length > MAX_SCANNED_BYTES) return;
    const file = vscode.workspace.asRelativePath(document.uri, false);
    const files = this.byFolder.get(folder.uri.toString()) ?? new Map<string, readonly PinConfiguration[]>();
    files.set(file, scanFileText(file, document.getText()).configurations);
    this.byFolder.set(folder.uri.toString(), files);
    this.relink();
  }

  /** Links the last scan with the current observations (cheap): call when the proxy judged connections. */
  relink(): void {
    const observed = this.observe();
    this.findings = [];
    this.diagnostics.clear();
    for (const [folder, files] of this.byFolder) {
      const base = vscode.Uri.parse(folder);
      for (const [file, configurations] of files) {
        const findings = linkFindings(configurations, observed);
        this.findings.push(...findings);
        this.diagnostics.set(
          vscode.Uri.joinPath(base, file),
          findings.map((finding) => this.diagnostic(finding)),
        );
      }
    }
    this.changed.fire();
  }

  /** Where a host is pinned ("pinned in app/src/main/res/xml/network_security_config.xml:12"), for the inspector. */
  pinnedAt(host: string): PinLocation[] {
    return this.findings
      .filter((f) => f.observed.some((o) => o.host === host))
      .map((f) => ({ path: f.configuration.file, line: f.configuration.line }));
  }

  /** The file of a configuration the scan found at `path`: only those are opened for the inspector. */
  locate(path: string): vscode.Uri | undefined {
    for (const [folder, files] of this.byFolder) if (files.has(path)) return vscode.Uri.joinPath(vscode.Uri.parse(folder), path);
    return undefined;
  }

  private diagnostic(finding: PinFinding): vscode.Diagnostic {
    const line = Math.max(0, finding.configuration.line - 1);
    const observed = finding.observed.map(describeObservation);
    const diagnostic = new vscode.Diagnostic(
      new vscode.Range(line, 0, line, Number.MAX_SAFE_INTEGER),
      [findingHeadline(finding), ...observed, vscode.l10n.t('Fix: {0}', finding.fix.title)].join('\n'),
      severity(findingSeverity(finding)),
    );
    diagnostic.source = 'Pinscope';
    diagnostic.code = { value: 'fix', target: vscode.Uri.parse(finding.fix.documentation) };
    return diagnostic;
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const file = vscode.workspace.asRelativePath(document.uri, false);
    return this.findings
      .filter((f) => f.configuration.file === file)
      .flatMap((finding) => {
        const line = Math.max(0, finding.configuration.line - 1);
        const range = new vscode.Range(line, 0, line, 0);
        if (finding.observed.length === 0) {
          const hosts = finding.configuration.hosts.map(describeHost).join(', ');
          return [
            new vscode.CodeLens(range, {
              title: lensTitle(
                hosts
                  ? vscode.l10n.t('{0} — not seen through the proxy yet', hosts)
                  : vscode.l10n.t('custom certificate validation — hosts unknown'),
              ),
              command: '',
            }),
          ];
        }
        return finding.observed.flatMap((host) => [
          new vscode.CodeLens(range, {
            title: lensTitle(describeObservation(host)),
            command: 'pinscope.openInspector',
            arguments: [host.host],
          }),
          ...(host.breaks
            ? [
                new vscode.CodeLens(range, {
                  title: vscode.l10n.t('Add to exemption request'),
                  command: 'pinscope.exportExemptionRequest',
                  arguments: [[host.host]],
                }),
              ]
            : []),
        ]);
      });
  }

  dispose(): void {
    this.scanVersion++;
    this.scanAbort?.abort();
    this.diagnostics.dispose();
    this.changed.dispose();
  }
}
