/** What every integration suite needs from the workbench: the extension's API, and its settings. */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { PinscopeApi } from '../../src/extension/extension';

const EXTENSION_ID = 'pinscope.pinscope';

/** The extension under test, activated. */
export async function activatePinscope(): Promise<PinscopeApi> {
  const extension = vscode.extensions.getExtension<PinscopeApi>(EXTENSION_ID);
  assert.ok(extension, `${EXTENSION_ID} is installed in the host`);
  return extension.activate();
}

/** Sets `pinscope.*` settings (user level); `undefined` removes one. */
export async function configure(values: Record<string, unknown>): Promise<void> {
  const config = vscode.workspace.getConfiguration('pinscope');
  for (const [key, value] of Object.entries(values)) await config.update(key, value, vscode.ConfigurationTarget.Global);
}

/** The terminal's shell integration, once the injected script has reported in. */
export function shellIntegrationOf(terminal: vscode.Terminal, timeoutMs: number): Promise<vscode.TerminalShellIntegration> {
  if (terminal.shellIntegration) return Promise.resolve(terminal.shellIntegration);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      listener.dispose();
      reject(new Error(`no shell integration in terminal "${terminal.name}" after ${timeoutMs} ms`));
    }, timeoutMs);
    const listener = vscode.window.onDidChangeTerminalShellIntegration((event) => {
      if (event.terminal !== terminal) return;
      clearTimeout(timer);
      listener.dispose();
      resolve(event.shellIntegration);
    });
  });
}

/** Runs a command through shell integration and resolves with its exit code once it ended. */
export function runInTerminal(integration: vscode.TerminalShellIntegration, command: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    // Listening first; the end event comes asynchronously, after `execution` is set.
    const listener = vscode.window.onDidEndTerminalShellExecution((event) => {
      if (event.execution !== execution) return;
      listener.dispose();
      resolve(event.exitCode);
    });
    const execution = integration.executeCommand(command);
  });
}
