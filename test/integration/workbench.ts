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
