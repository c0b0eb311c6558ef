/** What every command and view of the extension works with. */
import type * as vscode from 'vscode';
import type { ProxyController } from './proxyController';

export interface PinscopeContext {
  readonly extension: vscode.ExtensionContext;
  readonly controller: ProxyController;
  readonly log: vscode.LogOutputChannel;
  readonly caDir: string;
}
