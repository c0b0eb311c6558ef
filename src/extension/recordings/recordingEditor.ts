/**
 * `*.pinscope.jsonl` in the editor: a recording (a CI run's, a colleague's, one saved from VS Code)
 * opened in the same inspector, read-only — filters, hosts, details and export, but no tunnel,
 * confirm, clear, start or stop. What could not be read is said once, precisely.
 */
import { basename } from 'node:path';
import * as vscode from 'vscode';
import type { Recording } from '../../core/recording';
import { InspectorPanel } from '../inspector/inspectorPanel';
import { recordingSource, type RecordingCaptures } from '../inspector/inspectorSources';
import type { PinscopeContext } from '../pinscopeContext';
import { readRecordingInWorker } from './recordingReader';

export const RECORDING_VIEW_TYPE = 'pinscope.recording';
/** Larger recordings are refused with a message rather than read into memory. */
const MAX_RECORDING_BYTES = 256 * 1024 * 1024;

class RecordingDocument implements vscode.CustomDocument {
  constructor(
    readonly uri: vscode.Uri,
    readonly recording: Recording,
    readonly captures: RecordingCaptures,
  ) {}
  dispose(): void {
    // Nothing to release: the recording is plain data.
  }
}

export class RecordingEditorProvider implements vscode.CustomReadonlyEditorProvider<RecordingDocument> {
  /** The panels open now, by the recording's URI (the export command and the tests find them here). */
  private static readonly panels = new Map<string, InspectorPanel>();

  static register(context: PinscopeContext): vscode.Disposable {
    return vscode.window.registerCustomEditorProvider(RECORDING_VIEW_TYPE, new RecordingEditorProvider(context), {
      webviewOptions: { retainContextWhenHidden: false },
      supportsMultipleEditorsPerDocument: true,
    });
  }

  /** Keeps `inspector` findable by `key` while its panel is open (a recording, or several opened as one). */
  static track(key: vscode.Uri, inspector: InspectorPanel): void {
    const name = key.toString();
    RecordingEditorProvider.panels.set(name, inspector);
    inspector.panel.onDidDispose(() => {
      if (RecordingEditorProvider.panels.get(name) === inspector) RecordingEditorProvider.panels.delete(name);
    });
  }

  /** The inspector showing this recording, if one is open. */
  static panelFor(uri: vscode.Uri): InspectorPanel | undefined {
    return RecordingEditorProvider.panels.get(uri.toString());
  }

  private constructor(private readonly context: PinscopeContext) {}

  /** Read and judged in a worker thread: the proxy, on this thread, keeps serving while a large one loads. */
  async openCustomDocument(
    uri: vscode.Uri,
    _context: vscode.CustomDocumentOpenContext,
    token: vscode.CancellationToken,
  ): Promise<RecordingDocument> {
    const size = (await vscode.workspace.fs.stat(uri)).size;
    if (size > MAX_RECORDING_BYTES)
      throw new Error(
        `${basename(uri.path)} is ${Math.round(size / 1024 / 1024)} MiB: recordings over ${MAX_RECORDING_BYTES / 1024 / 1024} MiB are not opened (split it, or use pinscope export --from)`,
      );
    const cancel = new AbortController();
    const listener = token.onCancellationRequested(() => cancel.abort());
    const maxConnectionsKept = this.context.settings.maxConnectionsKept;
    try {
      const request =
        uri.scheme === 'file'
          ? { kind: 'file' as const, path: uri.fsPath, maxConnectionsKept }
          : { kind: 'bytes' as const, bytes: await vscode.workspace.fs.readFile(uri), maxConnectionsKept };
      const { recording, captures } = await readRecordingInWorker(request, cancel.signal);
      return new RecordingDocument(uri, recording, captures);
    } finally {
      listener.dispose();
    }
  }

  resolveCustomEditor(document: RecordingDocument, panel: vscode.WebviewPanel): void {
    const name = basename(document.uri.path);
    panel.webview.options = InspectorPanel.options(this.context);
    RecordingEditorProvider.track(
      document.uri,
      new InspectorPanel(panel, this.context, recordingSource(this.context, document.recording, name, document.captures)),
    );
    const { recording } = document;
    if (recording.skipped.length > 0) {
      for (const line of recording.skipped) this.context.log.warn(`${name}: skipped ${line}`);
      const first = recording.skipped.slice(0, 3).join('; ');
      void vscode.window
        .showWarningMessage(
          vscode.l10n.t(
            'Pinscope: {0}: {1} line(s) skipped — {2}. {3} connection(s) shown (from another Pinscope version, or cut off while written?).',
            name,
            recording.skipped.length,
            `${first}${recording.skipped.length > 3 ? '; …' : ''}`,
            recording.records().length,
          ),
          vscode.l10n.t('Show Log'),
        )
        .then((choice) => {
          if (choice) this.context.log.show();
        });
    }
    if (recording.records().length === 0 && recording.skipped.length === 0)
      void vscode.window.showInformationMessage(vscode.l10n.t('Pinscope: {0} holds no connections.', name));
  }
}
