/** Pinscope's VS Code entry point: builds the context, registers the command table, cleans up. */
import * as vscode from 'vscode';
import { join } from 'node:path';
import { registerCommands } from './commands';
import { InspectorPanel } from './inspector/inspectorPanel';
import type { PinscopeContext } from './pinscopeContext';
import { registerPinScanning } from './pins/registerPinScanning';
import { ProxyController, type ConfirmationOutcome } from './proxyController';
import { Settings } from './settings';
import { ProxyStatusBar } from './statusBar';
import { registerDebugThroughProxy } from './debugThroughProxy';
import { RecordingEditorProvider } from './recordings/recordingEditor';
import { KeptPort } from './keptPort';
import { markStaleTerminals, syncTerminalEnvironment, watchUnroutedCommands, type UnroutedNotice } from './terminals';

/** The extension's API, used by its integration tests. */
export interface PinscopeApi {
  readonly context: PinscopeContext;
  /** What was said about commands the proxy saw nothing from, newest last (at most 20). */
  readonly unroutedNotices: readonly UnroutedNotice[];
  /** How each confirmation by tunnelling ended, as the notification said it, newest last (at most 20). */
  readonly confirmationOutcomes: readonly ConfirmationOutcome[];
  /** The live inspector, if open. */
  livePanel(): InspectorPanel | undefined;
  /** The inspector showing this recording, if open. */
  recordingPanel(uri: vscode.Uri): InspectorPanel | undefined;
}

let controller: ProxyController | undefined;

export function activate(extension: vscode.ExtensionContext): PinscopeApi {
  const log = vscode.window.createOutputChannel('Pinscope', { log: true });
  const settings = new Settings();
  const caDir = join(extension.globalStorageUri.fsPath, 'ca');
  controller = new ProxyController(settings, caDir, log, new KeptPort(extension.workspaceState));
  // Cheap: the pin scan itself starts later, in the background.
  const pins = registerPinScanning(controller, log);
  const context: PinscopeContext = { extension, controller, settings, log, caDir, pins: pins.view };
  const activeController = controller;
  const unroutedNotices: UnroutedNotice[] = [];
  const confirmationOutcomes: ConfirmationOutcome[] = [];
  const confirmations = activeController.onConfirmationSettled.subscribe((outcome) => {
    confirmationOutcomes.push(outcome);
    if (confirmationOutcomes.length > 20) confirmationOutcomes.shift();
  });
  extension.environmentVariableCollection.persistent = false;
  const terminalSync = activeController.onDidChange.subscribe(() =>
    syncTerminalEnvironment(extension.environmentVariableCollection, activeController.session.listening, settings.applyToAllTerminals),
  );
  extension.subscriptions.push(
    log,
    controller,
    new ProxyStatusBar(controller),
    ...registerCommands(context),
    ...pins.disposables,
    InspectorPanel.registerSerializer(context),
    RecordingEditorProvider.register(context),
    new vscode.Disposable(() => terminalSync.dispose()),
    new vscode.Disposable(() => confirmations.dispose()),
    ...registerDebugThroughProxy(context),
    markStaleTerminals(controller, log),
    watchUnroutedCommands(
      context,
      () => settings.applyToAllTerminals,
      (notice) => {
        unroutedNotices.push(notice);
        if (unroutedNotices.length > 20) unroutedNotices.shift();
      },
    ),
  );
  return {
    context,
    unroutedNotices,
    confirmationOutcomes,
    livePanel: () => InspectorPanel.open,
    recordingPanel: (uri) => RecordingEditorProvider.panelFor(uri),
  };
}

export async function deactivate(): Promise<void> {
  await controller?.stop();
  controller = undefined;
}
