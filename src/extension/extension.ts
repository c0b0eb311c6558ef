/** Pinscope's VS Code entry point: builds the context, registers the command table, cleans up. */
import * as vscode from 'vscode';
import { join } from 'node:path';
import { registerCommands } from './commands';
import { InspectorPanel } from './inspector/inspectorPanel';
import type { PinscopeContext } from './pinscopeContext';
import { registerPinScanning } from './pins/registerPinScanning';
import { ProxyController } from './proxyController';
import { Settings } from './settings';
import { ProxyStatusBar } from './statusBar';
import { registerDebugThroughProxy } from './debugThroughProxy';
import { syncTerminalEnvironment, watchUnroutedCommands } from './terminals';

/** The extension's API, used by its integration tests. */
export interface PinscopeApi {
  readonly context: PinscopeContext;
}

let controller: ProxyController | undefined;

export function activate(extension: vscode.ExtensionContext): PinscopeApi {
  const log = vscode.window.createOutputChannel('Pinscope', { log: true });
  const settings = new Settings();
  const caDir = join(extension.globalStorageUri.fsPath, 'ca');
  controller = new ProxyController(settings, caDir, log);
  const context: PinscopeContext = { extension, controller, log, caDir };
  const activeController = controller;
  extension.environmentVariableCollection.persistent = false;
  const terminalSync = activeController.onDidChange.subscribe(() => syncTerminalEnvironment(extension.environmentVariableCollection, activeController.engine, settings.applyToAllTerminals));
  extension.subscriptions.push(log, controller, new ProxyStatusBar(controller), ...registerCommands(context), ...registerPinScanning(context), InspectorPanel.registerSerializer(context), new vscode.Disposable(() => terminalSync.dispose()),
    ...registerDebugThroughProxy(context), watchUnroutedCommands(context, () => settings.applyToAllTerminals));
  return { context };
}

export async function deactivate(): Promise<void> {
  await controller?.stop();
  controller = undefined;
}
