/** What every command and view of the extension works with. */
import type * as vscode from 'vscode';
import type { PinLocation } from '../shared/protocol';
import type { ProxyController } from './proxyController';
import type { Settings } from './settings';

/** The pin scan, as the inspector and commands see it. */
export interface PinLocator {
  /** Where the workspace pins this host ("pinned in app/…/network_security_config.xml:12"). */
  pinnedAt(host: string): PinLocation[];
  /** The file of a pin configuration the scan found at `path` (relative to its folder), if it did. */
  locate(path: string): vscode.Uri | undefined;
  /** How many workspace scans have finished: the first runs a few seconds after activation. */
  readonly scansCompleted: number;
}

export interface PinscopeContext {
  readonly extension: vscode.ExtensionContext;
  readonly controller: ProxyController;
  readonly settings: Settings;
  readonly log: vscode.LogOutputChannel;
  readonly caDir: string;
  readonly pins: PinLocator;
}
