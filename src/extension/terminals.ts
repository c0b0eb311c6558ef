/** Proxied terminals, and the same environment applied to every new integrated terminal (opt-in). */
import * as vscode from 'vscode';
import { proxyEnvironment } from '../core/proxyEnvironment';
import type { Engine } from '../core/engine';

export function environmentFor(engine: Engine): Record<string, string> {
  return proxyEnvironment({ proxyUrl: engine.proxy.url, caCertPath: engine.proxy.ca.certPath, trustBundlePath: engine.proxy.trustBundlePath, javaToolOptions: process.env['JAVA_TOOL_OPTIONS'] });
}

export function openProxiedTerminal(engine: Engine): vscode.Terminal {
  const terminal = vscode.window.createTerminal({
    name: `Pinscope :${engine.proxy.port}`,
    env: environmentFor(engine),
    message: `Traffic from this terminal goes through Pinscope (${engine.proxy.url}) and trusts its CA.`,
    iconPath: new vscode.ThemeIcon('shield'),
  });
  terminal.show();
  return terminal;
}

/** Applies the proxy environment to new terminals while the proxy runs and the setting is on. */
export function syncTerminalEnvironment(collection: vscode.GlobalEnvironmentVariableCollection, engine: Engine | undefined, enabled: boolean): void {
  collection.clear();
  if (!engine || !enabled) return;
  collection.description = `Pinscope: route through ${engine.proxy.url} and trust its CA`;
  for (const [name, value] of Object.entries(environmentFor(engine))) collection.replace(name, value);
}
